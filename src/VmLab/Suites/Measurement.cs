namespace VmLab.Suites;

/// <summary>
/// What one benchmark output says, in the lab's metric names, plus everything that makes it untrustworthy.
/// A measurement with problems is still kept (raw data is never thrown away) but is <see cref="Valid"/> = false.
/// </summary>
/// <param name="Suite">The suite name as used on the command line and in results.json (e.g. <c>ab</c>).</param>
/// <param name="Metrics">Metric name → value, names exactly as documented per suite, ordinal-sorted.</param>
/// <param name="Problems">Validity problems in plain words; empty when the run can be trusted.</param>
public sealed record Measurement(
    string Suite,
    IReadOnlyDictionary<string, MetricValue> Metrics,
    IReadOnlyList<string> Problems)
{
    public bool Valid => Problems.Count == 0;

    /// <summary>The numeric value of <paramref name="metric"/>, or null when absent or not a number.</summary>
    public double? Number(string metric) => Metrics.TryGetValue(metric, out var v) ? v.Number : null;
}
