using MathNet.Numerics.Distributions;
using VmLab.Statistics;
using VmLab.Suites;

namespace VmLab.Tests.Statistics;

/// <summary>
/// The block test (<see cref="BlockTest"/>): a speed factor per block cancels, incomplete blocks are left out and
/// named, the probe covariate is used only where it can be fitted, and the test keeps its level: a seeded simulation
/// of runs with no true difference, unequal variances and a different speed per block rejects at most 5% of the
/// time (plus Monte-Carlo error) at 3, 5 and 10 blocks.
/// </summary>
public sealed class BlockTestTests
{
    private static BlockValues Block(int b, double a, double v, double? probeA = null, double? probeB = null) =>
        new(b.ToString(System.Globalization.CultureInfo.InvariantCulture), [a], [v]) { ProbeA = probeA, ProbeB = probeB };

    private static readonly BlockValues[] Run =
    [
        Block(1, 100, 131), Block(2, 90, 101), Block(3, 120, 150), Block(4, 105, 118),
    ];

    [Fact]
    public void The_paired_test_is_the_one_sample_t_test_of_the_blocks_log_differences()
    {
        var c = BlockTest.Of(Run, MetricDirection.LowerIsBetter);
        var d = Run.Select(b => Math.Log(b.B[0]) - Math.Log(b.A[0])).ToArray();
        var mean = d.Average();
        var sd = Math.Sqrt(d.Sum(x => (x - mean) * (x - mean)) / 3);

        Assert.Equal((TestDesign.Blocks, 4, 3.0), (c.Design, c.Blocks!.Value, c.Df!.Value));
        Assert.Equal(Math.Exp(mean), c.Ratio!.Value, 12);
        Assert.Equal(mean / (sd / 2), c.T!.Value, 10);
        Assert.Equal(2 * StudentT.CDF(0, 1, 3, -Math.Abs(mean / (sd / 2))), c.P!.Value, 12);
        Assert.Equal(Verdict.Slower, c.Verdict);
    }

    [Theory]
    [InlineData(0, 1.5)]
    [InlineData(2, 0.7)]
    [InlineData(3, 1000.0)]
    public void Scaling_every_value_of_one_block_changes_nothing(int block, double factor)
    {
        var scaled = Run.Select((b, i) => i == block ? b with { A = [b.A[0] * factor], B = [b.B[0] * factor] } : b).ToList();

        var before = BlockTest.Of(Run, MetricDirection.LowerIsBetter);
        var after = BlockTest.Of(scaled, MetricDirection.LowerIsBetter);

        Assert.Equal(before.Ratio!.Value, after.Ratio!.Value, 10);
        Assert.Equal(before.P!.Value, after.P!.Value, 10);
        Assert.Equal((before.RatioCiLow!.Value, before.RatioCiHigh!.Value), (Math.Round(after.RatioCiLow!.Value, 10), Math.Round(after.RatioCiHigh!.Value, 10)), (x, y) => Math.Abs(x.Item1 - y.Item1) < 1e-9 && Math.Abs(x.Item2 - y.Item2) < 1e-9);
        Assert.Equal(before.Verdict, after.Verdict);
    }

    [Fact]
    public void An_incomplete_block_is_left_out_and_named_and_one_complete_block_is_not_tested()
    {
        var blocks = Run.Append(new BlockValues("5", [99.0], [])).ToList();

        var c = BlockTest.Of(blocks, MetricDirection.LowerIsBetter);
        Assert.Equal(["5"], c.LeftOutBlocks);
        Assert.Equal((4, 4, 4), (c.Blocks!.Value, c.A.N, c.B.N));
        Assert.Equal(BlockTest.Of(Run, MetricDirection.LowerIsBetter).P, c.P);

        var one = BlockTest.Of([Run[0], new BlockValues("2", [], [101.0])], MetricDirection.LowerIsBetter);
        Assert.Equal((Verdict.Inconclusive, false), (one.Verdict, one.Tested));
        Assert.Equal("1 complete block: one difference has no spread to test against", one.Reason);
        Assert.Equal(["2"], one.LeftOutBlocks);
    }

    [Fact]
    public void The_probe_covariate_is_used_only_when_declared_and_falls_back_with_a_reason_when_it_cannot_be_fitted()
    {
        var probed = Run.Select((b, i) => b with { ProbeA = 1e6, ProbeB = 1e6 * (1 - (0.05 * i)) }).ToList();

        Assert.Equal(TestDesign.Blocks, BlockTest.Of(probed, MetricDirection.LowerIsBetter).Design);
        var fitted = BlockTest.Of(probed, MetricDirection.LowerIsBetter, probeCovariate: true);
        Assert.Equal((TestDesign.BlocksWithProbe, 2.0), (fitted.Design, fitted.Df!.Value));
        Assert.NotNull(fitted.ProbeSlope);

        var two = BlockTest.Of(probed.Take(2).ToList(), MetricDirection.LowerIsBetter, probeCovariate: true);
        Assert.Equal((TestDesign.Blocks, "2 complete blocks leave no degree of freedom after the covariate"), (two.Design, two.ProbeNotUsed));
        Assert.Equal("a block's boot has no probe rate", BlockTest.Of(Run, MetricDirection.LowerIsBetter, probeCovariate: true).ProbeNotUsed);
    }

    // 20,000 simulated runs per size: the Monte-Carlo standard error of a 5% rate is 0.15 points; three of them are allowed.
    private const int Runs = 20000;
    private static readonly double Tolerance = 3 * Math.Sqrt(0.05 * 0.95 / Runs);

    /// <summary>
    /// Rejection rates with no true difference: per block a speed factor (log-normal, sd 0.3) multiplies both
    /// scenarios, A varies with sd 0.05 and B with sd 0.40 on the log scale (unequal variances, as a slower
    /// configuration that varies more), and the probe follows the block's speed plus noise.
    /// </summary>
    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(10)]
    public void With_no_true_difference_the_test_rejects_at_most_5_percent_at_3_5_and_10_blocks(int blocks)
    {
        var random = new Random(20261207 + blocks);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var (paired, covariate) = (0, 0);
        for (var run = 0; run < Runs; run++)
        {
            var values = Enumerable.Range(1, blocks).Select(b =>
            {
                var speed = 0.3 * Normal();
                var (boostA, boostB) = (0.1 * Normal(), 0.1 * Normal());
                return Block(b, 100 * Math.Exp(speed + boostA + (0.05 * Normal())), 100 * Math.Exp(speed + boostB + (0.40 * Normal())),
                    1e6 * Math.Exp(-speed - boostA + (0.02 * Normal())), 1e6 * Math.Exp(-speed - boostB + (0.02 * Normal())));
            }).ToList();
            paired += BlockTest.Of(values, MetricDirection.LowerIsBetter).P < MetricComparison.Alpha ? 1 : 0;
            covariate += BlockTest.Of(values, MetricDirection.LowerIsBetter, probeCovariate: true).P < MetricComparison.Alpha ? 1 : 0;
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{blocks} blocks: paired {(double)paired / Runs:P2}, with the probe {(double)covariate / Runs:P2} of {Runs} runs rejected at 5%");
        Assert.InRange((double)paired / Runs, 0.05 - Tolerance, 0.05 + Tolerance);
        Assert.InRange((double)covariate / Runs, 0.05 - Tolerance, 0.05 + Tolerance);
    }
}
