using System.ComponentModel;
using Spectre.Console.Cli;
using VmLab.Common;
using VmLab.Report;
using VmLab.Results;

namespace VmLab.CommandLine.Commands;

/// <summary>
/// <c>vmlab verify &lt;run-dir&gt;</c>: one line per check (raw/ against units.json, results.json, REPORT.md, charts/);
/// exit 0 when every file agrees, 1 with one line saying which do not.
/// </summary>
internal sealed class VerifyCommand : Command<VerifyCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<run-dir>")]
        [Description("The run directory, e.g. a release's results.tar.gz unpacked.")]
        public string RunDir { get; init; } = "";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var run = new RunDirectory(settings.RunDir);
        var checks = RunVerification.Of(run);
        foreach (var check in checks)
        {
            Console.Out.WriteLine(check.Absent ? $"--   {check.What}: not there, nothing to check"
                : check.Agrees ? $"ok   {check.What}"
                : $"FAIL {check.What}: {check.Problem}");
        }

        var failed = checks.Where(c => !c.Agrees).ToList();
        if (failed.Count > 0)
        {
            throw new LabException(
                $"{run.Path} does not agree with its raw outputs and ledger: {failed.Count} of {checks.Count} checks failed ({string.Join("; ", failed.Select(c => c.What))}).",
                $"a raw output that differs from units.json cannot be trusted: restore it (e.g. from the release's results.tar.gz) or run the unit again; results.json, REPORT.md and charts/ are derived again by vmlab report {run.Path} --reparse");
        }

        Console.Out.WriteLine($"vmlab: every file of {run.Path} agrees with its raw outputs and ledger");
        return 0;
    }
}
