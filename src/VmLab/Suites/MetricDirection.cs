namespace VmLab.Suites;

/// <summary>
/// Which way a metric improves, so a comparison can say "faster" or "slower" rather than "different".
/// Every suite's <see cref="MetricCatalog"/> gives it for each metric its parser produces.
/// </summary>
public enum MetricDirection
{
    /// <summary>Descriptive, not a performance figure: a label, a size, a count of tasks, a spread.</summary>
    None,

    /// <summary>More is better: throughput, transactions or requests per second, UnixBench indices.</summary>
    HigherIsBetter,

    /// <summary>Less is better: times, latencies, failures, console findings.</summary>
    LowerIsBetter,
}
