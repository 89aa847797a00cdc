namespace VmLab.Suites;

/// <summary>The parser of every suite, by the suite name used on the command line, in raw/ paths and in results.json.</summary>
public static class SuiteParsers
{
    /// <summary>All parsers, in the order the study introduces the suites.</summary>
    public static IReadOnlyList<ISuiteParser> All { get; } =
    [
        new HackbenchParser(),
        new KernbenchParser(),
        new NetperfParser(),
        new ApacheBenchParser(),
        new UnixBenchParser(),
        new ConsoleLogParser(),
    ];

    /// <summary>The suite names: <c>hackbench</c>, <c>kernbench</c>, <c>netperf</c>, <c>ab</c>, <c>unixbench</c>, <c>console</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(p => p.Suite).ToArray();

    /// <summary>The parser for <paramref name="suite"/> (case-insensitive), or null when there is no such suite.</summary>
    public static ISuiteParser? Find(string suite) =>
        All.FirstOrDefault(p => string.Equals(p.Suite, suite, StringComparison.OrdinalIgnoreCase));

    /// <summary>The parser for <paramref name="suite"/>; throws when there is no such suite.</summary>
    public static ISuiteParser Get(string suite) =>
        Find(suite) ?? throw new ArgumentException($"No suite '{suite}'; the suites are {string.Join(", ", Names)}.", nameof(suite));

    /// <summary>Which way <paramref name="metric"/> of <paramref name="suite"/> improves (for verdicts: "faster", "slower").</summary>
    public static MetricDirection Direction(string suite, string metric) => Get(suite).Direction(metric);
}
