using MathNet.Numerics.Distributions;

namespace VmLab.Statistics;

/// <summary>
/// One headline comparison at one look of a precision run (<c>lab run --precision</c>): its estimate, interval and
/// p-values as the run's analysis gives them, whether it is precise (what the rule stops on) and whether it is decided
/// (significant after Holm's adjustment, or the whole 95% interval of B/A within the equivalence margin [1/(1 + m), 1 + m]).
/// </summary>
/// <param name="Question">The question id (Q1 … Q4).</param>
/// <param name="Output">The suite output, e.g. "netperf TCP_RR".</param>
/// <param name="Metric">Its headline metric.</param>
/// <param name="Blocks">The repeat blocks whose units entered the comparison.</param>
/// <param name="Ratio">The estimate of B/A; null when there is none.</param>
/// <param name="CiLow">Lower end of the 95% interval of B/A; null when untested.</param>
/// <param name="CiHigh">Upper end of the 95% interval of B/A.</param>
/// <param name="P">The comparison's own two-sided p.</param>
/// <param name="PAdjusted">Holm's adjusted p over the question's family.</param>
/// <param name="Decided">Significant after Holm's adjustment, or its interval within the margin.</param>
/// <param name="Status">In words: the verdict ("slower", "within ±10%", "undecided: …", "inconclusive: …") and, for looks since the rule stops on precision, whether it is precise.</param>
/// <param name="StopHalfWidth">The half-width the rule stops on (log scale, <see cref="MetricComparison.StopHalfWidth"/>); null in looks of the first rule.</param>
/// <param name="Precise">True when <see cref="StopHalfWidth"/> ≤ log(1 + margin) (<see cref="MetricComparison.PreciseAt"/>); null in looks of the first rule.</param>
public sealed record ComparisonDecision(
    string Question, string Output, string Metric, int Blocks, double? Ratio, double? CiLow, double? CiHigh, double? P, double? PAdjusted, bool Decided, string Status,
    double? StopHalfWidth = null, bool? Precise = null)
{
    /// <summary>True when the interval [<paramref name="low"/>, <paramref name="high"/>] of B/A lies within ±<paramref name="margin"/> (log-symmetric: [1/(1 + m), 1 + m]).</summary>
    public static bool WithinMargin(double? low, double? high, double margin) =>
        low is { } lo && high is { } hi && lo >= 1 / (1 + margin) && hi <= 1 + margin;
}

/// <summary>
/// How many repeat blocks a comparison paired by block needs, from the standard deviation s of its per-block log
/// differences d_b = log B_b − log A_b (a pilot run's). With k blocks the 95% interval of log(B/A) has half-width
/// h(k) = t_{0.975, k−1}·s/√k; the t quantile depends on k, so k is the smallest integer that satisfies the condition,
/// found by search over k (the fixed point of k = ⌈(t_{0.975,k−1}·s/h)²⌉). docs/PRECISION.md gives the formulas.
/// </summary>
public static class BlocksNeeded
{
    /// <summary>No answer beyond this many blocks: "more than" is all the plan says then.</summary>
    public const int Limit = 1_000_000;

    /// <summary>
    /// The smallest k ≥ 2 whose 95% interval of log(B/A) has half-width at most log(1 + <paramref name="margin"/>):
    /// the interval of B/A then spans no more than the margin on either side of the estimate. Null beyond <see cref="Limit"/>.
    /// </summary>
    public static int? ForMargin(double sdLog, double margin) =>
        Smallest(k => HalfWidth(sdLog, k, MetricComparison.Alpha) <= Math.Log(1 + margin), 2);

    /// <summary>
    /// The smallest k ≥ 2 at which a precision run stops on this comparison if its spread is <paramref name="sdLog"/>
    /// and its log ratio <paramref name="logRatio"/> (the pilot's, plugged in): <see cref="StopHalfWidth"/> with
    /// se² = s²/k and df = k − 1 at most log(1 + <paramref name="margin"/>). At least <see cref="ForMargin(double, double)"/>.
    /// </summary>
    public static int? ToStop(double sdLog, double logRatio, double margin) =>
        Smallest(k => StopHalfWidth(sdLog * sdLog / k, k - 1, logRatio, margin) <= Math.Log(1 + margin), 2);

    /// <summary>The smallest k ≥ 3 whose interval with the probe covariate (df = k − 2) is at most ±margin wide.</summary>
    public static int? ForMargin(ProbeFit fit, double margin) =>
        Smallest(k => TQuantile.Of(k - 2, 1 - (MetricComparison.Alpha / 2)) * Math.Sqrt(fit.Variance(k)) <= Math.Log(1 + margin), 3);

    /// <summary>The smallest k ≥ 3 at which a precision run with the probe covariate stops on this comparison (at the fit's intercept).</summary>
    public static int? ToStop(ProbeFit fit, double margin) =>
        Smallest(k => StopHalfWidth(fit.Variance(k), k - 2, fit.Intercept, margin) <= Math.Log(1 + margin), 3);

