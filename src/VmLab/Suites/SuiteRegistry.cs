namespace VmLab.Suites;

/// <summary>
/// One suite as a vertical slice: its name, the parser that reads its raw output and the catalog of the metrics
/// that parser produces (unit, direction, headline, group).
/// </summary>
/// <param name="Id">The suite name used on the command line, in raw/ paths and in results.json (<c>ab</c>).</param>
/// <param name="Parser">Reads one raw output.</param>
/// <param name="Catalog">What the parsed metrics mean and which one is tested.</param>
/// <param name="IsBenchmark">False for the console scan, which validates units rather than measuring anything.</param>
public sealed record SuiteDefinition(string Id, ISuiteParser Parser, MetricCatalog Catalog, bool IsBenchmark = true);

/// <summary>
/// Every suite, registered in one place: the parsers (<see cref="SuiteParsers"/>), the metric catalogs the report
/// and the statistics read, and the order the study introduces the suites in.
/// </summary>
public static class SuiteRegistry
{
    /// <summary>All suites, in the order the study introduces them; the console scan last.</summary>
    public static IReadOnlyList<SuiteDefinition> All { get; } =
    [
        new("hackbench", new HackbenchParser(), new HackbenchCatalog()),
        new("kernbench", new KernbenchParser(), new KernbenchCatalog()),
        new("netperf", new NetperfParser(), new NetperfCatalog()),
        new("ab", new ApacheBenchParser(), new ApacheBenchCatalog()),
        new("unixbench", new UnixBenchParser(), new UnixBenchCatalog()),
        new("console", new ConsoleLogParser(), new ConsoleLogCatalog(), IsBenchmark: false),
    ];

    /// <summary>The suite <paramref name="id"/> (case-insensitive), or null when there is no such suite.</summary>
    public static SuiteDefinition? Find(string id) =>
        All.FirstOrDefault(s => string.Equals(s.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>The suite <paramref name="id"/>; throws when there is no such suite.</summary>
    public static SuiteDefinition Get(string id) =>
        Find(id) ?? throw new ArgumentException($"No suite '{id}'; the suites are {string.Join(", ", All.Select(s => s.Id))}.", nameof(id));

    /// <summary>The metric catalog of <paramref name="suite"/>; throws when there is no such suite.</summary>
    public static MetricCatalog Catalog(string suite) => Get(suite).Catalog;
}
