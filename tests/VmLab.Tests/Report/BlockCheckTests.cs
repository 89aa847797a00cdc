using System.Globalization;
using System.Text.Json;
using VmLab.Common;
using VmLab.Report;
using VmLab.Results;
using VmLab.Statistics;
using VmLab.Suites;

namespace VmLab.Tests.Report;

/// <summary>
/// VmLab's block test on the committed runs against an independent implementation: blocks_check.py (beside
/// StatisticsTests) computes every headline comparison of every lab run under results/ with scipy's paired t-test and
/// statsmodels' OLS with block as a factor, and its output is recorded in blocks_check.txt. Each recorded line must
/// match VmLab's ratio, interval, t, df and p, and every comparison VmLab tests on two or more blocks must be there.
/// </summary>
public sealed class BlockCheckTests
{
    private static readonly RepoPaths Repo = RepoPaths.Find(AppContext.BaseDirectory);
    private static readonly string Folder = Path.Combine(Repo.Root, "tests", "VmLab.Tests", "Statistics");

    private static List<Dictionary<string, string>> Recorded(string kind) =>
        File.ReadLines(Path.Combine(Folder, "blocks_check.txt"))
            .Where(l => l.StartsWith(kind + "=", StringComparison.Ordinal))
            .Select(l => l.Split(' ').Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal))
            .ToList();

    private static double Number(Dictionary<string, string> line, string key) => double.Parse(line[key], CultureInfo.InvariantCulture);

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-7 * Math.Max(1, Math.Abs(expected)), $"{what}: recorded {expected}, VmLab {actual}");

    [Fact]
    public void Every_headline_comparison_of_the_committed_lab_runs_matches_scipy_and_statsmodels()
    {
        var lines = Recorded("run");
        Assert.True(lines.Count > 100, $"blocks_check.txt holds {lines.Count} comparisons");
        var checkedRuns = 0;
        foreach (var run in lines.GroupBy(l => l["run"]))
        {
            var data = RunData.Load(new RunDirectory(Path.Combine(Repo.ResultsDir, run.Key)));
            var specs = data.Manifest.Comparisons.Count > 0 ? data.Manifest.Comparisons : ReportBuilder.DefaultComparisons;
            var tested = RunAnalysis.Of(data, specs)
                .SelectMany(q => q.Tables.Where(t => t.Test is { Blocks: >= 2, P: not null }).Select(t => (q.Spec.Question, Output: t.Label.Replace(' ', '_'), Test: t.Test!)))
                .ToList();
            Assert.Equal(tested.Select(x => $"{x.Question} {x.Output}").Order(StringComparer.Ordinal), run.Select(l => $"{l["q"]} {l["output"]}").Order(StringComparer.Ordinal));
            foreach (var line in run)
            {
                var c = tested.Single(x => x.Question == line["q"] && x.Output == line["output"]).Test;
                var what = $"{run.Key} {line["q"]} {line["output"]}";
                Assert.Equal((TestDesign.Blocks, int.Parse(line["k"], CultureInfo.InvariantCulture)), (c.Design, c.Blocks!.Value));
                Close(Number(line, "ratio"), c.Ratio!.Value, what + " ratio");
                Close(Number(line, "lo"), c.RatioCiLow!.Value, what + " CI low");
                Close(Number(line, "hi"), c.RatioCiHigh!.Value, what + " CI high");
                Close(Number(line, "t"), c.T!.Value, what + " t");
                Close(Number(line, "df"), c.Df!.Value, what + " df");
                Close(Number(line, "p"), c.P!.Value, what + " p");
                Close(Number(line, "ols_p"), c.P!.Value, what + " p (statsmodels OLS)");
                Close(Number(line, "ols_se"), c.SeLog!.Value, what + " se (statsmodels OLS)");
            }

            checkedRuns++;
        }

        Assert.Contains(lines, l => l["run"] == "2026-11-29T0703Z-quick" && l["k"] == "3");
        Assert.True(checkedRuns >= 8, $"{checkedRuns} runs checked");
    }

    [Fact]
    public void The_probe_covariate_matches_statsmodels_OLS_with_block_as_a_factor_and_log_probe()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "blocks_covariate.json")));
        var blocks = json.RootElement.GetProperty("blocks").EnumerateArray().Select(b => new BlockValues(
            b.GetProperty("block").GetString()!, [b.GetProperty("a").GetDouble()], [b.GetProperty("b").GetDouble()])
        {
            ProbeA = b.GetProperty("probe_a").GetDouble(),
            ProbeB = b.GetProperty("probe_b").GetDouble(),
        }).ToList();
        var line = Recorded("covariate").Single();

        var c = BlockTest.Of(blocks, MetricDirection.LowerIsBetter, probeCovariate: true);

        Assert.Equal(TestDesign.BlocksWithProbe, c.Design);
        Close(Number(line, "ratio"), c.Ratio!.Value, "ratio");
        Close(Number(line, "lo"), c.RatioCiLow!.Value, "CI low");
        Close(Number(line, "hi"), c.RatioCiHigh!.Value, "CI high");
        Close(Number(line, "t"), c.T!.Value, "t");
        Close(Number(line, "df"), c.Df!.Value, "df");
        Close(Number(line, "p"), c.P!.Value, "p");
        Close(Number(line, "slope"), c.ProbeSlope!.Value, "slope");
    }
}
