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
            var q = (TQuantile.Of(df, 1 - (alpha / 2)) + TQuantile.Of(df, Power)) * se;
            return new DetectableChange(Math.Exp(-q) - 1, Math.Exp(q) - 1, alpha);
        }
    }

    /// <summary>
    /// The half-width of the 95% interval of log(B/A): t_{0.975,df}·se (the interval is exp(log r ± this)); null when
    /// the comparison has no standard error.
    /// </summary>
    public double? HalfWidth => SeLog is { } se && Df is { } df ? TQuantile.Of(df, 1 - (Alpha / 2)) * se : null;

    /// <summary>
    /// The half-width a precision run stops on (log scale, docs/PRECISION.md): t_{0.975,df}·√(se² + min(log²r, ℓ²)/df)
    /// with ℓ = log(1 + <paramref name="margin"/>), i.e. the interval's half-width with the spread measured about no
    /// change (B/A = 1) rather than about the estimate r, the estimate's share capped at the margin. It is never less
    /// than <see cref="HalfWidth"/>, so an interval that meets it is at most ±margin wide. Stopping on the plain
    /// half-width stops when the spread happens to be small, which inflates the final test (a false "significant" in
    /// 8–10% of runs with no true difference, StoppingRuleTests); measured about no change, a small spread and an
    /// estimate near 1 come together and the test keeps its level. Null when the comparison has no standard error.
    /// </summary>
    public double? StopHalfWidth(double margin) =>
        SeLog is { } se && Df is { } df && Ratio is > 0 ? BlocksNeeded.StopHalfWidth(se * se, df, Math.Log(Ratio.Value), margin) : null;

    /// <summary>
    /// True when a precision run may stop on this comparison: it was tested and its <see cref="StopHalfWidth"/> is at
    /// most log(1 + <paramref name="margin"/>). Its position (significant or not) plays no part.
    /// </summary>
    public bool PreciseAt(double margin) => Tested && StopHalfWidth(margin) is { } h && h <= Math.Log(1 + margin);

    /// <summary>
    /// The interval of B/A at the family's level, 1 − α/<see cref="FamilySize"/> (Bonferroni): it excludes 1 only when
    /// F·p &lt; α, so for a comparison significant alone but not after Holm's adjustment (Holm p ≤ F·p) it contains 1.
    /// Null when there is no test or no family.
    /// </summary>
    public (double Low, double High)? FamilyInterval
    {
        get
        {
            if (Ratio is not > 0 || SeLog is not { } se || Df is not { } df || FamilySize < 1)
            {
                return null;
            }

            var q = TQuantile.Of(df, 1 - (Alpha / (2 * FamilySize))) * se;
            return (Ratio.Value * Math.Exp(-q), Ratio.Value * Math.Exp(q));
        }
    }

    /// <summary>The confidence of <see cref="FamilyInterval"/> in percent: 100·(1 − α/<see cref="FamilySize"/>), 99.2 for a family of 6.</summary>
    public double FamilyConfidence => 100 * (1 - (Alpha / FamilySize));

    /// <summary>
    /// True for a comparison whose 95% interval excludes 1 (p &lt; α alone) but which is not significant after Holm's
    /// adjustment for its family: the report says why, beside the family's interval (<see cref="FamilyInterval"/>).
    /// </summary>
    public bool SignificantOnlyAlone => Verdict == Verdict.NoSignificantDifference && P < Alpha && PAdjusted >= Alpha;

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
