using CliWrap.Buffered;
using VmLab.Common;
using VmLab.Report;

namespace VmLab.Tests.Report;

/// <summary>
/// "Everything after raw/ can be regenerated offline, byte for byte", wherever the run directory is: every committed
/// run (each results/&lt;run-id&gt;/ with a REPORT.md and a results.json, found when the tests are discovered, so runs
/// committed later are covered too) is copied out of the repository and rendered by the real <c>vmlab</c>.
/// </summary>
public sealed class CommittedRunTests : IDisposable
{
    private static readonly string ResultsDir = RepoPaths.Find(AppContext.BaseDirectory).ResultsDir;

    private readonly string temp = Path.Combine(Path.GetTempPath(), "vmlab-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(temp))
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>The run ids of results/ that have a report to reproduce.</summary>
    public static TheoryData<string> CommittedRuns() =>
    [
        .. Directory.GetDirectories(ResultsDir)
            .Where(d => File.Exists(Path.Combine(d, "REPORT.md")) && File.Exists(Path.Combine(d, "results.json")))
            .Select(d => Path.GetFileName(d))
            .Order(StringComparer.Ordinal),
    ];

    [Fact]
    public void The_committed_runs_include_the_2023_reference_and_a_lab_run()
    {
        var runs = CommittedRuns().Select(row => row.Data).ToList();

        Assert.Contains(ReferenceRun.RunId, runs);
        Assert.Contains(runs, id => id != ReferenceRun.RunId);
    }

    [Fact]
    public void The_reference_built_into_VmLab_is_results_reference_2023_byte_for_byte()
    {
        foreach (var file in new[] { "manifest.json", "results.json" })
        {
            Assert.Equal(File.ReadAllText(Path.Combine(ResultsDir, ReferenceRun.RunId, file)), ReferenceRun.Resource(file));
        }

        Assert.Equal(ReferenceRun.RunId, ReferenceRun.Embedded.Manifest.RunId);
    }

    [Theory]
    [MemberData(nameof(CommittedRuns))]
    public async Task A_copy_outside_the_repository_renders_the_committed_report_and_charts_byte_for_byte(string runId)
    {
        var committed = Path.Combine(ResultsDir, runId);
        var copy = CopyOutside(committed, runId, _ => true);

        var report = await Vmlab("report", copy);

        Assert.True(report.ExitCode == 0, $"vmlab report {copy} exited {report.ExitCode}: {report.StandardError}");
        AssertSameBytes(committed, copy, "REPORT.md");
        AssertSameCharts(committed, copy);
    }

    [Theory]
    [MemberData(nameof(CommittedRuns))]
    public async Task A_copy_outside_the_repository_without_results_json_report_and_charts_regenerates_all_three_from_raw(string runId)
    {
        var committed = Path.Combine(ResultsDir, runId);
        var copy = CopyOutside(committed, runId, relative =>
            relative is not ("results.json" or "REPORT.md") && !relative.StartsWith("charts" + Path.DirectorySeparatorChar, StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(copy, "REPORT.md")));

        var report = await Vmlab("report", copy, "--reparse");

        Assert.True(report.ExitCode == 0, $"vmlab report {copy} --reparse exited {report.ExitCode}: {report.StandardError}");
        AssertSameBytes(committed, copy, "results.json");
        AssertSameBytes(committed, copy, "REPORT.md");
        AssertSameCharts(committed, copy);
    }

    [Theory]
    [MemberData(nameof(CommittedRuns))]
    public void Every_interval_an_undecided_answer_leaves_open_contains_no_change(string runId)
    {
        // "undecided … between X and Y": no sentence of Answers may call a comparison undecided beside an interval that
        // excludes no change (a 95% CI significant alone but not after Holm's adjustment is given at the family's level).
        var report = File.ReadAllText(Path.Combine(ResultsDir, runId, "REPORT.md"));
        var start = report.IndexOf("## Answers", StringComparison.Ordinal);
        var answers = start < 0 ? "" : report[start..report.IndexOf("\n## ", start + 1, StringComparison.Ordinal)];
        var intervals = System.Text.RegularExpressions.Regex.Matches(answers, @"between ([+-][0-9.]+)% and ([+-][0-9.]+)%");

        Assert.All(intervals, m => Assert.True(
            double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) <= 0 && double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) >= 0,
            $"{runId}: {m.Value} leaves no change out"));
        if (runId == "2026-11-29T0703Z-quick")
        {
            Assert.Contains("netperf TCP_STREAM (between -31% and +7.0% at the family's level", answers, StringComparison.Ordinal);
            Assert.DoesNotContain("between -21% and -6.5%", answers, StringComparison.Ordinal);
        }
    }

    // A copy in the temporary directory, outside any checkout: no results/reference-2023 beside it to find.
    private string CopyOutside(string source, string runId, Func<string, bool> include)
    {
        var target = Path.Combine(temp, runId);
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (include(relative))
            {
                var to = Path.Combine(target, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(file, to);
            }
        }

        Assert.Throws<LabException>(() => RepoPaths.Find(target));
        return target;
    }

    private static void AssertSameBytes(string committed, string copy, string file)
    {
        // Text first, for a readable difference; then bytes, for what the text comparison could hide (e.g. a BOM).
        Assert.Equal(File.ReadAllText(Path.Combine(committed, file)), File.ReadAllText(Path.Combine(copy, file)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(committed, file)), File.ReadAllBytes(Path.Combine(copy, file)));
    }

    private static void AssertSameCharts(string committed, string copy)
    {
        static List<string> Charts(string run) =>
            Directory.Exists(Path.Combine(run, "charts"))
                ? [.. Directory.GetFiles(Path.Combine(run, "charts")).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)]
                : [];

        Assert.Equal(Charts(committed), Charts(copy));
        Assert.All(Charts(committed), chart => AssertSameBytes(committed, copy, Path.Combine("charts", chart)));
    }

    private static Task<BufferedCommandResult> Vmlab(params string[] args) => VmlabCli.RunAsync(args);
}
