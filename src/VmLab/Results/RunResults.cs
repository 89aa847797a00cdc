using VmLab.Suites;

namespace VmLab.Results;

/// <summary>
/// <c>results.json</c>: every raw file of a run parsed, derived only from <c>raw/</c> (<c>vmlab parse-run</c>
/// recomputes it). Units are ordered by scenario, suite, repeat so the file is stable.
/// </summary>
/// <param name="RunId">The run id, as in the manifest.</param>
/// <param name="Units">One entry per raw file.</param>
public sealed record RunResults(string RunId, IReadOnlyList<UnitResult> Units)
{
    /// <summary>Bumped when the shape of results.json changes.</summary>
    public int SchemaVersion { get; init; } = 1;

    /// <summary>
    /// The lab's boots with their consoles' facts and problems (<see cref="BootChecks"/>); null for imported runs
    /// without a units.json (the 2023 reference), and then left out of the file.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<BootSummary>? Boots { get; init; }
}

/// <summary>One raw file parsed: one repeat of one suite in one scenario (or one console log).</summary>
/// <param name="Scenario">The scenario id (directory under raw/).</param>
/// <param name="Suite">The suite; <c>console</c> for console logs.</param>
/// <param name="Repeat">The repeat number as in the file name; for console logs the boot name.</param>
/// <param name="File">The raw file, relative to the run directory, with '/' separators.</param>
/// <param name="Sha256">The raw file's sha256, so a reader can tell the numbers came from that file.</param>
/// <param name="UnrecognisedReason">Why the file is not the suite's output; null when it was recognised.</param>
/// <param name="Metrics">The parsed metrics (empty when unrecognised).</param>
/// <param name="Problems">The parser's validity problems.</param>
/// <param name="DuplicateOf">
/// Other raw files whose measurement is identical to this one (see <see cref="DuplicateDetector"/>): the same
/// output presented twice is one measurement, not two.
/// </param>
public sealed record UnitResult(
    string Scenario,
    string Suite,
    string Repeat,
    string File,
    string Sha256,
    string? UnrecognisedReason,
    IReadOnlyDictionary<string, MetricValue> Metrics,
    IReadOnlyList<string> Problems,
    IReadOnlyList<string> DuplicateOf)
{
    /// <summary>What else used L0's CPUs while the unit ran (from units.json); null when not measured, and then left out of the file.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public VmLab.Lab.Noise.Interference? L0 { get; init; }

    /// <summary>
    /// The unit's counters in every layer (docs/PROTOCOL.md, "Counters"; names in <see cref="VmLab.Counters.CounterCatalog"/>):
    /// the VMs' from the consoles in raw/, L0's from units.json; null for runs without them, and then left out of the file.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public VmLab.Counters.UnitCounters? Counters { get; init; }

    /// <summary>
    /// Set when units.json was rebuilt by <c>vmlab lab repair</c>: what vouches for this file's sha256 since (null: the
    /// lab's own record, and then left out of the file).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public VmLab.Lab.Ledger.Witness? Rebuilt { get; init; }

    /// <summary>True when the file was the suite's output.</summary>
    public bool Recognised => UnrecognisedReason is null;

    /// <summary>True when the numbers can be used: recognised, no problem, not a copy of another unit.</summary>
    public bool Valid => Recognised && Problems.Count == 0 && DuplicateOf.Count == 0;

    /// <summary>
    /// What distinguishes workloads inside one suite: its text metrics (netperf's <c>test</c>, hackbench's
    /// <c>mode</c>). TCP_STREAM and TCP_RR repeats of one scenario are different samples.
    /// </summary>
    public string Workload => string.Join(" ", Metrics.Where(m => !m.Value.IsNumber).OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => m.Value.Text));

    /// <summary>Every reason not to trust this unit, in words.</summary>
    public IEnumerable<string> Reasons()
    {
        if (UnrecognisedReason is not null)
        {
            yield return $"not {Suite} output: {UnrecognisedReason}";
        }

        foreach (var p in Problems)
        {
            yield return p;
        }

        if (DuplicateOf.Count > 0)
        {
            yield return $"identical to {string.Join(", ", DuplicateOf)}: the same output reused, not an independent measurement";
        }
    }
}
