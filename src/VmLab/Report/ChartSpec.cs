namespace VmLab.Report;

/// <summary>
/// One grouped bar chart: per metric, A and B as a percentage of A's mean, with ±1 sd error bars (absent when n=1).
/// Percentages put seconds, Mb/s and requests/s on one axis.
/// </summary>
/// <param name="File">The file name under charts/.</param>
/// <param name="Title">The chart title.</param>
/// <param name="ALabel">The legend label of A.</param>
/// <param name="BLabel">The legend label of B.</param>
/// <param name="Groups">One group per metric.</param>
public sealed record ChartSpec(string File, string Title, string ALabel, string BLabel, IReadOnlyList<ChartGroup> Groups);

/// <summary>One metric's pair of bars.</summary>
public sealed record ChartGroup(string Metric, double A, double? AError, double B, double? BError);
