using MathNet.Numerics.Distributions;

namespace VmLab.Statistics;

/// <summary>
/// What a set of repeats of one metric says: n, mean, sample standard deviation, coefficient of variation and the
/// 95% confidence interval of the mean (Student t with n-1 degrees of freedom). Spread figures are null when n &lt; 2,
/// because one run says nothing about how much the next one would differ.
/// </summary>
/// <param name="N">The number of repeats.</param>
/// <param name="Mean">The arithmetic mean.</param>
/// <param name="Sd">The sample standard deviation (divisor n-1); null when n &lt; 2.</param>
/// <param name="Cv">Sd / |mean|; null when n &lt; 2 or the mean is 0.</param>
/// <param name="CiLow">Lower end of the 95% confidence interval of the mean; null when n &lt; 2.</param>
/// <param name="CiHigh">Upper end of the 95% confidence interval of the mean; null when n &lt; 2.</param>
public sealed record SampleSummary(int N, double Mean, double? Sd, double? Cv, double? CiLow, double? CiHigh)
{
    /// <summary>The confidence level of <see cref="CiLow"/>/<see cref="CiHigh"/> and of comparisons.</summary>
    public const double Confidence = 0.95;

    /// <summary>Summarises <paramref name="values"/>; throws when there are none.</summary>
    public static SampleSummary Of(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("A summary needs at least one value.", nameof(values));
        }

        var n = values.Count;
        var mean = values.Average();
        if (n < 2)
        {
            return new SampleSummary(n, mean, null, null, null, null);
        }

        var sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        var half = TQuantile.Of(n - 1, 1 - ((1 - Confidence) / 2)) * sd / Math.Sqrt(n);
        return new SampleSummary(n, mean, sd, mean == 0 ? null : sd / Math.Abs(mean), mean - half, mean + half);
    }

    /// <summary>Sd² / n: the variance of the mean, the building block of Welch's test.</summary>
    internal double VarianceOfMean => Sd is { } sd ? sd * sd / N : double.NaN;
}
