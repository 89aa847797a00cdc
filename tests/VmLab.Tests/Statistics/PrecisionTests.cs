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

    private sealed record ScipyProbe(double Intercept, double Slope, double ResidualSd, double PlainSd, double Removed, int BlocksForMarginProbe, int BlocksToStopProbe);

    private sealed record ScipyRow(string Question, string Output, int Pairs, double Ratio, double SdLog, int BlocksForMargin, int BlocksToStop, int UnpairedRepeats, ScipyProbe? Probe);

    private sealed record ScipyFile(string Run, double Margin, IReadOnlyList<ScipyRow> Rows);

    private static ScipyFile Scipy(string fixture) => JsonSerializer.Deserialize<ScipyFile>(
        Fixture.Read("precision", fixture), new JsonSerializerOptions(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower })!;

    private static PilotPlan PlanOf(string run, double margin) =>
        PilotPlan.Of(RunData.Load(new RunDirectory(Path.Combine(ResultsDir, run))), margin, [], RunLedger.Load(Path.Combine(ResultsDir, run)), new Dictionary<string, double>());

    private static List<(string Question, PilotRow Row)> Matched(PilotPlan plan, ScipyFile scipy)
    {
        var rows = plan.Questions.SelectMany(q => q.Rows.Select(r => (q.Question, Row: r))).ToList();
        Assert.Equal(scipy.Rows.Count, rows.Count);
        return scipy.Rows.Select(e => Assert.Single(rows, r => r.Question == e.Question && (r.Row.Output == e.Output || r.Row.Output.StartsWith(e.Output + " ", StringComparison.Ordinal)))).ToList();
    }

    [Theory]
    [InlineData("pilot-0703Z-quick.json")]
    [InlineData("pilot-1207-quick.json")]
    public void The_pilots_blocks_per_headline_are_scipys(string fixture)
    {
        var scipy = Scipy(fixture);
        var plan = PlanOf(scipy.Run, scipy.Margin);

        foreach (var (expected, (_, row)) in scipy.Rows.Zip(Matched(plan, scipy)))
        {
            Assert.Equal(expected.Pairs, row.Pairs);
            Assert.Equal(expected.Ratio, row.Ratio!.Value, 1e-6);
            Assert.Equal(expected.SdLog, row.SdLog!.Value, 1e-6);
            Assert.Equal(expected.BlocksForMargin, row.ForMargin);
            Assert.Equal(expected.BlocksToStop, row.ToStop);
        }
    }

    [Fact]
    public void A_pilot_of_three_probed_blocks_shows_the_covariates_fit_and_plans_nothing_with_it()
    {
        // The quick run of 2026-12-07 has the probe in every boot but 3 blocks: 1 df after the covariate. Its fits are
        // statsmodels' (fixtures/precision/pilot-1207-quick.json), and would make Q4 TCP_RR "need" 1583 blocks against
        // 56 without the probe: the plan shows the fits and counts nothing with them.
        var scipy = Scipy("pilot-1207-quick.json");
        var plan = PlanOf(scipy.Run, scipy.Margin);

        foreach (var (expected, (_, row)) in scipy.Rows.Zip(Matched(plan, scipy)))
        {
            Assert.Equal(3, row.Probe!.Blocks);
            Assert.Equal(expected.Probe!.Removed, row.Probe.Removed, 1e-6);
            Assert.Equal(expected.Probe.Intercept, row.Probe.Intercept, 1e-6);
            Assert.False(row.ProbePlans);
            Assert.Null(row.ProbeToStop);
            // What the fit would count, as statsmodels does, were it counted.
            Assert.Equal(expected.Probe.BlocksToStopProbe, BlocksNeeded.ToStop(row.Probe, scipy.Margin));
        }

        Assert.Equal(1583, scipy.Rows.Max(r => r.Probe!.BlocksToStopProbe));
        Assert.All(plan.Questions, q => Assert.Null(q.ProbeToStop));
        var text = plan.Describe(null, ShardPlan.JobOverhead);
        Assert.Contains("on fewer the fit is shown, not counted (here: fits on 3 probed blocks, 1 degree of freedom).", text, StringComparison.Ordinal);
        Assert.Contains("removes   61% of s² (s 0.121, slope 1.22) on 1 df: too few blocks to count with", text, StringComparison.Ordinal);
        Assert.DoesNotContain("with the probe", text, StringComparison.Ordinal);
        Assert.EndsWith("72 blocks (36 runner-hours on this machine)", text, StringComparison.Ordinal);
    }

    // One block of Statistics/blocks_covariate.json: a value per scenario and the L1 probe rate of each one's boot.
    private sealed record CovariateBlock(double A, double B, double ProbeA, double ProbeB)
    {
        public double D => Math.Log(B) - Math.Log(A);

        public double X => Math.Log(ProbeB) - Math.Log(ProbeA);
    }

    // The six invented probed blocks the block test's covariate check and pilot.py --blocks use.
    private static List<CovariateBlock> CovariateBlocks()
    {
        using var input = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Find(AppContext.BaseDirectory).Root, "tests", "VmLab.Tests", "Statistics", "blocks_covariate.json")));
        return input.RootElement.GetProperty("blocks").EnumerateArray().Select(b => new CovariateBlock(
            b.GetProperty("a").GetDouble(), b.GetProperty("b").GetDouble(), b.GetProperty("probe_a").GetDouble(), b.GetProperty("probe_b").GetDouble())).ToList();
    }

    [Fact]
    public void The_probe_covariates_share_and_the_blocks_with_it_are_statsmodels()
    {
        // fixtures/precision/pilot-covariate.json: pilot.py --blocks on Statistics/blocks_covariate.json (statsmodels OLS),
        // the six probed blocks the block test's covariate check uses (the one committed run with probed blocks has only 3).
        using var scipy = JsonDocument.Parse(Fixture.Read("precision", "pilot-covariate.json"));
        var expected = scipy.RootElement.GetProperty("row");
        var blocks = CovariateBlocks();
        var d = blocks.Select(b => b.D).ToList();
        var x = blocks.Select(b => b.X).ToList();
        double Scipy(string name) => expected.GetProperty(name).GetDouble();

        var fit = ProbeFit.Of(d, x).Fit!;

        Assert.Equal(Scipy("intercept"), fit.Intercept, 1e-6);
        Assert.Equal(Scipy("slope"), fit.Slope, 1e-6);
        Assert.Equal(Scipy("residual_sd"), fit.ResidualSd, 1e-6);
        Assert.Equal(Scipy("plain_sd"), fit.PlainSd, 1e-6);
        Assert.Equal(Scipy("removed"), fit.Removed, 1e-6);
        Assert.Equal(expected.GetProperty("blocks_for_margin_probe").GetInt32(), BlocksNeeded.ForMargin(fit, 0.10));
        Assert.Equal(expected.GetProperty("blocks_to_stop_probe").GetInt32(), BlocksNeeded.ToStop(fit, 0.10));
        Assert.Equal(expected.GetProperty("blocks_for_margin").GetInt32(), BlocksNeeded.ForMargin(fit.PlainSd, 0.10));
        Assert.Equal(expected.GetProperty("blocks_to_stop").GetInt32(), BlocksNeeded.ToStop(fit.PlainSd, d.Average(), 0.10));
        // The fit is the block test's: the same intercept as BlockTest with the covariate, its df = k − 2.
        var test = BlockTest.Of(blocks.Select((b, i) => new BlockValues($"{i + 1}", [b.A], [b.B]) { ProbeA = b.ProbeA, ProbeB = b.ProbeB }).ToList(),
            VmLab.Suites.MetricDirection.LowerIsBetter, probeCovariate: true);
        Assert.Equal(Math.Log(test.Ratio!.Value), fit.Intercept, 1e-9);
        Assert.Equal(blocks.Count - 2, test.Df);
        var two = ProbeFit.Of(d.Take(2).ToList(), x.Take(2).ToList());
        Assert.Null(two.Fit);
        Assert.Equal("2 blocks with both probes leave no degree of freedom after the covariate", two.Why);
    }

    [Fact]
    public void A_covariate_fit_counts_from_five_probed_blocks_and_not_from_four()
    {
        // The six probed blocks of blocks_covariate.json, the first four and the first five.
        var blocks = CovariateBlocks();
        var d = blocks.Select(b => b.D).ToList();
        var x = blocks.Select(b => b.X).ToList();
        PilotRow Row(int k) => new("hackbench process", "time_s", k, 1, BlocksNeeded.Sd(d.Take(k).ToList()), null, null) { Probe = ProbeFit.Of(d.Take(k).ToList(), x.Take(k).ToList()).Fit, Margin = 0.10 };

        var four = Row(4);
        var five = Row(5);

        Assert.Equal(4, four.Probe!.Blocks);
        Assert.False(four.ProbePlans);
        Assert.Null(four.ProbeForMargin);
        Assert.Null(four.ProbeToStop);
        Assert.True(five.ProbePlans);
        Assert.Equal(BlocksNeeded.ForMargin(five.Probe!, 0.10), five.ProbeForMargin);
        Assert.Equal(BlocksNeeded.ToStop(five.Probe!, 0.10), five.ProbeToStop);
        Assert.NotNull(five.ProbeToStop);
        Assert.Null(new PilotQuestion("Q", "a", "b", [four, five], 60).ProbeToStop);
        Assert.Equal(five.ProbeToStop, new PilotQuestion("Q", "a", "b", [five], 60).ProbeToStop);
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
        Assert.Contains("the rule stops after 563 blocks", text, StringComparison.Ordinal);
        Assert.Equal(563, plan.Questions.Single(q => q.Question == "Q2").ToStop);
        Assert.All(plan.Questions.SelectMany(q => q.Rows), r => Assert.True(r.ToStop >= r.ForMargin));
        Assert.All(plan.Questions.SelectMany(q => q.Rows), r => Assert.Equal("the pilot's boots have no calibration probe rate", r.ProbeNotUsed));
        Assert.Contains("Probe: the pilot's boots have no calibration probe rate", text, StringComparison.Ordinal);
        Assert.Contains("across 4 shards", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_rule_needs_at_least_the_interval_of_the_margin_and_an_estimate_far_from_1_costs_a_bounded_few_blocks_more()
    {
        // s = 0.3: a ±10% interval needs more blocks than the normal approximation's (1.96·s/log 1.1)² = 38 (t > z).
        var margin = BlocksNeeded.ForMargin(0.3, 0.10)!.Value;
        Assert.True(margin > Math.Pow(1.959964 * 0.3 / Math.Log(1.1), 2));
        Assert.Equal(2, BlocksNeeded.ForMargin(0, 0.10));
        Assert.True(BlocksNeeded.HalfWidth(0.3, margin, 0.05) <= Math.Log(1.1));
        Assert.True(BlocksNeeded.HalfWidth(0.3, margin - 1, 0.05) > Math.Log(1.1));

        // The rule stops on the half-width with the spread about no change: never before the interval is that narrow,
        // later the further the estimate lies from 1, up to the margin (the estimate's share is capped there): a ratio
        // of 1.5 costs what 1.1 costs, and a few blocks more than a ratio of 1.
        var atOne = BlocksNeeded.ToStop(0.3, 0, 0.10)!.Value;
        Assert.InRange(atOne, margin, margin + 3);
        Assert.True(BlocksNeeded.ToStop(0.3, Math.Log(1.05), 0.10) > atOne);
        Assert.Equal(BlocksNeeded.ToStop(0.3, Math.Log(1.1), 0.10), BlocksNeeded.ToStop(0.3, Math.Log(1.5), 0.10));
        Assert.Equal(BlocksNeeded.ToStop(0.3, Math.Log(1.1), 0.10), BlocksNeeded.ToStop(0.3, -Math.Log(5), 0.10));
        Assert.InRange(BlocksNeeded.ToStop(0.3, Math.Log(1.5), 0.10)!.Value, atOne + 1, 2 * atOne);
        Assert.True(BlocksNeeded.StopHalfWidth(0.09 / 20, 19, 0, 0.10) > BlocksNeeded.HalfWidth(0.3, 20, 0.05) * 0.9999);
    }

    [Fact]
    public void A_look_at_the_first_blocks_of_the_quick_run_uses_only_them()
    {
        var two = RunDecisions.Look(Quick, 0.10, [], blocks: 2);
        var three = RunDecisions.Look(Quick, 0.10, [], blocks: 3);

        Assert.Equal(24, two.Count);
        Assert.All(two, c => Assert.Equal(2, c.Blocks));
        Assert.All(three, c => Assert.Equal(3, c.Blocks));
        // The look is the report's analysis: decided exactly when Holm p < 0.05 or the interval lies within ±10%;
        // precise exactly when the half-width with the spread about no change is at most log 1.1.
        var headlines = RunAnalysis.Of(Quick, ReportBuilder.DefaultComparisons).SelectMany(q => q.Tables).Select(t => t.Test).OfType<MetricComparison>().ToList();
        Assert.Equal(headlines.Select(h => h.Ratio), three.Select(c => c.Ratio));
        Assert.Equal(headlines.Select(h => h.PAdjusted), three.Select(c => c.PAdjusted));
        foreach (var c in two.Concat(three))
        {
            var significant = c.PAdjusted < MetricComparison.Alpha;
            Assert.Equal(significant || ComparisonDecision.WithinMargin(c.CiLow, c.CiHigh, 0.10), c.Decided);
            Assert.StartsWith(significant ? "s" : c.Decided ? "within ±10%" : "undecided: ", c.Status, StringComparison.Ordinal);
            Assert.Equal(c.StopHalfWidth <= Math.Log(1.1), c.Precise);
            Assert.True(c.StopHalfWidth >= (Math.Log(c.CiHigh!.Value) - Math.Log(c.CiLow!.Value)) / 2);
            Assert.Contains(c.Precise == true ? "; precise: ±" : "; not yet precise: ±", c.Status, StringComparison.Ordinal);
        }

        // Q2 netperf TCP_STREAM: its 95% interval (0.785–0.935) excludes 1, its Holm p (0.102) does not: the status says why.
        Assert.Contains(three, c => c.Question == "Q2" && c.Output == "netperf TCP_STREAM" && c.Status.StartsWith("undecided: p < 0.05 alone, not after Holm's adjustment for 6 comparisons", StringComparison.Ordinal));

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
        Assert.Contains(wide, c => c.Decided && c.Status.StartsWith("within ±99%; ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_stopping_rule_on_the_looks_of_the_quick_run_goes_on_while_not_precise_and_stops_on_budget_or_precision()
    {
        var rule = PrecisionRule.Parse("10%", "Q4", "6h");
        var q4At2 = RunDecisions.Look(Quick, rule.Margin, rule.Questions, blocks: 2);
        var q4At3 = RunDecisions.Look(Quick, rule.Margin, rule.Questions, blocks: 3);

        // Blocks 1-2, then 1-3 of the real run, 38 min a block: comparisons not yet precise remain and another block fits.
        Assert.Equal(PrecisionStopOn.Precision, rule.StopOn);
        Assert.Null(PrecisionStop.Reason(rule, 2, q4At2, 2 * 2280, 2280));
        Assert.Null(PrecisionStop.Reason(rule, 3, q4At3, 3 * 2280, 2280));
        var budget = PrecisionStop.Reason(rule, 9, q4At3, 9 * 2280, 2280);
        Assert.StartsWith("budget: 9 blocks took 5 h 42 min of 6 h 00 min", budget, StringComparison.Ordinal);
        var wide = q4At3.Where(c => c.Precise != true).ToList();
        Assert.NotEmpty(wide);
        Assert.Contains($"{wide.Count} of 6 not yet precise: {string.Join(", ", wide.Select(c => "Q4 " + c.Output))}", budget, StringComparison.Ordinal);

        // Q4 ab (−81%, 95% CI −85% to −77%) and TCP_STREAM are significant after Holm, yet not a reason to stop: the rule
        // stops on width only.
        Assert.Contains(q4At3, c => c.Decided && c.Precise != true);
        Assert.Null(PrecisionStop.Reason(rule, 3, q4At3.Where(c => c.Decided).ToList(), 3 * 2280, 2280));

        // At ±99%, Q3's 3 blocks make some comparisons precise: chosen alone, they stop the run, even with budget left.
        var wideRule = PrecisionRule.Parse("99%", "Q3", "6h");
        var precise = RunDecisions.Look(Quick, wideRule.Margin, wideRule.Questions, blocks: 3).Where(c => c.Precise == true).ToList();
        Assert.NotEmpty(precise);
        Assert.Equal($"precise: the 95% intervals of all {precise.Count} chosen headline comparisons are at most ±99% wide after 3 blocks", PrecisionStop.Reason(wideRule, 3, precise, 3 * 2280, 2280));
        Assert.StartsWith("no headline comparison", PrecisionStop.Reason(rule, 3, [], 0, 2280), StringComparison.Ordinal);

        // Under the first rule (a run started before the change, read from its manifest), decided was the condition.
        var first = rule with { StopOn = PrecisionStopOn.Decided };
        var decided = q4At3.Where(c => c.Decided).ToList();
        Assert.Equal($"decided: all {decided.Count} chosen headline comparisons are decided after 3 blocks", PrecisionStop.Reason(first, 3, decided, 3 * 2280, 2280));
    }
}
