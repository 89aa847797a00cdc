using System.Text.Json;
using VmLab.Common;
using VmLab.Lab.Ledger;
using VmLab.Lab.Plan;
using VmLab.Report;
using VmLab.Results;
using VmLab.Statistics;

namespace VmLab.Tests.Statistics;

/// <summary>
/// Precision as the stopping rule (issue 23, item 4) on the committed quick run (3 blocks): the blocks a precision run
/// needs, checked against an independent scipy computation (fixtures/precision/pilot.py), and the decision after a
/// look at its first k blocks.
/// </summary>
public sealed class PrecisionTests
{
    private const string Pilot = "2026-11-29T0703Z-quick";

    private static readonly string ResultsDir = RepoPaths.Find(AppContext.BaseDirectory).ResultsDir;

    private static RunData Quick => RunData.Load(new RunDirectory(Path.Combine(ResultsDir, Pilot)));

    private sealed record ScipyRow(string Question, string Output, int Pairs, double Ratio, double SdLog, int BlocksForMargin, int UnpairedRepeats);

    private sealed record ScipyFile(string Run, double Margin, IReadOnlyList<ScipyRow> Rows);

    private static ScipyFile Scipy => JsonSerializer.Deserialize<ScipyFile>(
        Fixture.Read("precision", "pilot-0703Z-quick.json"), new JsonSerializerOptions(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower })!;

    [Fact]
    public void The_pilots_blocks_per_headline_are_scipys()
    {
        var scipy = Scipy;
        var plan = PilotPlan.Of(Quick, scipy.Margin, [], RunLedger.Load(Path.Combine(ResultsDir, Pilot)), new Dictionary<string, double>());

        var rows = plan.Questions.SelectMany(q => q.Rows.Select(r => (q.Question, Row: r))).ToList();
        Assert.Equal(scipy.Rows.Count, rows.Count);
        foreach (var expected in scipy.Rows)
        {
            var (_, row) = Assert.Single(rows, r => r.Question == expected.Question && (r.Row.Output == expected.Output || r.Row.Output.StartsWith(expected.Output + " ", StringComparison.Ordinal)));
            Assert.Equal(expected.Pairs, row.Pairs);
            Assert.Equal(expected.Ratio, row.Ratio!.Value, 1e-6);
            Assert.Equal(expected.SdLog, row.SdLog!.Value, 1e-6);
            Assert.Equal(expected.BlocksForMargin, row.ForMargin);
        }
    }

