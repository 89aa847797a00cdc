using MathNet.Numerics.Distributions;
using VmLab.Suites;

namespace VmLab.Statistics;

/// <summary>
/// One metric of configuration B compared with configuration A: the ratio of means B/A with its 95% confidence
/// interval, Welch's two-sided t-test p-value, and the <see cref="Verdict"/>.
/// </summary>
/// <param name="A">The summary of A's repeats.</param>
/// <param name="B">The summary of B's repeats.</param>
/// <param name="Ratio">Mean(B) / Mean(A); null when Mean(A) is 0.</param>
/// <param name="RatioCiLow">Lower end of the 95% interval of the ratio; null when it cannot be computed.</param>
/// <param name="RatioCiHigh">Upper end of the 95% interval of the ratio.</param>
/// <param name="T">Welch's t statistic (B - A); null when it cannot be computed.</param>
/// <param name="Df">The Welch–Satterthwaite degrees of freedom.</param>
/// <param name="P">The two-sided p-value; null when it cannot be computed.</param>
/// <param name="Verdict">What the comparison concludes.</param>
/// <param name="Reason">Why the verdict is <see cref="Verdict.Inconclusive"/>; null otherwise.</param>
public sealed record MetricComparison(
    SampleSummary A,
    SampleSummary B,
    double? Ratio,
    double? RatioCiLow,
    double? RatioCiHigh,
    double? T,
    double? Df,
    double? P,
    Verdict Verdict,
    string? Reason)
{
    /// <summary>The significance level of the verdict.</summary>
    public const double Alpha = 0.05;

    /// <summary>
    /// Compares <paramref name="b"/> with <paramref name="a"/>. <paramref name="untrusted"/> names what makes the data
    /// unusable (invalid runs, reused outputs); when given, the numbers are still computed so the reader sees them,
    /// but the verdict is <see cref="Verdict.Inconclusive"/>.
    /// </summary>
    public static MetricComparison Of(
        IReadOnlyList<double> a, IReadOnlyList<double> b, MetricDirection direction, string? untrusted = null)
    {
        var sa = SampleSummary.Of(a);
        var sb = SampleSummary.Of(b);
        double? ratio = sa.Mean == 0 ? null : sb.Mean / sa.Mean;

        if (sa.N < 2 || sb.N < 2)
        {
            return new(sa, sb, ratio, null, null, null, null, null, Verdict.Inconclusive,
                Join($"n={Math.Min(sa.N, sb.N)}: a single run has no spread to test against", untrusted));
        }

        // Welch's unequal-variance t-test: the two configurations need not share a variance (a slower
        // system usually varies more), so Student's pooled test would be wrong here.
        var va = sa.VarianceOfMean;
        var vb = sb.VarianceOfMean;
        var se = Math.Sqrt(va + vb);
        if (se == 0)
        {
            return new(sa, sb, ratio, null, null, null, null, null, Verdict.Inconclusive,
                Join("every repeat gave the same value on both sides: there is no spread to test against", untrusted));
        }

        var t = (sb.Mean - sa.Mean) / se;
        var df = (va + vb) * (va + vb) / ((va * va / (sa.N - 1)) + (vb * vb / (sb.N - 1)));
        var p = 2 * StudentT.CDF(0, 1, df, -Math.Abs(t));

        // The ratio's interval by the delta method on log(B/A), with the same Welch degrees of freedom:
        // Var(log mean) ≈ Var(mean)/mean², so the interval is multiplicative and never crosses 0.
        double? low = null, high = null;
        if (ratio is > 0 && sa.Mean > 0)
        {
            var seLog = Math.Sqrt((va / (sa.Mean * sa.Mean)) + (vb / (sb.Mean * sb.Mean)));
            var tq = StudentT.InvCDF(0, 1, df, 1 - (Alpha / 2));
            low = ratio * Math.Exp(-tq * seLog);
            high = ratio * Math.Exp(tq * seLog);
        }

        Verdict verdict;
        string? reason = null;
        if (untrusted is not null)
        {
            (verdict, reason) = (Verdict.Inconclusive, untrusted);
        }
        else if (direction == MetricDirection.None)
        {
            (verdict, reason) = (Verdict.Inconclusive, "a descriptive metric has no better direction");
        }
        else if (p >= Alpha)
        {
            verdict = Verdict.NoSignificantDifference;
        }
        else
        {
            var higher = sb.Mean > sa.Mean;
            verdict = higher == (direction == MetricDirection.HigherIsBetter) ? Verdict.Faster : Verdict.Slower;
        }

        return new(sa, sb, ratio, low, high, t, df, p, verdict, reason);
    }

    // Every reason is given: "n=1" alone would hide that the one run was a 404 page.
    private static string Join(string statistical, string? untrusted) => untrusted is null ? statistical : $"{statistical}; {untrusted}";
}
