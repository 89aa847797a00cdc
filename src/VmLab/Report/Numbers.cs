using System.Globalization;
using VmLab.Suites;

namespace VmLab.Report;

/// <summary>How the report prints numbers: invariant culture, about four significant digits, never exponents.</summary>
internal static class Numbers
{
    public static string Value(double v)
    {
        var a = Math.Abs(v);
        var format = a >= 1000 ? "0" : a >= 100 ? "0.0" : a >= 10 ? "0.00" : a >= 1 ? "0.000" : "0.####";
        return v.ToString(format, CultureInfo.InvariantCulture);
    }

    public static string Ratio(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);

    public static string P(double p) => p < 0.001 ? "<0.001" : p.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>A fraction as a percentage: 0.0234 → "2.3%", 0.456 → "46%".</summary>
    public static string Percent(double fraction)
    {
        var pct = fraction * 100;
        return pct.ToString(Math.Abs(pct) >= 10 ? "0" : "0.0", CultureInfo.InvariantCulture) + "%";
    }

    /// <summary>Which way a metric improves, as the tables mark it: ↑, ↓, or – for a descriptive one.</summary>
    public static string Arrow(MetricDirection direction) => direction switch
    {
        MetricDirection.HigherIsBetter => "↑",
        MetricDirection.LowerIsBetter => "↓",
        _ => "–",
    };

    /// <summary>A detectable change down and up: "-57% / +133%"; a rise beyond 10 (+1000%) is "over +1000%".</summary>
    public static string Detectable(VmLab.Statistics.DetectableChange d) =>
        $"{Change(1 + d.Down)} / {(d.Up >= 10 ? "over +1000%" : Change(1 + d.Up))}";

    /// <summary>A ratio as a signed change: 1.49 → "+49%".</summary>
    public static string Change(double ratio)
    {
        var pct = (ratio - 1) * 100;
        return (pct >= 0 ? "+" : "") + pct.ToString(Math.Abs(pct) >= 10 ? "0" : "0.0", CultureInfo.InvariantCulture) + "%";
    }
}
