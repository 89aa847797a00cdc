namespace VmLab.Suites;

/// <summary>
/// The parser of every suite, by the suite name used on the command line, in raw/ paths and in results.json: the
/// parser view of <see cref="SuiteRegistry"/>.
/// </summary>
public static class SuiteParsers
{
    /// <summary>All parsers, in the order the study introduces the suites.</summary>
    public static IReadOnlyList<ISuiteParser> All { get; } = SuiteRegistry.All.Select(s => s.Parser).ToArray();

    /// <summary>The suite names: <c>hackbench</c>, <c>kernbench</c>, <c>netperf</c>, <c>ab</c>, <c>unixbench</c>, <c>console</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = SuiteRegistry.All.Select(s => s.Id).ToArray();

    /// <summary>The parser for <paramref name="suite"/> (case-insensitive), or null when there is no such suite.</summary>
    public static ISuiteParser? Find(string suite) => SuiteRegistry.Find(suite)?.Parser;

    /// <summary>The parser for <paramref name="suite"/>; throws when there is no such suite.</summary>
    public static ISuiteParser Get(string suite) => SuiteRegistry.Get(suite).Parser;

    /// <summary>
    /// Which way <paramref name="metric"/> of <paramref name="suite"/> improves (for verdicts: "faster", "slower"),
    /// from the suite's <see cref="MetricCatalog"/>.
    /// </summary>
    public static MetricDirection Direction(string suite, string metric) => SuiteRegistry.Catalog(suite).Direction(metric);
}