    /// <summary>
    /// What a precision run stops on (log scale): t_{0.975,df}·√(se² + min(e², ℓ²)/df), ℓ = log(1 + margin), for an
    /// estimate e of log(B/A) with variance se² on df degrees of freedom: the 95% interval's half-width with the
    /// spread measured about no change instead of about e (the residual sum of squares grows by e²/(se²/σ²)), e's
    /// share capped at the margin. Never less than the interval's own half-width t·se. docs/PRECISION.md.
    /// </summary>
    public static double StopHalfWidth(double variance, double df, double logRatio, double margin)
    {
        var cap = Math.Log(1 + margin);
        return TQuantile.Of(df, 1 - (MetricComparison.Alpha / 2)) * Math.Sqrt(variance + (Math.Min(logRatio * logRatio, cap * cap) / df));
    }

    /// <summary>t_{1−α/2, k−1}·s/√k: the half-width of the two-sided (1 − α) interval of the mean of k paired log differences.</summary>
    public static double HalfWidth(double sdLog, int k, double alpha) =>
        TQuantile.Of(k - 1, 1 - (alpha / 2)) * sdLog / Math.Sqrt(k);

    /// <summary>The sample standard deviation of <paramref name="differences"/> (divisor k − 1); null for fewer than 2.</summary>
    public static double? Sd(IReadOnlyList<double> differences)
    {
        if (differences.Count < 2)
        {
            return null;
        }

        var mean = differences.Average();
        return Math.Sqrt(differences.Sum(d => (d - mean) * (d - mean)) / (differences.Count - 1));
    }

    // Every condition above holds from some k on (h falls as k grows): a binary search finds the first such k.
    private static int? Smallest(Func<int, bool> enough, int from)
    {
        if (!enough(Limit))
        {
            return null;
        }

        var (low, high) = (from, Limit);
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            (low, high) = enough(mid) ? (low, mid) : (mid + 1, high);
        }

        return low;
    }
}

/// <summary>
/// The probe covariate fitted on a pilot's blocks as the block test fits it (<see cref="BlockTest"/>): d_b = β₀ + β₁·x_b
/// + e_b, x_b = log(probe of B's boot) − log(probe of A's boot), df = k − 2. With it, a run of k blocks whose x have
/// the pilot's mean and spread has Var(β̂₀) = s²·(1/k + x̄²/((k − 1)·v_x)).
/// </summary>
/// <param name="Blocks">The pilot's blocks with both probes.</param>
/// <param name="Intercept">β̂₀: log(B/A) at equal boot speeds.</param>
/// <param name="Slope">β̂₁.</param>
/// <param name="ResidualSd">s = √(RSS/(k − 2)): the spread the covariate leaves.</param>
/// <param name="PlainSd">The spread of the d_b without it (divisor k − 1), for comparison.</param>
/// <param name="MeanX">x̄.</param>
/// <param name="VarX">v_x = Sxx/(k − 1).</param>
public sealed record ProbeFit(int Blocks, double Intercept, double Slope, double ResidualSd, double PlainSd, double MeanX, double VarX)
{
    /// <summary>The share of the d_b's variance the covariate removes: 1 − s²/s²_plain (negative when the probe explains less than its degree of freedom costs).</summary>
    public double Removed => 1 - (ResidualSd * ResidualSd / (PlainSd * PlainSd));

    /// <summary>Var(β̂₀) after <paramref name="k"/> blocks like the pilot's.</summary>
    public double Variance(int k) => ResidualSd * ResidualSd * ((1.0 / k) + (MeanX * MeanX / ((k - 1) * VarX)));

    /// <summary>The fit of <paramref name="d"/> on <paramref name="x"/>, or why there is none.</summary>
    public static (ProbeFit? Fit, string? Why) Of(IReadOnlyList<double> d, IReadOnlyList<double> x)
    {
        var k = d.Count;
        if (k < 3)
        {
            return (null, $"{k} blocks with both probes leave no degree of freedom after the covariate");
        }

        var mx = x.Average();
        var md = d.Average();
        var sxx = x.Sum(v => (v - mx) * (v - mx));
        var ss = d.Sum(v => (v - md) * (v - md));
        if (sxx == 0 || ss == 0)
        {
            return (null, sxx == 0 ? "the probe did not vary between the blocks' boots" : "every block gave the same difference");
        }

        var slope = x.Zip(d).Sum(p => (p.First - mx) * (p.Second - md)) / sxx;
        var intercept = md - (slope * mx);
        var rss = x.Zip(d).Sum(p => Math.Pow(p.Second - intercept - (slope * p.First), 2));
        return (new ProbeFit(k, intercept, slope, Math.Sqrt(rss / (k - 2)), Math.Sqrt(ss / (k - 1)), mx, sxx / (k - 1)), null);
    }
}
