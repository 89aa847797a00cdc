using System.Text;
using CliWrap;
using CliWrap.Builders;

namespace VmLab.Common;

/// <summary>
/// POSIX shell words: the one quoter for every command line VmLab writes into job scripts, logs and metadata, or
/// prints for a user to paste; and the one way to run a CliWrap command under a prefix (<c>setsid</c>,
/// <c>ip netns exec NAME</c>).
/// </summary>
public static class ShellWord
{
    /// <summary><paramref name="word"/> as the shell should read it: bare when safe, else in single quotes ('' when empty).</summary>
    public static string Quote(string word)
    {
        if (word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=,:+@%".Contains(c)))
        {
            return word;
        }

        var quoted = new StringBuilder("'");
        foreach (var c in word)
        {
            quoted.Append(c == '\'' ? "'\\''" : c.ToString());
        }

        return quoted.Append('\'').ToString();
    }

    /// <summary>Words joined into one shell line, each quoted only when it needs to be.</summary>
    public static string Join(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));

    /// <summary>
    /// <paramref name="command"/> run through <paramref name="prefix"/> (a program that execs the rest of its
    /// arguments, e.g. <c>setsid</c>, <c>ip netns exec NAME</c>), keeping its environment, working directory, pipes
    /// and validation.
    /// </summary>
    public static Command Prefix(Command command, IReadOnlyList<string> prefix) =>
        prefix.Count == 0 ? command
            : command
                .WithTargetFile(prefix[0])
                .WithArguments(new ArgumentsBuilder().Add(prefix.Skip(1)).Add(command.TargetFilePath).Build()
                    + (command.Arguments.Length > 0 ? " " + command.Arguments : ""));
}
