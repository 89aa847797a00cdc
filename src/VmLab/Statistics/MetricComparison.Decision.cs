using MathNet.Numerics.Distributions;

namespace VmLab.Statistics;

/// <summary>How a comparison was tested.</summary>
public enum TestDesign
{
    /// <summary>Welch's t-test of log(mean B / mean A): for runs without repeat blocks (imported data, fixtures).</summary>
    Welch,

    /// <summary>A paired t-test on log values over complete blocks (<see cref="BlockTest"/>): df = blocks − 1.</summary>
    Blocks,

    /// <summary>As <see cref="Blocks"/>, with the boots' calibration probe as a covariate declared before the run: df = blocks − 2.</summary>
    BlocksWithProbe,
}

/// <summary>
/// The asymmetric minimum detectable change of a comparison (log scale: the change up and the change down differ):
/// the ratio changes, as fractions, that Holm's first step (α / family size, two-sided) detects with 80% power.
/// </summary>
/// <param name="Down">The detectable fall, negative: −0.57 = −57%.</param>
/// <param name="Up">The detectable rise: 1.33 = +133%.</param>
/// <param name="Alpha">The two-sided level it is computed at: α / family size.</param>
public sealed record DetectableChange(double Down, double Up, double Alpha);

// What a comparison decides, read from its interval: the pieces the report's wording and a precision stopping rule need.
public sealed partial record MetricComparison
{
    /// <summary>How the comparison was tested.</summary>
    public TestDesign Design { get; init; } = TestDesign.Welch;

    /// <summary>For a block design: the complete blocks that entered the test; null for Welch.</summary>
    public int? Blocks { get; init; }

    /// <summary>For a block design: the blocks left out because one side has no value in them.</summary>
    public IReadOnlyList<string> LeftOutBlocks { get; init; } = [];

    /// <summary>For <see cref="TestDesign.BlocksWithProbe"/>: the slope of the blocks' log difference on the probe's log difference.</summary>
    public double? ProbeSlope { get; init; }

    /// <summary>When the probe covariate was declared but could not be used: why (the plain block test was used).</summary>
    public string? ProbeNotUsed { get; init; }

    /// <summary>
    /// The equivalence margin the run declared before it started (0.10 = ±10%); null when its manifest declares none,
    /// and then the comparison can never be called equivalent.
    /// </summary>
    public double? Margin { get; init; }

    /// <summary>
    /// True when the test found no significant difference and the whole 95% interval of B/A lies within the declared
    /// margin, [1/(1 + m), 1 + m]: two one-sided tests at 2.5% each reject a change beyond ±m.
    /// </summary>
    public bool Equivalent =>
        Verdict == Verdict.NoSignificantDifference && Margin is { } m && RatioCiLow is { } lo && RatioCiHigh is { } hi
        && lo >= 1 / (1 + m) && hi <= 1 + m;

    /// <summary>True when the comparison answers its question: significant after Holm's adjustment, or <see cref="Equivalent"/>.</summary>
    public bool Decided => Verdict is Verdict.Faster or Verdict.Slower || Equivalent;

    /// <summary>
    /// The changes of B/A this design detects with 80% power at Holm's strictest level, α / <see cref="FamilySize"/>
    /// (two-sided): exp(±(t_{1−α/(2m),df} + t_{0.80,df})·se) − 1; null when the comparison was not tested.
    /// </summary>
    public DetectableChange? DetectableAfterHolm
    {
        get
        {
            if (!Tested || SeLog is not { } se || Df is not { } df)
            {
                return null;
            }

            var alpha = Alpha / FamilySize;
            var q = (StudentT.InvCDF(0, 1, df, 1 - (alpha / 2)) + StudentT.InvCDF(0, 1, df, Power)) * se;
            return new DetectableChange(Math.Exp(-q) - 1, Math.Exp(q) - 1, alpha);
        }
    }

    /// <summary>
    /// The two-sided p of the hypothesis that the true B/A is <paramref name="ratio"/> (a fixed value, such as the 2023
    /// study's): the same statistic, standard error and degrees of freedom as the test, so p ≥ 0.05 exactly when the
    /// 95% interval contains <paramref name="ratio"/>. Null when the comparison has no test.
    /// </summary>
    public double? PAgainst(double ratio)
    {
        if (Ratio is not { } r || SeLog is not { } se || Df is not { } df || ratio <= 0 || se <= 0)
        {
            return null;
        }

        return 2 * StudentT.CDF(0, 1, df, -Math.Abs((Math.Log(r) - Math.Log(ratio)) / se));
    }
}
