using System.Globalization;
using MathNet.Numerics.Distributions;
using VmLab.Suites;

namespace VmLab.Statistics;

/// <summary>
/// One metric of configuration B compared with configuration A by one test: Welch's t-test of log(mean B / mean A)
/// (<see cref="Of"/>, for runs without repeat blocks), or the paired test of the blocks' log values (<see cref="BlockTest"/>).
/// The ratio's 95% confidence interval, the p-value and the verdict all come from that test (same statistic, same
/// standard error, same degrees of freedom), so the interval excludes 1 exactly when p &lt; α.
/// </summary>
/// <remarks>
/// The test: with sample means m, sample variances s² and sizes n, the delta method gives
/// Var(log m) ≈ s²/(n·m²), so log r = log(m_B / m_A) has standard error
/// se = √(s_A²/(n_A·m_A²) + s_B²/(n_B·m_B²)) = √(CV_A²/n_A + CV_B²/n_B); t = log r / se; the Welch–Satterthwaite
/// degrees of freedom come from the same two terms, df = se⁴ / (w_A²/(n_A−1) + w_B²/(n_B−1)) with
/// w = s²/(n·m²); p = 2·P(T_df &gt; |t|); the interval is exp(log r ± t_{0.975,df}·se).
/// Welch, not Student's pooled test: a slower configuration usually varies more. The log scale, not the raw one:
/// the report speaks in ratios ("B takes 1.2× as long"), effects of performance factors are multiplicative, and
/// the interval of a ratio must stay positive (https://en.wikipedia.org/wiki/Welch%27s_t-test,
/// https://en.wikipedia.org/wiki/Delta_method).
/// </remarks>
/// <param name="A">The summary of A's repeats.</param>
/// <param name="B">The summary of B's repeats.</param>
/// <param name="Direction">Which way the metric improves.</param>
/// <param name="Ratio">
/// The test's estimate of B/A: Mean(B) / Mean(A) for Welch's test; for <see cref="BlockTest"/>, exp of the mean of the
/// blocks' differences of log values (the geometric mean of the per-block ratios); null when Mean(A) is 0.
/// </param>
/// <param name="RatioCiLow">Lower end of the 95% interval of the ratio; null when there is no test.</param>
/// <param name="RatioCiHigh">Upper end of the 95% interval of the ratio.</param>
/// <param name="SeLog">The standard error of log(ratio).</param>
/// <param name="T">The test statistic log(ratio) / se; null when there is no test.</param>
/// <param name="Df">The Welch–Satterthwaite degrees of freedom.</param>
/// <param name="P">The two-sided p-value of this comparison alone; null when there is no test.</param>
/// <param name="MinimumDetectableChange">
/// The smallest change of the ratio this design detects with 80% power at α = 0.05 two-sided:
/// exp((t_{0.975,df} + t_{0.80,df})·se) − 1 (0.25 = ±25%).
/// </param>
/// <param name="PAdjusted">Holm's adjusted p over the family (<see cref="FamilySize"/>); null until <see cref="InFamily"/>.</param>
/// <param name="FamilySize">The number of tested comparisons the p-value was adjusted for; 1 before adjustment.</param>
/// <param name="Verdict">What the comparison concludes, from <see cref="PAdjusted"/> when adjusted, else from <see cref="P"/>.</param>
/// <param name="Reason">Why the verdict is inconclusive, or why a small p is not significant after adjustment; null otherwise.</param>
public sealed partial record MetricComparison(
    SampleSummary A,
    SampleSummary B,
    MetricDirection Direction,
    double? Ratio,
    double? RatioCiLow,
    double? RatioCiHigh,
    double? SeLog,
    double? T,
    double? Df,
    double? P,
    double? MinimumDetectableChange,
    double? PAdjusted,
    int FamilySize,
    Verdict Verdict,
    string? Reason)
{
    /// <summary>The significance level of the verdict (two-sided).</summary>
    public const double Alpha = 0.05;

    /// <summary>The power at which <see cref="MinimumDetectableChange"/> is computed.</summary>
    public const double Power = 0.80;

    /// <summary>True when the comparison was tested: it has a p-value and is not inconclusive (it belongs in a Holm family).</summary>
    public bool Tested => P is not null && Verdict != Verdict.Inconclusive;

    /// <summary>
    /// Compares <paramref name="b"/> with <paramref name="a"/>. <paramref name="untrusted"/> says what makes the data
    /// unusable (invalid runs, reused outputs); when given, the numbers are still computed so the reader sees them,
    /// but the verdict is <see cref="Verdict.Inconclusive"/> and the comparison is not <see cref="Tested"/>.
    /// </summary>
    public static MetricComparison Of(
        IReadOnlyList<double> a, IReadOnlyList<double> b, MetricDirection direction, string? untrusted = null)
    {
        var sa = SampleSummary.Of(a);
        var sb = SampleSummary.Of(b);
        double? ratio = sa.Mean == 0 ? null : sb.Mean / sa.Mean;
        MetricComparison Untested(string why) =>
            new(sa, sb, direction, ratio, null, null, null, null, null, null, null, null, 1, Verdict.Inconclusive, Join(untrusted, why));

        if (sa.N < 2 || sb.N < 2)
        {
            return Untested($"n={Math.Min(sa.N, sb.N)}: a single run has no spread to test against");
        }

        if (sa.Mean <= 0 || sb.Mean <= 0)
        {
            return Untested("a mean of 0 or less has no logarithm: the ratio cannot be tested");
        }

        // Relative variances of the means (CV²/n): the two terms of Var(log ratio) by the delta method.
        var wa = sa.VarianceOfMean / (sa.Mean * sa.Mean);
        var wb = sb.VarianceOfMean / (sb.Mean * sb.Mean);
        if (wa + wb == 0)
        {
            return Untested("every repeat gave the same value on both sides: there is no spread to test against");
        }

        var se = Math.Sqrt(wa + wb);
        var df = (wa + wb) * (wa + wb) / ((wa * wa / (sa.N - 1)) + (wb * wb / (sb.N - 1)));
        return FromEstimate(sa, sb, direction, Math.Log(sb.Mean / sa.Mean), se, df, untrusted);
    }

    /// <summary>
    /// The comparison whose test gave <paramref name="logRatio"/> with standard error <paramref name="se"/> on
    /// <paramref name="df"/> degrees of freedom: t, p, the 95% interval exp(log r ± t_{0.975,df}·se), the minimum
    /// detectable change and the verdict, the same way for every design (<see cref="Of"/>, <see cref="BlockTest"/>).
    /// </summary>
    internal static MetricComparison FromEstimate(
        SampleSummary sa, SampleSummary sb, MetricDirection direction, double logRatio, double se, double df, string? untrusted)
    {
        var t = logRatio / se;
        var p = 2 * StudentT.CDF(0, 1, df, -Math.Abs(t));
        var tq = TQuantile.Of(df, 1 - (Alpha / 2));
        var mde = Math.Exp((tq + TQuantile.Of(df, Power)) * se) - 1;

        var tested = new MetricComparison(sa, sb, direction, Math.Exp(logRatio), Math.Exp(logRatio - (tq * se)), Math.Exp(logRatio + (tq * se)),
            se, t, df, p, mde, null, 1, Verdict.Inconclusive, null);
        if (untrusted is not null)
        {
            return tested with { Reason = untrusted };
        }

        if (direction == MetricDirection.None)
        {
            return tested with { Reason = "a descriptive metric has no better direction" };
        }

        return tested with { Verdict = tested.VerdictAt(p) };
    }

    /// <summary>
    /// This comparison as one of a family of <paramref name="familySize"/> tested comparisons, with Holm's adjusted
    /// p-value (<see cref="Holm.Adjust"/>): the verdict is decided by the adjusted p. An untested comparison is
    /// returned unchanged (it is not in any family).
    /// </summary>
    public MetricComparison InFamily(double pAdjusted, int familySize)
    {
        if (!Tested)
        {
            return this;
        }

        var verdict = VerdictAt(pAdjusted);
        var family = this with { PAdjusted = pAdjusted, FamilySize = familySize, Verdict = verdict };
        var reason = family.SignificantOnlyAlone
            ? $"p < {Alpha.ToString(CultureInfo.InvariantCulture)} alone, not after Holm's adjustment for {familySize} comparisons" +
              (family.FamilyInterval is { } ci ? string.Create(CultureInfo.InvariantCulture, $": at the family's level ({family.FamilyConfidence:0.#}% CI, Bonferroni) {ci.Low:0.000}–{ci.High:0.000}, which contains 1") : "")
            : null;
        return family with { Reason = reason };
    }

    // Significant means B differs from A; the metric's direction turns "higher" into faster or slower.
    private Verdict VerdictAt(double p) =>
        p >= Alpha ? Verdict.NoSignificantDifference
        : (Ratio > 1) == (Direction == MetricDirection.HigherIsBetter) ? Verdict.Faster
        : Verdict.Slower;

    // Every reason is given, what makes the data unusable first: "n=1" alone would hide that the one run was a 404 page.
    internal static string Join(string? untrusted, string statistical) => untrusted is null ? statistical : $"{untrusted}; {statistical}";
}
