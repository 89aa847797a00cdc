using VmLab.Common;
using VmLab.Results;

namespace VmLab.Report;

/// <summary>
/// <c>vmlab verify &lt;run&gt;</c>: does every file of a run directory (a downloaded release, a copy) agree with its raw
/// outputs and its ledger? Each raw output against the sha256 units.json recorded; results.json against what raw/ and
/// units.json give; REPORT.md and charts/ against what VmLab renders from them (with the built-in 2023 reference and
/// templates). Nothing is written.
/// </summary>
public static class RunVerification
{
    /// <summary>One check: what was compared, and why it does not agree (null when it does).</summary>
    /// <param name="Absent">True when the file is not there (a shard has no report yet): nothing to check, not a disagreement.</param>
    public sealed record Check(string What, string? Problem, bool Absent = false)
    {
        public bool Agrees => Problem is null;
    }

    /// <summary>Every check of <paramref name="run"/>, in the order the files derive from each other.</summary>
    public static IReadOnlyList<Check> Of(RunDirectory run)
    {
        Manifest manifest;
        try
        {
            manifest = run.ReadManifest();
        }
        catch (LabException e)
        {
            return [new("manifest.json", e.Message)];
        }

        var checks = new List<Check>
        {
            new("manifest.json: the run id is the directory's", manifest.RunId == run.RunId ? null : $"it describes run {manifest.RunId}, not {run.RunId}"),
        };
        RunResults derived;
        try
        {
            derived = RunParser.Parse(run, manifest);
        }
        catch (LabException e)
        {
            checks.Add(new("raw/: every raw output can be read", e.Message));
            return checks;
        }

        var unvouched = derived.Units.Where(u => u.Problems.Any(RunParser.IsLedgerDisagreement)).Select(u => u.File).ToList();
        checks.Add(new(
            manifest.Provenance is not null && !File.Exists(Path.Combine(run.Path, Lab.Ledger.RunLedger.FileName))
                ? "raw/: imported data (manifest.json gives its provenance), no units.json to check against"
                : $"raw/: {derived.Units.Count} raw outputs against units.json",
            unvouched.Count == 0 ? null : $"{unvouched.Count} raw output(s) are not what units.json recorded, or nothing vouches for them: {string.Join(", ", unvouched.Take(8))}{(unvouched.Count > 8 ? ", …" : "")}"));

        if (!File.Exists(run.ResultsPath))
        {
            checks.Add(new("results.json", null, Absent: true));
            return checks;
        }

        checks.Add(new("results.json: what raw/ and units.json give", Problem(() => RunParser.Verify(run, run.ReadResults(), manifest))));
        if (!File.Exists(run.ReportPath))
        {
            checks.Add(new("REPORT.md", null, Absent: true));
            return checks;
        }

        var (text, charts) = ReportWriter.Render(new RunData(manifest, derived, run.ReadKernelConfigDiff()), ReferenceRun.Embedded, new ReportRenderer(null));
        checks.Add(new("REPORT.md: what VmLab renders from results", File.ReadAllText(run.ReportPath) == text ? null : "it is not the report VmLab renders from this run (edited, or rendered by another VmLab version, --templates or --reference)"));
        var onDisk = Directory.Exists(run.ChartsDir) ? Directory.GetFiles(run.ChartsDir, "*.svg").Select(f => "charts/" + Path.GetFileName(f)).ToHashSet(StringComparer.Ordinal) : [];
        var differ = charts.Where(c => !onDisk.Contains(c.File) || File.ReadAllText(Path.Combine(run.Path, c.File)) != c.Content).Select(c => c.File)
            .Concat(onDisk.Except(charts.Select(c => c.File))).Order(StringComparer.Ordinal).ToList();
        checks.Add(new($"charts/: {charts.Count} charts", differ.Count == 0 ? null : $"{differ.Count} chart(s) missing, changed or not drawn by the report: {string.Join(", ", differ.Take(8))}{(differ.Count > 8 ? ", …" : "")}"));
        return checks;
    }

    private static string? Problem(Action check)
    {
        try
        {
            check();
            return null;
        }
        catch (LabException e)
        {
            return e.Message;
        }
    }
}
