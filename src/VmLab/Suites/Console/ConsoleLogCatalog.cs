using static VmLab.Suites.MetricDirection;
using static VmLab.Suites.MetricRole;

namespace VmLab.Suites;

/// <summary>
/// The console scan's counts (<see cref="ConsoleLogParser"/>). A console log is not a benchmark: it has no headline,
/// and any finding makes the units of its boot invalid rather than slower.
/// </summary>
public sealed class ConsoleLogCatalog : MetricCatalog
{
    /// <inheritdoc />
    public override string Suite => ConsoleLogParser.Id;

    /// <inheritdoc />
    public override IReadOnlyList<MetricDefinition> Metrics { get; } =
        ConsoleLogParser.Kinds.Select(k => new MetricDefinition(k.Metric, "findings", LowerIsBetter, Recorded, "console log", $"{k.Words}s in the log")).ToArray();

    /// <inheritdoc />
    public override string? Headline(IReadOnlyDictionary<string, MetricValue> output) => null;
}
