using VmLab.Statistics;
using VmLab.Suites;

namespace VmLab.Report;

/// <summary>
/// How the report's tables show a value, called by the templates as <c>cells.&lt;name&gt;</c> (e.g.
/// <c>{{ r.p | cells.p }}</c>): the models carry numbers and enums, and a value that is absent (not tested, no
/// spread, nothing to divide by) shows as "–".
/// </summary>
internal static class Cells
{
    private const string None = "–";

    /// <summary>Mean ± sample standard deviation, or the mean alone for a single value: "855.0 ± 21.66".</summary>
    public static string MeanSd(SampleSummary s) => s.Sd is { } sd ? $"{Numbers.Value(s.Mean)} ± {Numbers.Value(sd)}" : Numbers.Value(s.Mean);

    /// <summary>A coefficient of variation as a percentage: 0.025 → "2.5%".</summary>
    public static string Cv(double? cv) => cv is { } v ? Numbers.Percent(v) : None;

    /// <summary>A ratio B/A: "1.020".</summary>
    public static string Ratio(double? ratio) => ratio is { } r ? Numbers.Ratio(r) : None;

    /// <summary>A ratio's interval: "0.884–1.177"; "–" unless both ends are known.</summary>
    public static string Interval(double? low, double? high) => low is { } lo && high is { } hi ? $"{Numbers.Ratio(lo)}–{Numbers.Ratio(hi)}" : None;

    /// <summary>A p-value: "0.002", "&lt;0.001".</summary>
    public static string P(double? p) => p is { } v ? Numbers.P(v) : None;

    /// <summary>The changes down and up a comparison could detect (after Holm): "-57% / +133%".</summary>
    public static string Mde(DetectableChange? mde) => mde is { } v ? Numbers.Detectable(v) : None;

    /// <summary>Which way a metric improves: ↑, ↓, or – for a descriptive one.</summary>
    public static string Arrow(MetricDirection direction) => Numbers.Arrow(direction);

    /// <summary>A verdict's words; no verdict is a metric that was not tested.</summary>
    public static string Verdict(Verdict? verdict) => verdict is { } v ? VerdictText.Of(v) : "not tested";
}
