using VmLab.Report;
using VmLab.Results;
using VmLab.Statistics;
using VmLab.Suites;

namespace VmLab.Tests.Report;

/// <summary>
/// The per-question answers and their placing beside 2023, from samples whose verdicts are known: a time that grows
/// 50% with a 2% spread is significant at n = 3; a 1% change with a 1% spread is not, and bounds the change near ±5%.
/// </summary>
public sealed class ConclusionsTests
{
    private static readonly ComparisonSpec Q1 = new("Q1", "SMP vs UP", "baseline", "guest-up", "L2 vCPUs 2 → 1");
    private static readonly MetricDefinition Time = new("time_s", "s", MetricDirection.LowerIsBetter, MetricRole.Headline, "run", "wall time");

    private static QuestionAnalysis Question(params TableAnalysis[] tables) => new(Q1, tables);

    private static TableAnalysis Table(string suite, double[] a, double[] b, string? untrusted = null)
    {
        var comparison = MetricComparison.Of(a, b, Time.Direction, untrusted);
        comparison = comparison.Tested ? Holm.Apply([comparison])[0] : comparison;
        return new TableAnalysis(suite, "", Time.Id, [new MetricAnalysis(Time.Id, Time, true, comparison)], [], null);
    }

    private static TableAnalysis Slower => Table("hackbench", [10.0, 10.2, 9.9], [15.1, 14.8, 15.3]);
    private static TableAnalysis Same => Table("kernbench", [100, 101, 99], [100.5, 99.8, 101.2]);
    private static TableAnalysis Reference(string suite, double ratio) => Table(suite, [10.0], [10.0 * ratio]);

    private static ConclusionRow Row(QuestionAnalysis here, QuestionAnalysis? reference, int index = 0) =>
        Conclusions.Of([here], reference is null ? null : [reference], isReference: false, caveat: null)[0].Rows[index];

    [Fact]
    public void A_significant_change_the_way_2023_claimed_agrees_and_the_other_way_contradicts()
    {
        Assert.Equal("agrees: same direction", Row(Question(Slower), Question(Reference("hackbench", 2.09))).Versus2023);
        Assert.Equal("contradicts: the opposite direction", Row(Question(Slower), Question(Reference("hackbench", 0.80))).Versus2023);
        Assert.Equal("contradicts: 2023 saw no change", Row(Question(Slower), Question(Reference("hackbench", 1.001))).Versus2023);
        Assert.Equal("solid: `guest-up` worse", Row(Question(Slower), null).Answer);
    }

    [Fact]
    public void No_change_contradicts_a_claim_larger_than_the_detectable_change_and_cannot_tell_a_smaller_one()
    {
        var here = Question(Same);
        var row = Row(here, Question(Reference("kernbench", 1.92)));
        var mde = here.Tables[0].Test!.MinimumDetectableChange!.Value;

        Assert.InRange(mde, 0.01, 0.20);
        Assert.StartsWith("contradicts: a change as large as 2023's +92% would have been seen", row.Versus2023, StringComparison.Ordinal);
        Assert.StartsWith("cannot tell: 2023's +1.0% is within what this run could miss", Row(here, Question(Reference("kernbench", 1.01))).Versus2023, StringComparison.Ordinal);
        Assert.StartsWith("no difference beyond ±", row.Answer, StringComparison.Ordinal);
    }

    [Fact]
    public void An_inconclusive_comparison_cannot_tell_and_says_why()
    {
        var open = Table("ab", [10.0, 10.2, 9.9], [15.1, 14.8, 15.3], untrusted: "`raw/guest-up/ab/2.txt`: Non-2xx responses: 5000");
        var conclusion = Conclusions.Of([Question(open, Slower)], [Question(Reference("ab", 1.3))], isReference: false, caveat: "This is a smoke run.")[0];

        Assert.Equal("open: `raw/guest-up/ab/2.txt`: Non-2xx responses: 5000", conclusion.Rows[0].Answer);
        Assert.Equal("cannot tell: this run's comparison is inconclusive", conclusion.Rows[0].Versus2023);
        Assert.Equal("no 2023 figure", conclusion.Rows[1].Versus2023);
        Assert.Equal("Against the 2023 study's claims: cannot tell 1, no 2023 figure 1.", conclusion.Study);
        Assert.StartsWith("`guest-up` is worse than `baseline` in hackbench (+50%); 1 of 2 suite outputs cannot be answered", conclusion.Answer, StringComparison.Ordinal);
        Assert.EndsWith("1 inconclusive. This is a smoke run.", conclusion.Strength, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_reference_the_answer_says_so_and_the_reference_itself_is_not_compared_with_itself()
    {
        Assert.Equal("The 2023 reference run was not available: nothing to place this answer beside.",
            Conclusions.Of([Question(Slower)], null, isReference: false, caveat: null)[0].Study);
        var self = Conclusions.Of([Question(Slower)], null, isReference: true, caveat: null)[0];
        Assert.Null(self.Study);
        Assert.Equal("", self.Rows[0].Versus2023);
    }
}
