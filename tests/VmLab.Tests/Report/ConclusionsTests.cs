using VmLab.Report;
using VmLab.Results;
using VmLab.Statistics;
using VmLab.Suites;

namespace VmLab.Tests.Report;

/// <summary>
/// The per-question answers and their test against 2023, from samples whose verdicts are known: a time that grows
/// 50% with a 2% spread is significant at n = 3; a 1% change with a 1% spread is not, and its whole interval lies
/// within ±10%; a 1% change with a 30% spread leaves an interval far wider than that.
/// </summary>
public sealed class ConclusionsTests
{
    private static readonly ComparisonSpec Q1 = new("Q1", "SMP vs UP", "baseline", "guest-up", "L2 vCPUs 2 → 1");
    private static readonly MetricDefinition Time = new("time_s", "s", MetricDirection.LowerIsBetter, MetricRole.Headline, "run", "wall time");

    // A run whose hackbench has 2023's Q1 size and whose kernbench compiles five files (not 2023's whole kernel build).
    private static readonly Manifest Run = new()
    {
        RunId = "r",
        Profile = "quick",
        Analysis = new AnalysisPlan(0.10, ProbeCovariate: false),
        Suites =
        [
            new SuiteInfo("hackbench", "hackbench -g 50 -l 50 -P", "L2"),
            new SuiteInfo("kernbench", "sh -c \"gcc -O2 -o a x.c && gcc -O2 -o b y.c\"", "L2"),
        ],
    };

    private static QuestionAnalysis Question(params TableAnalysis[] tables) => new(Q1, tables);

    private static TableAnalysis Table(string suite, double[] a, double[] b, string? untrusted = null, double? margin = 0.10)
    {
        var comparison = MetricComparison.Of(a, b, Time.Direction, untrusted) with { Margin = margin };
        comparison = comparison.Tested ? Holm.Apply([comparison])[0] : comparison;
        return new TableAnalysis(suite, "", Time.Id, [new MetricAnalysis(Time.Id, Time, true, comparison)], [], null);
    }

    private static TableAnalysis Slower => Table("hackbench", [10.0, 10.2, 9.9], [15.1, 14.8, 15.3]);
    private static TableAnalysis Same => Table("hackbench", [100, 101, 99], [100.5, 99.8, 101.2]);
    private static TableAnalysis Wide => Table("hackbench", [100, 130, 75], [95, 140, 70]);
    private static TableAnalysis Reference(string suite, double ratio) => Table(suite, [10.0], [10.0 * ratio]);

    private static ConclusionSection Section(QuestionAnalysis here, QuestionAnalysis? reference, Manifest? manifest = null) =>
        Conclusions.Of(manifest ?? Run, [here], reference is null ? null : [reference], isReference: false, caveat: null)[0];

    private static ConclusionRow Row(QuestionAnalysis here, QuestionAnalysis? reference) => Section(here, reference).Rows[0];

    [Fact]
    public void A_2023_ratio_inside_the_interval_is_consistent_and_one_outside_differs_with_its_direction_and_p()
    {
        var slower = Question(Slower);
        var c = slower.Tables[0].Test!;

        Assert.Equal("`guest-up` worse", Row(slower, null).Answer);
        Assert.StartsWith("consistent with 2023: +50% lies within this run's CI (p=", Row(slower, Question(Reference("hackbench", 1.50))).Versus2023, StringComparison.Ordinal);
        Assert.Equal($"differs from 2023: this run's B/A is higher than 2023's +14% (p={Numbers.P(c.PAgainst(1.14)!.Value)})", Row(slower, Question(Reference("hackbench", 1.14))).Versus2023);
        Assert.StartsWith("differs from 2023: this run's B/A is lower than 2023's +109%", Row(slower, Question(Reference("hackbench", 2.09))).Versus2023, StringComparison.Ordinal);
        Assert.True(c.PAgainst(1.14) < 0.05 && c.PAgainst(1.50) >= 0.05);
    }

