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
        if (settings is ParseCommand.Settings)
        {
            return;
        }

        if (context.Remaining.Parsed.FirstOrDefault() is { } unknown)
        {
            throw new UsageException($"Unknown option '{unknown.Key.TrimStart('-')}'");
        }
    }
}
