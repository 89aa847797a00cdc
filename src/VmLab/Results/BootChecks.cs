using System.Globalization;
using System.Text.Json.Serialization;
using VmLab.Counters;
using VmLab.Lab.Ledger;
using VmLab.Lab.Noise;
using VmLab.Lab.Plan;
using VmLab.Lab.Vm;

namespace VmLab.Results;

/// <summary>
/// One L1 boot as results.json records it: the scenario and repeat block it ran, what its consoles showed (L1's and
/// each L2 boot's facts), and every problem that makes the units it ran unusable for comparisons.
/// </summary>
/// <param name="Problems">Console findings (<c>console:</c>), missing facts (<c>fact missing:</c>), factors not in force (<c>factor:</c>).</param>
public sealed record BootSummary(
    string Scenario,
    int Boot,
    int Repeat,
    IReadOnlyDictionary<string, string> L1Facts,
    IReadOnlyList<IReadOnlyDictionary<string, string>> L2Facts,
    IReadOnlyList<string> Problems)
{
    /// <summary>How the boot started at the quiet gate, from units.json; null in runs without the gate.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public QuietStart? Quiet { get; init; }

    /// <summary>What else used L0's CPUs over the boot, from units.json; null when not measured.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Interference? L0 { get; init; }

    /// <summary>The boot's speed from the calibration probe, from units.json; null in runs before the probe.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Calibration? Calibration { get; init; }
}

/// <summary>
/// The checks that reach the verdicts (../shared/DESIGN.md, "Experimental design"): for a run the lab made (it has a
/// units.json), every raw output is tied to the boot that produced it, and that boot's consoles are read again from
/// raw/ — findings on L1's console taint every unit of the boot, findings on an L2 console the units that L2 boot
/// ran, a missing fact or a factor not in force taints the boot's units. Re-parsing an edited console (an injected
/// RCU stall) therefore changes the verdicts, and an interrupted boot, which has no boot record, is checked too.
/// </summary>
public sealed class BootChecks
{
    private readonly Dictionary<string, UnitRecord> _units;
    private readonly Dictionary<(string Scenario, int Boot), BootSummary> _boots = [];
    private readonly Dictionary<(string Scenario, int Boot), IReadOnlyDictionary<string, UnitCounters>> _counters = [];
    private readonly double? _disturbed;

    private BootChecks(Dictionary<string, UnitRecord> units, double? disturbed)
    {
        _units = units;
        _disturbed = disturbed;
    }

    /// <summary>The boots, ordered by number (the order they ran in).</summary>
    public IReadOnlyList<BootSummary> Boots => _boots.Values.OrderBy(b => b.Boot).ToList();

    /// <summary>The checks of <paramref name="run"/>, or null when it has no units.json (imported data, e.g. the 2023 reference).</summary>
    public static BootChecks? Read(RunDirectory run, Manifest? manifest)
    {
        if (RunLedger.Load(run.Path) is not { } ledger)
        {
            return null;
        }

        var checks = new BootChecks(ledger.Units.ToDictionary(u => u.Key, u => u.Value, StringComparer.Ordinal), manifest?.Noise?.DisturbedOtherCpu);
        var boots = ledger.Units.Values.Select(u => u.Boot).Concat(ledger.Boots.Keys).Distinct();
        foreach (var boot in boots.Order())
        {
            var scenario = ledger.Boots.GetValueOrDefault(boot)?.Scenario
                           ?? ledger.Units.Where(u => u.Value.Boot == boot).Select(u => u.Key.Split('/')[0]).FirstOrDefault();
            if (scenario is null)
            {
                continue;
            }

            var repeat = ledger.Boots.GetValueOrDefault(boot)?.Repeat
                         ?? ledger.Units.Where(u => u.Value.Boot == boot).Select(u => int.Parse(u.Key.Split('/')[^1], CultureInfo.InvariantCulture)).First();
            var evidence = BootEvidence.Read(Path.Combine(run.RawDir, scenario), boot);
            checks._counters[(scenario, boot)] = BootCounters.Read(Path.Combine(run.RawDir, scenario), boot);
            var expected = Expected(manifest, scenario);
            var problems = expected is null
                ? [.. evidence.L1Findings, .. evidence.L2Findings.SelectMany(f => f), $"fact missing: manifest.json does not describe scenario {scenario}, so its factor cannot be checked"]
                : evidence.Problems(expected);
            var record = ledger.Boots.GetValueOrDefault(boot);
            checks._boots[(scenario, boot)] = new BootSummary(scenario, boot, repeat, evidence.L1Facts, evidence.L2Facts, problems)
            {
                Quiet = record?.Quiet,
                L0 = record?.L0,
                Calibration = record?.Calibration,
            };
        }

        return checks;
    }