    [Fact]
    public void The_pilot_needs_what_the_issue_said_in_order_of_magnitude_and_prices_it_from_its_own_boots()
    {
        var plan = PilotPlan.Of(Quick, 0.10, [], RunLedger.Load(Path.Combine(ResultsDir, Pilot)), new Dictionary<string, double>());

        // The issue (an unpaired 80%-power count): hackbench 154-642, ab 5-25 repeats. Paired by block, for a ±10% interval:
        var hackbench = plan.Questions.Select(q => q.Rows.Single(r => r.Output.StartsWith("hackbench", StringComparison.Ordinal)).ForMargin!.Value).ToList();
        var ab = plan.Questions.Select(q => q.Rows.Single(r => r.Output == "ab").ForMargin!.Value).ToList();
        Assert.Equal((38, 563), (hackbench.Min(), hackbench.Max()));
        Assert.Equal((5, 16), (ab.Min(), ab.Max()));
        Assert.Equal(3, plan.Blocks);
        Assert.StartsWith("the pilot's measured boots", plan.TimeSource, StringComparison.Ordinal);
        Assert.InRange(plan.BlockSeconds, 30 * 60, 45 * 60); // 15 boots in 1 h 56 min: about 38 min a block of 5 boots

        var text = plan.Describe(4, ShardPlan.JobOverhead);
        Assert.Contains("Q2 needs 563 blocks for ±10%", text, StringComparison.Ordinal);
        Assert.Contains("across 4 shards", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Deciding_needs_at_least_the_interval_of_the_margin_unless_the_estimate_is_far_from_it()
    {
        // s = 0.3: a ±10% interval needs more blocks than the normal approximation's (1.96·s/log 1.1)² = 38 (t > z); an
        // estimate of ×1.5 is significant much sooner; one at the margin's edge (×1.1) takes longer than the interval
        // alone; whatever the ratio, more again.
        var margin = BlocksNeeded.ForMargin(0.3, 0.10)!.Value;
        Assert.True(margin > Math.Pow(1.959964 * 0.3 / Math.Log(1.1), 2));
        Assert.True(BlocksNeeded.ToDecide(0.3, Math.Log(1.5), 0.10, 6) < 20);
        Assert.True(BlocksNeeded.ToDecide(0.3, Math.Log(1.1), 0.10, 6) > margin);
        Assert.True(BlocksNeeded.AnyRatio(0.3, 0.10, 6) > BlocksNeeded.ToDecide(0.3, Math.Log(1.1), 0.10, 6));
        Assert.Equal(2, BlocksNeeded.ForMargin(0, 0.10));
        Assert.True(BlocksNeeded.HalfWidth(0.3, margin, 0.05) <= Math.Log(1.1));
        Assert.True(BlocksNeeded.HalfWidth(0.3, margin - 1, 0.05) > Math.Log(1.1));
    }

    [Fact]
    public void A_look_at_the_first_blocks_of_the_quick_run_uses_only_them()
    {
        var two = RunDecisions.Look(Quick, 0.10, [], blocks: 2);
        var three = RunDecisions.Look(Quick, 0.10, [], blocks: 3);

        Assert.Equal(24, two.Count);
        Assert.All(two, c => Assert.Equal(2, c.Blocks));
        Assert.All(three, c => Assert.Equal(3, c.Blocks));
        // The look is the report's analysis: decided exactly when Holm p < 0.05 or the interval lies within ±10%.
        var headlines = RunAnalysis.Of(Quick, ReportBuilder.DefaultComparisons).SelectMany(q => q.Tables).Select(t => t.Test).OfType<MetricComparison>().ToList();
        Assert.Equal(headlines.Select(h => h.Ratio), three.Select(c => c.Ratio));
        Assert.Equal(headlines.Select(h => h.PAdjusted), three.Select(c => c.PAdjusted));
        foreach (var c in two.Concat(three))
        {
            var significant = c.PAdjusted < MetricComparison.Alpha;
            Assert.Equal(significant || ComparisonDecision.WithinMargin(c.CiLow, c.CiHigh, 0.10), c.Decided);
            Assert.StartsWith(significant ? "s" : c.Decided ? "within ±10%" : "undecided: the interval", c.Status, StringComparison.Ordinal);
        }

        Assert.Contains(three, c => c.Decided);
        Assert.NotEqual(two.Select(c => c.CiLow), three.Select(c => c.CiLow)); // the third block moves every interval
        Assert.Equal(6, RunDecisions.Look(Quick, 0.10, ["Q2"], blocks: 3).Count);
    }

    [Fact]
    public void An_interval_within_the_margin_is_decided_and_one_reaching_past_it_is_not()
    {
        Assert.True(ComparisonDecision.WithinMargin(0.92, 1.09, 0.10));
        Assert.False(ComparisonDecision.WithinMargin(0.90, 1.05, 0.10)); // 0.90 < 1/1.1
        Assert.False(ComparisonDecision.WithinMargin(null, null, 0.10));

        // A margin as wide as 99% holds every non-significant interval of 0703Z's Q3 but one.
        var wide = RunDecisions.Look(Quick, 0.99, ["Q3"], blocks: 3);
        Assert.Contains(wide, c => c.Decided && c.Status == "within ±99%");
    }

    [Fact]
    public void The_stopping_rule_on_the_looks_of_the_quick_run_goes_on_while_undecided_and_stops_on_budget_or_decision()
    {
        var rule = PrecisionRule.Parse("10%", "Q4", "6h");
        var q4At2 = RunDecisions.Look(Quick, rule.Margin, rule.Questions, blocks: 2);
        var q4At3 = RunDecisions.Look(Quick, rule.Margin, rule.Questions, blocks: 3);

        // Blocks 1-2, then 1-3 of the real run, 38 min a block: undecided comparisons remain and another block fits.
        Assert.Null(PrecisionStop.Reason(rule, 2, q4At2, 2 * 2280, 2280));
        Assert.Null(PrecisionStop.Reason(rule, 3, q4At3, 3 * 2280, 2280));
        var budget = PrecisionStop.Reason(rule, 9, q4At3, 9 * 2280, 2280);
        Assert.StartsWith("budget: 9 blocks took 5 h 42 min of 6 h 00 min", budget, StringComparison.Ordinal);
        var undecided = q4At3.Where(c => !c.Decided).ToList();
        Assert.NotEmpty(undecided);
        Assert.Contains($"{undecided.Count} of 6 still undecided: {string.Join(", ", undecided.Select(c => "Q4 " + c.Output))}", budget, StringComparison.Ordinal);

        // The same looks with only the decided comparisons chosen: the run stops on decision, even with budget left.
        var decided = q4At3.Where(c => c.Decided).ToList();
        Assert.NotEmpty(decided);
        Assert.Equal($"decided: all {decided.Count} chosen headline comparisons are decided after 3 blocks", PrecisionStop.Reason(rule, 3, decided, 3 * 2280, 2280));
        Assert.StartsWith("no headline comparison", PrecisionStop.Reason(rule, 3, [], 0, 2280), StringComparison.Ordinal);
    }
}
