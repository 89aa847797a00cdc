using VmLab.Common;
using VmLab.Report;
using VmLab.Results;

namespace VmLab.Tests.Results;

/// <summary>
/// parse-run and report hold raw/ to units.json (issue 16, item 3): on a copy of the committed smoke run, an edited
/// raw file, a raw file replaced by a directory or a symlink, an emptied raw/ and a results.json from another run.
/// </summary>
public sealed class RawIntegrityTests : IDisposable
{
    internal const string SmokeRunId = "2026-11-29T0447Z-smoke";

    private readonly string _root = Directory.CreateTempSubdirectory("vmlab-integrity-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>A copy of a committed run (same directory name, so its run id) outside the repository.</summary>
    internal static RunDirectory CopyOf(string root, string runId = SmokeRunId)
    {
        var source = Path.Combine(RepoPaths.Find(AppContext.BaseDirectory).ResultsDir, runId);
        var target = Path.Combine(root, runId);
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }

        return new RunDirectory(target);
    }

    [Fact]
    public void The_committed_smoke_run_has_no_sha256_problem()
    {
        var run = CopyOf(_root);

        var results = RunParser.Parse(run, run.ReadManifest());

        Assert.DoesNotContain(results.Units, u => u.Problems.Any(p => p.StartsWith("lab: sha256", StringComparison.Ordinal)));
    }

    [Fact]
    public void An_edited_raw_file_is_a_sha256_problem_and_its_verdicts_become_inconclusive()
    {
        var run = CopyOf(_root);
        var file = Path.Combine(run.RawDir, "baseline", "hackbench", "1.txt");
        File.WriteAllText(file, File.ReadAllText(file).Replace("Time: ", "Time: 1", StringComparison.Ordinal));

        var results = RunParser.Parse(run, run.ReadManifest());
        run.WriteResults(results);

        var unit = results.Units.Single(u => u.File == "raw/baseline/hackbench/1.txt");
        Assert.Contains(unit.Problems, p => p.StartsWith("lab: sha256 of raw/baseline/hackbench/1.txt", StringComparison.Ordinal));
        Assert.False(unit.Valid);
        var (model, _) = ReportBuilder.Build(RunData.Load(run), null);
        var rows = model.Questions.SelectMany(q => q.Suites).Where(t => t.Suite == "hackbench").SelectMany(t => t.Rows)
            .Where(r => r.Reason?.Contains("baseline/hackbench/1", StringComparison.Ordinal) == true).ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal(VmLab.Statistics.Verdict.Inconclusive, r.Verdict));
        Assert.Contains(rows, r => r.Reason!.Contains("lab: sha256", StringComparison.Ordinal));
    }

    [Fact]
    public void A_raw_file_replaced_by_a_directory_is_refused()
    {
        var run = CopyOf(_root);
        var file = Path.Combine(run.RawDir, "baseline", "hackbench", "1.txt");
        File.Delete(file);
        Directory.CreateDirectory(file);

        var error = Assert.Throws<LabException>(() => RunParser.Parse(run, run.ReadManifest()));

        Assert.Contains("raw/baseline/hackbench/1.txt", error.Message);
    }

    [Fact]
    public void A_symlink_in_raw_is_refused_and_not_read()
    {
        var run = CopyOf(_root);
        var file = Path.Combine(run.RawDir, "baseline", "hackbench", "1.txt");
        File.Delete(file);
        File.CreateSymbolicLink(file, "/etc/passwd");

        var error = Assert.Throws<LabException>(() => RunParser.Parse(run, run.ReadManifest()));

        Assert.Contains("symlink", error.Message);
        Assert.Contains("raw/baseline/hackbench/1.txt", error.Message);
    }

    [Fact]
    public void A_symlinked_scenario_directory_is_refused()
    {
        var run = CopyOf(_root);
        var elsewhere = Path.Combine(_root, "elsewhere");
        Directory.Move(Path.Combine(run.RawDir, "host"), elsewhere);
        Directory.CreateSymbolicLink(Path.Combine(run.RawDir, "host"), elsewhere);

        var error = Assert.Throws<LabException>(() => RunParser.Parse(run, run.ReadManifest()));

        Assert.Contains("symlink", error.Message);
    }

    [Fact]
    public void A_raw_file_the_ledger_records_as_done_that_is_missing_is_refused()
    {
        var run = CopyOf(_root);
        foreach (var scenario in Directory.GetDirectories(run.RawDir))
        {
            Directory.Delete(scenario, recursive: true);
        }

        var error = Assert.Throws<LabException>(() => RunParser.Parse(run, run.ReadManifest()));

        Assert.Contains("units.json", error.Message);
        Assert.Contains("raw/baseline/hackbench/1.txt", error.Message);
    }

    [Fact]
    public void Report_refuses_a_results_json_of_another_run()
    {
        var run = CopyOf(_root);
        File.Copy(Path.Combine(RepoPaths.Find(AppContext.BaseDirectory).ResultsDir, "reference-2023", "results.json"), run.ResultsPath, overwrite: true);
        var before = File.ReadAllText(run.ReportPath);

        var error = Assert.Throws<LabException>(() => ReportWriter.Write(run, null, new ReportRenderer()));

        Assert.Contains("reference-2023", error.Message);
        Assert.Equal(before, File.ReadAllText(run.ReportPath));
    }

    [Fact]
    public void Report_refuses_a_manifest_of_another_run_id_so_the_header_and_the_directory_agree()
    {
        // The run id came from the directory name in one place and from the manifest in another (issue 16, item 8).
        var run = RawIntegrityTests.CopyOf(_root);
        File.WriteAllText(run.ManifestPath, File.ReadAllText(run.ManifestPath).Replace($"\"{SmokeRunId}\"", "\"2026-01-01T0000Z-smoke\"", StringComparison.Ordinal));

        var error = Assert.Throws<LabException>(() => ReportWriter.Write(run, null, new ReportRenderer()));

        Assert.Contains("2026-01-01T0000Z-smoke", error.Message);
    }

    [Fact]
    public void Report_refuses_a_results_json_whose_raw_files_differ_from_raw()
    {
        var run = CopyOf(_root);
        var file = Path.Combine(run.RawDir, "baseline", "hackbench", "1.txt");
        File.AppendAllText(file, "\n");

        var error = Assert.Throws<LabException>(() => ReportWriter.Write(run, null, new ReportRenderer()));

        Assert.Contains("raw/baseline/hackbench/1.txt", error.Message);
        Assert.Contains("parse-run", error.Next);
    }

    [Fact]
    public void Parse_run_refuses_to_replace_results_json_with_fewer_outputs_unless_forced()
    {
        var run = CopyOf(_root);
        var good = File.ReadAllText(run.ResultsPath);
        var fewer = RunParser.Parse(run, run.ReadManifest());
        fewer = fewer with { Units = fewer.Units.Skip(1).ToList() };

        var error = Assert.Throws<LabException>(() => RunParser.Save(run, fewer, force: false));

        Assert.Contains("--force", error.Next);
        Assert.Equal(good, File.ReadAllText(run.ResultsPath));
        RunParser.Save(run, fewer, force: true);
        Assert.NotEqual(good, File.ReadAllText(run.ResultsPath));
    }
}