    /// <summary>
    /// The problems of the raw output <paramref name="file"/> (<c>raw/&lt;scenario&gt;/&lt;suite folder&gt;/&lt;repeat&gt;.txt</c>):
    /// its boot's, and the lab's own when the unit did not finish cleanly. Console logs have none here.
    /// </summary>
    /// <remarks>
    /// A raw output whose sha256 (<paramref name="sha256"/>) is not the one the lab recorded when it saved the file was
    /// changed since: its numbers are not the measurement, so the unit is invalid (<c>lab: sha256 …</c>).
    /// </remarks>
    public IReadOnlyList<string> ProblemsOf(string file, string? sha256 = null)
    {
        if (UnitKeyOf(file) is not { } key)
        {
            return [];
        }

        if (!_units.TryGetValue(key, out var unit))
        {
            return [$"lab: {key} is not in units.json, so no boot vouches for it"];
        }

        var problems = new List<string>();
        if (sha256 is not null && unit.Sha256 is not null && unit.Sha256 != sha256)
        {
            problems.Add($"lab: sha256 of {file} is {sha256[..12]}…, units.json recorded {unit.Sha256[..Math.Min(12, unit.Sha256.Length)]}… when the lab saved it: the file was changed since");
        }

        if (unit.Rebuilt == Witness.None)
        {
            problems.Add($"lab: units.json was rebuilt by vmlab lab repair and nothing had recorded the sha256 of {file} before (no console block, no earlier units.json or results.json): no record vouches for its content");
        }

        if (unit.State != UnitState.Done)
        {
            problems.Add($"lab: the unit is recorded as {unit.State.ToString().ToLowerInvariant()}: {unit.Problems.FirstOrDefault() ?? "no reason given"}");
        }

        if (unit.L0 is { } l0 && _disturbed is { } threshold && NoiseWatch.Disturbance(l0, threshold) is { } busy)
        {
            problems.Add(busy);
        }

        if (_boots.TryGetValue((key.Split('/')[0], unit.Boot), out var boot))
        {
            problems.AddRange(boot.Problems);
        }

        return problems;
    }

    /// <summary>What else used L0's CPUs while the unit of raw output <paramref name="file"/> ran; null when not measured.</summary>
    public Interference? InterferenceOf(string file) => UnitOf(file)?.L0;

    /// <summary>
    /// The counters of the unit of raw output <paramref name="file"/> (docs/PROTOCOL.md, "Counters"): the VMs' from the
    /// COUNT lines of its boot's consoles, L0's from units.json; null when neither has any (runs before issue 24).
    /// </summary>
    public UnitCounters? CountersOf(string file)
    {
        if (UnitKeyOf(file) is not { } key || !_units.TryGetValue(key, out var unit))
        {
            return null;
        }

        var parts = key.Split('/');
        var vm = _counters.GetValueOrDefault((parts[0], unit.Boot))?.GetValueOrDefault($"{parts[1]}/{parts[2]}");
        return vm is null ? unit.Counters : vm.With(unit.Counters);
    }

    /// <summary>What the record of raw output <paramref name="file"/> rests on when <c>vmlab lab repair</c> rebuilt it; null otherwise.</summary>
    public Witness? RebuiltOf(string file) => UnitOf(file)?.Rebuilt;

    /// <summary>The ledger key of raw output <paramref name="file"/> (<c>raw/&lt;scenario&gt;/&lt;suite&gt;/&lt;repeat&gt;.txt</c> → <c>scenario/suite/repeat</c>); null for anything else.</summary>
    private static string? UnitKeyOf(string file)
    {
        var parts = file.Split('/');
        return parts.Length == 4 && parts[3].EndsWith(".txt", StringComparison.Ordinal) ? $"{parts[1]}/{parts[2]}/{parts[3][..^4]}" : null;
    }

    private UnitRecord? UnitOf(string file) => UnitKeyOf(file) is { } key ? _units.GetValueOrDefault(key) : null;

    /// <summary>What <paramref name="scenario"/> requires, from the manifest the lab wrote; null when it is not described.</summary>
    private static ExpectedFactors? Expected(Manifest? manifest, string scenario)
    {
        if (manifest?.Scenarios.FirstOrDefault(s => s.Id == scenario) is not { } info
            || !Enum.TryParse<Layer>(info.System, out var measured)
            || !Enum.TryParse<ThpMode>(info.Thp, ignoreCase: true, out var thp))
        {
            return null;
        }

        var limit = manifest.VcpuRule?.L2Vcpus ?? Topology.StudyGuestCpus;
        return new ExpectedFactors(measured, info.L2Vcpus ?? limit, thp, info.Vhost != "off", limit);
    }
}
