using VmLab.Suites;

namespace VmLab.Statistics;

/// <summary>
/// One repeat block's values of a metric: the block's units of scenario A and of scenario B, and the calibration
/// probe's rate of the boot each ran in (null when not measured).
/// </summary>
/// <param name="Block">The block's name (its repeat number).</param>
/// <param name="A">A's values in the block (normally one).</param>
/// <param name="B">B's values in the block.</param>
public sealed record BlockValues(string Block, IReadOnlyList<double> A, IReadOnlyList<double> B)
{
    /// <summary>The L1 probe rate of A's boot in this block; null when not measured.</summary>
    public double? ProbeA { get; init; }

    /// <summary>The L1 probe rate of B's boot in this block; null when not measured.</summary>
    public double? ProbeB { get; init; }

    /// <summary>True when both scenarios have a value in the block: only complete blocks enter the test.</summary>
    public bool Complete => A.Count > 0 && B.Count > 0;
}

/// <summary>
/// The comparison of B with A that a speed factor per block cannot move: a paired t-test on log values. Per complete
/// block b, d_b = mean(log B in b) − mean(log A in b); the one-sample t-test of the d_b against 0 has df = k − 1 for k
/// complete blocks. Every value of a block multiplied by one factor c adds log c to both means, so d_b, and with it
/// the estimate, interval, p and verdict, do not change (a shard on a faster runner, a slower time of day). Blocks
/// where a side has no value are left out and named (<see cref="MetricComparison.LeftOutBlocks"/>).
/// </summary>
/// <remarks>
/// With the probe covariate declared before the run: d_b = β₀ + β₁·x_b + e_b, where x_b = log(probe of B's boot) −
/// log(probe of A's boot), fitted by least squares; β₀ is B/A's log ratio at equal boot speed, its standard error
/// s·√(1/k + x̄²/Sxx), df = k − 2. For two scenarios, one value each per block, the paired test equals the linear mixed
/// model with scenario fixed and block random (REML, balanced), and the OLS fit with scenario and block as fixed
/// factors; the covariate version equals that OLS fit with log probe added.
/// https://en.wikipedia.org/wiki/Student%27s_t-test#Dependent_t-test_for_paired_samples
/// </remarks>
public static class BlockTest
{
    /// <summary>
    /// Compares B with A over <paramref name="blocks"/>. <paramref name="untrusted"/> says what makes the data unusable
    /// (as in <see cref="MetricComparison.Of"/>); <paramref name="probeCovariate"/> uses the probe as a covariate (only
    /// when the profile declared it before the run).
    /// </summary>
    public static MetricComparison Of(IReadOnlyList<BlockValues> blocks, MetricDirection direction, string? untrusted = null, bool probeCovariate = false)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var complete = blocks.Where(b => b.Complete).ToList();
        var leftOut = blocks.Where(b => !b.Complete).Select(b => b.Block).ToList();
        var used = complete.Count > 0 ? complete : blocks.ToList();
        var sa = SampleSummary.Of(used.SelectMany(b => b.A).ToList());
        var sb = SampleSummary.Of(used.SelectMany(b => b.B).ToList());
        var k = complete.Count;
        MetricComparison Untested(string why) =>
            new MetricComparison(sa, sb, direction, sa.Mean == 0 ? null : sb.Mean / sa.Mean, null, null, null, null, null, null, null, null, 1, Verdict.Inconclusive,
                MetricComparison.Join(untrusted, why)) { Design = TestDesign.Blocks, Blocks = k, LeftOutBlocks = leftOut };

        if (k < 2)
        {
            return Untested(k == 0 ? "no block has both scenarios: nothing to pair" : "1 complete block: one difference has no spread to test against");
        }

        if (complete.Any(b => b.A.Concat(b.B).Any(v => v <= 0)))
        {
            return Untested("a value of 0 or less has no logarithm: the ratio cannot be tested");
        }

        var d = complete.Select(b => b.B.Average(Math.Log) - b.A.Average(Math.Log)).ToArray();
        var mean = d.Average();
        var ss = d.Sum(x => (x - mean) * (x - mean));
        if (ss == 0)
        {
            return Untested("every block gave the same ratio: there is no spread to test against");
        }

        string? probeNotUsed = null;
        if (probeCovariate)
        {
            var (fit, why) = WithProbe(complete, d);
            if (fit is { } f)
            {
                return MetricComparison.FromEstimate(sa, sb, direction, f.Estimate, f.Se, k - 2, untrusted) with
                {
                    Design = TestDesign.BlocksWithProbe, Blocks = k, LeftOutBlocks = leftOut, ProbeSlope = f.Slope,
                };
            }

            probeNotUsed = why;
        }

        var se = Math.Sqrt(ss / (k - 1) / k);
        return MetricComparison.FromEstimate(sa, sb, direction, mean, se, k - 1, untrusted) with
        {
            Design = TestDesign.Blocks, Blocks = k, LeftOutBlocks = leftOut, ProbeNotUsed = probeNotUsed,
        };
    }

    // d_b on x_b by least squares; the intercept (equal boot speeds) and its standard error. Null, with why, when the
    // covariate cannot be fitted: then the plain block test is used and the report says so.
    private static ((double Estimate, double Se, double Slope)? Fit, string? Why) WithProbe(List<BlockValues> complete, double[] d)
    {
        var k = complete.Count;
        if (complete.Any(b => b.ProbeA is not > 0 || b.ProbeB is not > 0))
        {
            return (null, "a block's boot has no probe rate");
        }

        if (k < 3)
        {
            return (null, $"{k} complete blocks leave no degree of freedom after the covariate");
        }

        // The same least-squares fit a pilot plan uses (ProbeFit); the caller has already refused a spread of 0.
        var (fit, why) = ProbeFit.Of(d, complete.Select(b => Math.Log(b.ProbeB!.Value) - Math.Log(b.ProbeA!.Value)).ToList());
        if (fit is null)
        {
            return (null, why);
        }

        if (fit.ResidualSd == 0)
        {
            return (null, "the probe explains every block's difference exactly: no spread is left to test against");
        }

        return ((fit.Intercept, Math.Sqrt(fit.Variance(k)), fit.Slope), null);
    }
}
