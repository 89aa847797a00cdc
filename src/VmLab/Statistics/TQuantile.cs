using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace VmLab.Statistics;

/// <summary>
/// Student's t quantile for every level the analysis asks for. MathNet's <see cref="StudentT.InvCDF"/> searches a
/// bounded bracket and throws beyond it, which Holm's strictest level reaches in a large family at few degrees of
/// freedom (1 − 0.05/200 at df 2 is t = 44.70; at df 1, 1273.2: a mechanism family of 100 at three blocks). There it
/// bisects the CDF on a doubling bracket instead.
/// </summary>
public static class TQuantile
{
    /// <summary>The <paramref name="p"/> quantile of Student's t with <paramref name="df"/> degrees of freedom (df &gt; 0, 0 &lt; p &lt; 1).</summary>
    public static double Of(double df, double p)
    {
        if (!(df > 0) || !(p > 0 && p < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), $"a t quantile needs df > 0 and 0 < p < 1, not df {df}, p {p}");
        }

        if (p < 0.5)
        {
            return -Of(df, 1 - p);
        }

        try
        {
            return StudentT.InvCDF(0, 1, df, p);
        }
        catch (NonConvergenceException)
        {
            // Beyond MathNet's bracket: the CDF is monotone, so double the upper end until it passes p, then bisect.
        }

        var (low, high) = (0.0, 1.0);
        while (StudentT.CDF(0, 1, df, high) < p)
        {
            (low, high) = (high, high * 2);
        }

        while (high - low > 1e-12 * high)
        {
            var mid = (low + high) / 2;
            if (StudentT.CDF(0, 1, df, mid) < p)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return (low + high) / 2;
    }
}
