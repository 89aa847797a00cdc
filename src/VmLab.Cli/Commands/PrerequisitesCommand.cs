using System.ComponentModel;
using Spectre.Console.Cli;
using VmLab.Prerequisites;

namespace VmLab.CommandLine.Commands;

internal sealed class PrerequisitesCommand : AsyncCommand<PrerequisitesCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--check")]
        [Description("Only report what is missing; exit 1 if anything is.")]
        public bool CheckOnly { get; init; }

        [CommandOption("--cross-checks")]
        [Description("Also the packages of the statistics' independent cross-checks (python3-scipy, python3-statsmodels), which the pipeline does not need.")]
        public bool CrossChecks { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.CheckOnly)
        {
            var missing = await PrerequisiteInstaller.MissingAsync(Wanted(settings), cancellationToken);
            foreach (var p in missing)
            {
                Console.WriteLine($"missing: {p.Name} — {p.Why}");
            }

            if (missing.Count > 0)
            {
                Console.WriteLine($"Install them with: ./build.sh --target=Prerequisites{(settings.CrossChecks ? " --cross-checks" : "")}   (or: " + PrerequisiteInstaller.ManualCommand(missing) + ")");
            }

            return missing.Count == 0 ? 0 : 1;
        }

        var ok = await new PrerequisiteInstaller(Console.Out).EnsureAsync(Wanted(settings), cancellationToken);
        return ok ? 0 : 1;
    }

    private static IReadOnlyList<DebianPackage> Wanted(Settings settings) =>
        settings.CrossChecks ? [.. DebianPackage.Pipeline, .. DebianPackage.CrossChecks] : DebianPackage.Pipeline;
}
