using Spectre.Console.Cli;
using VmLab.CommandLine.Commands;

namespace VmLab.CommandLine;

/// <summary>A command line that cannot mean anything: refused with exit 64 and the command's known options, like Spectre's own parse errors.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Refuses options no command declares (a typo such as <c>--profle</c> must never run the default: issue 16, item 7).
/// Spectre's strict parsing would do it for every command, but <c>vmlab parse</c> takes options that each suite
/// declares with its registry entry (<see cref="VmLab.Suites.SuiteDefinition.ParseOptions"/>), which no settings class
/// can list; Spectre leaves them in the remaining arguments and parse checks them against the suite named. Every
/// other command gets the refusal here, before it runs.
/// </summary>
internal sealed class UnknownOptions : ICommandInterceptor
{
    public void Intercept(CommandContext context, CommandSettings settings)
    {
        EmptyValues.Refuse(settings);
        if (settings is ParseCommand.Settings)
        {
            return;
        }

        if (context.Remaining.Parsed.FirstOrDefault() is { } unknown)
        {
            var name = unknown.Key.TrimStart('-');
            var known = settings.GetType().GetProperties()
                .Select(p => p.GetCustomAttributes(typeof(CommandOptionAttribute), inherit: true).OfType<CommandOptionAttribute>().FirstOrDefault())
                .OfType<CommandOptionAttribute>()
                .Select(o => o.LongNames.FirstOrDefault())
                .OfType<string>()
                .ToList();
            var near = known.MinBy(k => Distance(k, name)) is { } closest && Distance(closest, name) <= 2 ? $"; did you mean --{closest}?" : "";
            throw new UsageException($"Unknown option '{name}'{near} (it takes {string.Join(", ", known.Select(k => "--" + k))})");
        }
    }

    /// <summary>Levenshtein distance: how many letters to add, drop or change to turn <paramref name="a"/> into <paramref name="b"/>.</summary>
    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }
}
