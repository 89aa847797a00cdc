using MathNet.Numerics.Distributions;

namespace VmLab.Statistics;

/// <summary>
/// One headline comparison at one look of a precision run (<c>lab run --precision</c>): its estimate, interval and
/// p-values as the run's analysis gives them, and whether it is decided. Decided means significant after Holm's
/// adjustment, or the whole 95% interval of B/A lies within the equivalence margin [1/(1 + m), 1 + m].
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
/// <param name="Status">In words: "slower", "faster", "within ±10%", "undecided: …", "inconclusive: …".</param>
public sealed record ComparisonDecision(
    string Question, string Output, string Metric, int Blocks, double? Ratio, double? CiLow, double? CiHigh, double? P, double? PAdjusted, bool Decided, string Status)
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
        Smallest(k => HalfWidth(sdLog, k, MetricComparison.Alpha) <= Math.Log(1 + margin));

    /// <summary>
    /// The smallest k ≥ 2 at which a comparison whose true log ratio is <paramref name="logRatio"/> (the pilot's estimate,
    /// plugged in) is decided: significant at Holm's strictest level α/<paramref name="family"/> (the Bonferroni bound,
    /// so an upper bound on Holm's), |d| &gt; h_{α/F}(k), or its interval within the margin, |d| + h_{α}(k) ≤ log(1 + m).
    /// </summary>
    public static int? ToDecide(double sdLog, double logRatio, double margin, int family) =>
        Smallest(k => Math.Abs(logRatio) > HalfWidth(sdLog, k, MetricComparison.Alpha / Math.Max(1, family))
                      || Math.Abs(logRatio) + HalfWidth(sdLog, k, MetricComparison.Alpha) <= Math.Log(1 + margin));

    /// <summary>
    /// The smallest k ≥ 2 that decides whatever the true ratio: when h_{α/F}(k) + h_{α}(k) ≤ log(1 + m), an interval
    /// that is not significant lies within the margin.
    /// </summary>
    public static int? AnyRatio(double sdLog, double margin, int family) =>
        Smallest(k => HalfWidth(sdLog, k, MetricComparison.Alpha / Math.Max(1, family)) + HalfWidth(sdLog, k, MetricComparison.Alpha) <= Math.Log(1 + margin));

    /// <summary>t_{1−α/2, k−1}·s/√k: the half-width of the two-sided (1 − α) interval of the mean of k paired log differences.</summary>
    public static double HalfWidth(double sdLog, int k, double alpha) =>
        StudentT.InvCDF(0, 1, k - 1, 1 - (alpha / 2)) * sdLog / Math.Sqrt(k);

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
    private static int? Smallest(Func<int, bool> enough)
    {
        if (!enough(Limit))
        {
            return null;
        }

        var (low, high) = (2, Limit);
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            (low, high) = enough(mid) ? (low, mid) : (mid + 1, high);
        }

        return low;
    }
}
