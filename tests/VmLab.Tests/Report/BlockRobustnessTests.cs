using VmLab.Common;
using VmLab.Report;
using VmLab.Results;
using VmLab.Statistics;
using VmLab.Suites;

namespace VmLab.Tests.Report;

/// <summary>
/// On the real data of results/2026-11-29T0703Z-quick and results/2026-12-07-quick-s20261209 (three blocks each, run
/// as three shards; the second on another, slower machine, with the probe in every boot): multiplying every output
/// of one whole block by 1.5 (the block ran on a faster or slower machine) leaves every headline verdict, decision
/// and p as they were, where the test that ignores blocks (Welch) moves; a block one scenario lacks is left out and named.
/// </summary>
public sealed class BlockRobustnessTests
{
    private static readonly RepoPaths Repo = RepoPaths.Find(AppContext.BaseDirectory);
    private static readonly RunData Quick = Load("2026-11-29T0703Z-quick");
    private static readonly Dictionary<string, RunData> Runs = new(StringComparer.Ordinal) { ["2026-11-29T0703Z-quick"] = Quick, ["2026-12-07-quick-s20261209"] = Load("2026-12-07-quick-s20261209") };

    private static RunData Load(string runId) => RunData.Load(new RunDirectory(Path.Combine(Repo.ResultsDir, runId)));

    private static RunData Scaled(RunData run, string block, double factor) => run with
    {
        Results = run.Results with
        {
            Units = run.Results.Units.Select(u => u.Repeat != block ? u : u with
            {
                Metrics = u.Metrics.ToDictionary(m => m.Key, m => m.Value.Number is { } n ? MetricValue.Of(n * factor) : m.Value, StringComparer.Ordinal),
            }).ToList(),
        },
    };

    private static List<(string Key, MetricComparison Test)> Headlines(RunData run) =>
        RunAnalysis.Of(run, ReportBuilder.DefaultComparisons)
            .SelectMany(q => q.Tables.Where(t => t.Test is not null).Select(t => ($"{q.Spec.Question} {t.Label}", t.Test!)))
            .ToList();

    [Theory]
    [InlineData("2026-11-29T0703Z-quick", "1")]
    [InlineData("2026-11-29T0703Z-quick", "2")]
    [InlineData("2026-11-29T0703Z-quick", "3")]
    [InlineData("2026-12-07-quick-s20261209", "1")]
    [InlineData("2026-12-07-quick-s20261209", "2")]
    [InlineData("2026-12-07-quick-s20261209", "3")]
    public void Scaling_every_output_of_one_block_by_1_5_leaves_the_verdicts_as_they_are(string runId, string block)
    {
        var run = Runs[runId];
        var before = Headlines(run);
        var after = Headlines(Scaled(run, block, 1.5));

        Assert.Equal(24, before.Count);
        Assert.Contains(before, h => h.Test.Verdict is Verdict.Faster or Verdict.Slower);
        Assert.Equal(before.Select(h => (h.Key, h.Test.Verdict, h.Test.Decided)), after.Select(h => (h.Key, h.Test.Verdict, h.Test.Decided)));
        Assert.All(before.Zip(after), x =>
        {
            Assert.Equal(x.First.Test.P!.Value, x.Second.Test.P!.Value, 9);
            Assert.Equal(x.First.Test.PAdjusted!.Value, x.Second.Test.PAdjusted!.Value, 9);
            Assert.Equal(x.First.Test.Ratio!.Value, x.Second.Test.Ratio!.Value, 9);
        });

        // The test that ignores blocks is moved by the same scaling: its p-values change.
        static double WelchP(RunData run, string scenarioA, string scenarioB) => MetricComparison.Of(
            run.Results.Units.Where(u => u.Scenario == scenarioA && u.Suite == "kernbench").Select(u => u.Metrics["elapsed_s"].Number!.Value).ToList(),
            run.Results.Units.Where(u => u.Scenario == scenarioB && u.Suite == "kernbench").Select(u => u.Metrics["elapsed_s"].Number!.Value).ToList(),
            MetricDirection.LowerIsBetter).P!.Value;
        Assert.True(Math.Abs(WelchP(run, "host", "baseline") - WelchP(Scaled(run, block, 1.5), "host", "baseline")) > 0.001);
    }

    [Fact]
    public void A_block_one_scenario_lacks_is_left_out_named_and_the_others_are_tested()
    {
        var incomplete = Quick with { Results = Quick.Results with { Units = Quick.Results.Units.Where(u => !(u.Scenario == "guest-up" && u.Repeat == "2")).ToList() } };

        var q1 = RunAnalysis.Of(incomplete, ReportBuilder.DefaultComparisons).Single(q => q.Spec.Question == "Q1");
        var (model, _) = ReportBuilder.Build(incomplete, null);

        Assert.All(q1.Tables, t => Assert.Equal(2, t.Test!.Blocks!.Value));
        Assert.All(q1.Tables, t => Assert.Equal(["2"], t.Test!.LeftOutBlocks));
        Assert.All(q1.Tables, t => Assert.Equal(1.0, t.Test!.Df!.Value));
        Assert.All(model.Questions.Single(q => q.Question == "Q1").Suites, t =>
            Assert.Contains("block 2 left out: incomplete (a side has no value there)", t.Rows.Single(r => r.Headline).Reason, StringComparison.Ordinal));
        Assert.All(RunAnalysis.Of(incomplete, ReportBuilder.DefaultComparisons).Single(q => q.Spec.Question == "Q4").Tables, t => Assert.Equal(3, t.Test!.Blocks!.Value));
    }
}
