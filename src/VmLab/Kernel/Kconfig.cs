using System.Text.RegularExpressions;

namespace VmLab.Kernel;

/// <summary>
/// Symbol values as a <c>.config</c> or a config fragment states them: <c>CONFIG_X=value</c>, and
/// <c># CONFIG_X is not set</c> read as <c>n</c>. Keys are symbol names without the <c>CONFIG_</c> prefix.
/// A symbol that is absent was not written by Kconfig (it is invisible here, e.g. its dependencies are off).
/// </summary>
public sealed partial record Kconfig(IReadOnlyDictionary<string, string> Values)
{
    /// <summary>The value of <paramref name="symbol"/>, or null when the file does not mention it.</summary>
    public string? this[string symbol] => Values.TryGetValue(symbol, out var value) ? value : null;

    public static Kconfig Parse(string text)
    {
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Trim();
            if (NotSet().Match(line) is { Success: true } off)
            {
                values[off.Groups[1].Value] = "n";
            }
            else if (Assignment().Match(line) is { Success: true } on)
            {
                values[on.Groups[1].Value] = on.Groups[2].Value;
            }
        }

        return new Kconfig(values);
    }

    public static Kconfig Load(string path) => Parse(File.ReadAllText(path));

    [GeneratedRegex(@"^# CONFIG_([A-Za-z0-9_]+) is not set$")]
    private static partial Regex NotSet();

    [GeneratedRegex(@"^CONFIG_([A-Za-z0-9_]+)=(.*)$")]
    private static partial Regex Assignment();
}

/// <summary>A config fragment under <c>kernel/config/</c>: the options it requests, in the merge order they apply.</summary>
/// <param name="Name">The file name, e.g. <c>lab.config</c>.</param>
/// <param name="Path">The file.</param>
/// <param name="Sha256">Its content hash (part of the kernel's cache key and metadata).</param>
/// <param name="Requested">The symbol values it asks for.</param>
public sealed record ConfigFragment(string Name, string Path, string Sha256, Kconfig Requested)
{
    public static ConfigFragment Load(string path) =>
        new(System.IO.Path.GetFileName(path), System.IO.Path.GetFullPath(path), Common.Hashing.Sha256OfFile(path), Kconfig.Load(path));
}
