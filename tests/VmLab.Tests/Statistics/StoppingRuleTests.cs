using VmLab.Lab.Plan;
using VmLab.Report;
using VmLab.Statistics;
using VmLab.Suites;

namespace VmLab.Tests.Statistics;

/// <summary>
/// A precision run's stopping rule and the false positives of its final verdict (docs/PRECISION.md, "Why this rule"):
/// simulated precision runs of one comparison with no true difference, looked at after every block from the third on
/// with the run's own code (<see cref="BlockTest"/>, <see cref="RunDecisions"/>, <see cref="PrecisionStop"/>), up to a
/// budget of 30 blocks. The rule (stop when every comparison is precise) keeps the final test's 5% level; the first
/// rule (stop when every comparison is decided: significant or within the margin) did not, and neither would stopping
/// on the plain interval's half-width, which stops when the spread happens to be small.
/// </summary>
public sealed class StoppingRuleTests
{
    // 10,000 simulated runs per spread: the Monte-Carlo standard error of a 5% rate is 0.22 points; three are allowed.
    private const int Runs = 10000;
    private const int Budget = 30;
    private static readonly double Tolerance = 3 * Math.Sqrt(0.05 * 0.95 / Runs);

    private sealed record Rates(double Rule, double FirstRule, double PlainWidth, double MeanBlocks);

    /// <summary>
    /// Per block, a speed factor (log-normal, sd 0.3) multiplies both scenarios; A varies with sd 0.02 on the log scale
    /// and B with <paramref name="sdB"/> (B/A's spread per block, against the margin's log 1.1 = 0.095). Seeded.
    /// </summary>
    private static Rates Simulate(double sdB, int seed)
    {
        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var rule = PrecisionRule.Parse("10%", null, $"{Budget}s");
        var first = rule with { StopOn = PrecisionStopOn.Decided };
        var (positives, firstPositives, plainPositives, blocks) = (0, 0, 0, 0L);
        for (var run = 0; run < Runs; run++)
        {
            var values = new List<BlockValues>();
            int? stop = null, firstStop = null, plainStop = null;
            bool significant = false, firstSignificant = false, plainSignificant = false;
            for (var k = 1; k <= Budget && (stop is null || firstStop is null || plainStop is null); k++)
            {
                var speed = 0.3 * Normal();
                values.Add(new BlockValues($"{k}", [100 * Math.Exp(speed + (0.02 * Normal()))], [100 * Math.Exp(speed + (sdB * Normal()))]));
                if (k < 3)
                {
                    continue;
                }

                // One question with one headline: Holm's family of one.
                var test = BlockTest.Of(values, MetricDirection.LowerIsBetter);
                test = test.InFamily(test.P!.Value, 1);
                var look = RunDecisions.Decide("Q", "output", "metric", k, test, rule.Margin);
                var isSignificant = test.Verdict is Verdict.Faster or Verdict.Slower;
                if (stop is null && PrecisionStop.Reason(rule, k, [look], k, 1) is not null)
                {
                    (stop, significant) = (k, isSignificant);
                }

                if (firstStop is null && PrecisionStop.Reason(first, k, [look], k, 1) is not null)
                {
                    (firstStop, firstSignificant) = (k, isSignificant);
                }

                if (plainStop is null && (test.HalfWidth <= Math.Log(1 + rule.Margin) || k == Budget))
                {
                    (plainStop, plainSignificant) = (k, isSignificant);
                }
            }

            positives += significant ? 1 : 0;
            firstPositives += firstSignificant ? 1 : 0;
            plainPositives += plainSignificant ? 1 : 0;
            blocks += stop!.Value;
        }

        return new Rates((double)positives / Runs, (double)firstPositives / Runs, (double)plainPositives / Runs, (double)blocks / Runs);
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.10)]
    [InlineData(0.20)]
    public void With_no_true_difference_the_rule_keeps_the_final_verdict_at_5_percent_and_the_first_rule_did_not(double sdB)
    {
        var rates = Simulate(sdB, 20261207 + (int)(sdB * 100));

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"sd {sdB}: false 'significant' with the rule {rates.Rule:P2} (mean {rates.MeanBlocks:0.0} blocks), the first rule {rates.FirstRule:P2}, the plain width {rates.PlainWidth:P2} of {Runs} runs");
        Assert.True(rates.Rule <= 0.05 + Tolerance, $"the rule: {rates.Rule:P2}");
        Assert.True(rates.FirstRule > 0.05 + Tolerance, $"the first rule: {rates.FirstRule:P2}");
        if (sdB >= 0.10)
        {
            // Where the width needs more than a few looks, the plain width's selection of small spreads shows.
            Assert.True(rates.PlainWidth > 0.05 + Tolerance, $"the plain width: {rates.PlainWidth:P2}");
        }
    }
}