    [Fact]
    public void No_significant_change_is_no_meaningful_difference_only_when_the_whole_interval_lies_within_the_declared_margin()
    {
        var same = Question(Same);
        var c = same.Tables[0].Test!;

        Assert.True(c.RatioCiLow > 1 / 1.1 && c.RatioCiHigh < 1.1);
        Assert.Equal("no meaningful difference: the CI lies within ±10%", Row(same, null).Answer);
        Assert.StartsWith("There is no meaningful difference in hackbench (CI within ±10%)", Section(same, null).Answer, StringComparison.Ordinal);

        var wide = Question(Wide);
        var w = wide.Tables[0].Test!;
        Assert.Equal($"undecided: between {Numbers.Change(w.RatioCiLow!.Value)} and {Numbers.Change(w.RatioCiHigh!.Value)}", Row(wide, null).Answer);
        Assert.StartsWith("Undecided in hackbench (between ", Section(wide, null).Answer, StringComparison.Ordinal);
        Assert.StartsWith("Of 1 suite output: 1 undecided (no significant change, and a 95% CI that reaches beyond ±10%)", Section(wide, null).Strength, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_that_declared_no_margin_never_calls_a_comparison_equivalent()
    {
        var same = Question(Table("hackbench", [100, 101, 99], [100.5, 99.8, 101.2], margin: null));
        var section = Section(same, null, Run with { Analysis = null });

        Assert.StartsWith("undecided: between ", section.Rows[0].Answer, StringComparison.Ordinal);
        Assert.EndsWith("(no equivalence margin was declared)", section.Rows[0].Answer, StringComparison.Ordinal);
        Assert.Contains("declared no equivalence margin before it started", section.Strength, StringComparison.Ordinal);
        Assert.False(same.Tables[0].Test!.Equivalent);
    }

    [Fact]
    public void Invalid_2023_data_another_workload_size_or_an_unrecorded_size_are_not_comparable_and_not_counted()
    {
        var untrusted2023 = Reference("hackbench", 1.5) with { Untrusted = [new UnitResult("q1", "hackbench", "1", "raw/q1/hackbench/1.txt", "00", null, new Dictionary<string, MetricValue>(), ["stall"], [])] };
        Assert.Equal("not comparable: 2023's figure rests on data VmLab finds invalid or reused", Row(Question(Slower), Question(untrusted2023)).Versus2023);

        var kernbench = Question(Table("kernbench", [10.0, 10.2, 9.9], [15.1, 14.8, 15.3]));
        var section = Section(kernbench, Question(Reference("kernbench", 1.92)));
        Assert.Equal("not comparable: another workload size (2023: a whole kernel build; here: 2 files compiled)", section.Rows[0].Versus2023);
        Assert.Equal("Tested against the 2023 study's ratios: consistent with 2023 0, differs from 2023 0; not counted: not comparable 1.", section.Study);

        Assert.Equal("not comparable: this run does not record its workload's size (2023: 50 groups × 50 loops)",
            Section(Question(Slower), Question(Reference("hackbench", 1.5)), Run with { Suites = [] }).Rows[0].Versus2023);
    }

    [Fact]
    public void An_inconclusive_comparison_is_open_and_not_tested_against_2023()
    {
        var open = Table("hackbench", [10.0, 10.2, 9.9], [15.1, 14.8, 15.3], untrusted: "`raw/guest-up/hackbench/2.txt`: console: stall");
        var conclusion = Conclusions.Of(Run, [Question(open, Table("ab", [10.0, 10.2, 9.9], [15.1, 14.8, 15.3]))], [Question(Reference("hackbench", 1.3))], isReference: false, caveat: "This is a smoke run.")[0];

        Assert.Equal("open: `raw/guest-up/hackbench/2.txt`: console: stall", conclusion.Rows[0].Answer);
        Assert.Equal("not tested: this run's comparison is inconclusive", conclusion.Rows[0].Versus2023);
        Assert.Equal("no 2023 figure", conclusion.Rows[1].Versus2023);
        Assert.Equal("Tested against the 2023 study's ratios: consistent with 2023 0, differs from 2023 0; not counted: not tested 1, no 2023 figure 1.", conclusion.Study);
        Assert.StartsWith("`guest-up` is worse than `baseline` in ab (+50%); 1 of 2 suite outputs cannot be answered", conclusion.Answer, StringComparison.Ordinal);
        Assert.EndsWith("1 inconclusive. This is a smoke run.", conclusion.Strength, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_reference_the_answer_says_so_and_the_reference_itself_is_not_compared_with_itself()
    {
        Assert.Equal("The 2023 reference run was not available: nothing to place this answer beside.",
            Conclusions.Of(Run, [Question(Slower)], null, isReference: false, caveat: null)[0].Study);
        var self = Conclusions.Of(Run, [Question(Slower)], null, isReference: true, caveat: null)[0];
        Assert.Null(self.Study);
        Assert.Equal("", self.Rows[0].Versus2023);
    }
}
