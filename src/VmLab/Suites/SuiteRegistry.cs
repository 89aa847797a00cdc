using VmLab.Lab.Plan;

namespace VmLab.Suites;

/// <summary>
/// One suite as a vertical slice (<c>src/VmLab/Suites/&lt;Name&gt;/</c>, docs/ADDING-A-SUITE.md): the parser that reads
/// its raw output, the catalog of the metrics that parser produces (unit, direction, headline, group) and the
/// commands the lab runs for it.
/// </summary>
/// <param name="Parser">Reads one raw output; its <see cref="ISuiteParser.Suite"/> is the suite id.</param>
/// <param name="Catalog">What the parsed metrics mean and which one is tested.</param>
/// <param name="Settings">
/// The suite's settings in a profile and the commands they make, one per output (netperf has two:
/// <c>netperf-stream</c>, <c>netperf-rr</c>); null for the console scan, which the lab does not run but reads from
/// every boot.
/// </param>
/// <param name="ParseOptions">
/// What <c>vmlab parse</c> takes for this suite beyond the file (ab's <c>--expected-length</c>): values the parser reads
/// from its <see cref="ParseContext"/>; none when null.
/// </param>
public sealed record SuiteDefinition(ISuiteParser Parser, MetricCatalog Catalog, SuiteSettings? Settings, IReadOnlyList<ParseOption>? ParseOptions = null)
{
    /// <summary>The suite's <c>vmlab parse</c> options (<see cref="ParseOptions"/>, or none).</summary>
    public IReadOnlyList<ParseOption> Options => ParseOptions ?? [];

    /// <summary>The suite name used on the command line, in raw/ paths, in results.json and in lab/profiles.json (<c>ab</c>).</summary>
    public string Id => Parser.Suite;

    /// <summary>False for the console scan, which validates units rather than measuring anything.</summary>
    public bool IsBenchmark => Settings is not null;

    /// <summary>The suite's commands with <paramref name="profile"/>'s settings; none for the console scan.</summary>
    public IEnumerable<ILabSuite> Commands(LabProfile profile) =>
        Settings is null ? [] : Settings.Commands(profile.SettingsOf(Id));

    /// <summary>
    /// True when raw/ folder <paramref name="folder"/> holds this suite's outputs: the suite id itself, or the id and a
    /// variant suffix after a '-' (the lab keeps netperf's TCP_STREAM and TCP_RR apart as <c>netperf-stream</c> and
    /// <c>netperf-rr</c>, docs/CONTRACTS.md; the report tells them apart by the test named in each output).
    /// </summary>
    public bool HoldsOutputsIn(string folder) =>
        string.Equals(folder, Id, StringComparison.OrdinalIgnoreCase)
        || (folder.IndexOf('-') is > 0 and var dash && string.Equals(folder[..dash], Id, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// Every suite, registered in one place: the parsers (<see cref="SuiteParsers"/>), the metric catalogs the report
/// and the statistics read, the commands the lab runs (<see cref="LabProfile.Suites"/>), and the order the study
/// introduces the suites in. Adding a suite is one folder and one line here (docs/ADDING-A-SUITE.md).
/// </summary>
public static class SuiteRegistry
{
    /// <summary>All suites, in the order the study introduces them; the console scan last.</summary>
    public static IReadOnlyList<SuiteDefinition> All { get; } =
    [
        new(new HackbenchParser(), new HackbenchCatalog(), SuiteSettings.Of<HackbenchCommand>(s => [s])),
        new(new KernbenchParser(), new KernbenchCatalog(), SuiteSettings.Of<KernbenchCommand>(s => [s])),
        new(new NetperfParser(), new NetperfCatalog(), SuiteSettings.Of<NetperfSettings>(s => s.Tests), [NetperfParser.Test]),
        new(new ApacheBenchParser(), new ApacheBenchCatalog(), SuiteSettings.Of<ApacheBenchCommand>(s => [s]), [ApacheBenchParser.ExpectedLength]),
        new(new UnixBenchParser(), new UnixBenchCatalog(), SuiteSettings.Of<UnixBenchCommand>(s => [s])),
        new(new ConsoleLogParser(), new ConsoleLogCatalog(), Settings: null),
    ];

    /// <summary>The suite <paramref name="id"/> (case-insensitive), or null when there is no such suite.</summary>
    public static SuiteDefinition? Find(string id) =>
        All.FirstOrDefault(s => string.Equals(s.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>The suite <paramref name="id"/>; throws when there is no such suite.</summary>
    public static SuiteDefinition Get(string id) =>
        Find(id) ?? throw new ArgumentException($"No suite '{id}'; the suites are {string.Join(", ", All.Select(s => s.Id))}.", nameof(id));

    /// <summary>The metric catalog of <paramref name="suite"/>; throws when there is no such suite.</summary>
    public static MetricCatalog Catalog(string suite) => Get(suite).Catalog;

    /// <summary>
    /// The suite whose outputs raw/ folder (or unit suite id) <paramref name="folder"/> holds (<c>netperf-rr</c> →
    /// netperf), by <see cref="SuiteDefinition.HoldsOutputsIn"/>; an exact id wins over a variant. Null when none does.
    /// </summary>
    public static SuiteDefinition? OfOutput(string folder) =>
        Find(folder) ?? All.FirstOrDefault(s => s.HoldsOutputsIn(folder));

    /// <summary>
    /// The commands of every benchmark suite with <paramref name="profile"/>'s settings, in the order a boot runs them:
    /// network suites first (services fresh), then CPU-bound ones, each group in registry order.
    /// </summary>
    public static IReadOnlyList<ILabSuite> Commands(LabProfile profile) =>
        All.SelectMany(s => s.Commands(profile))
            .OrderBy(c => c.IsNetwork ? 0 : 1)
            .ToList();
}
