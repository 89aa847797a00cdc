using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.Json;
using VmLab.Common;
using VmLab.Lab.Noise;
using VmLab.Lab.Plan;
using VmLab.Lab.Vm;

namespace VmLab.Lab.Ledger;

/// <summary>One measurement of the study: a suite, in a scenario, one repeat. The grain of results and of resuming.</summary>
public sealed record LabUnit(string Scenario, string Suite, int Repeat)
{
    /// <summary><c>baseline/hackbench/1</c>: the ledger key.</summary>
    public string Key => $"{Scenario}/{Suite}/{Repeat.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The raw file, relative to the run directory (docs/CONTRACTS.md).</summary>
    public string RawPath => $"raw/{Scenario}/{Suite}/{Repeat.ToString(CultureInfo.InvariantCulture)}.txt";

    public override string ToString() => Key;
}

/// <summary>How a unit ended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<UnitState>))]
public enum UnitState
{
    /// <summary>Ran and its raw output is saved (it may still be invalid: see <see cref="UnitRecord.Problems"/>).</summary>
    Done,

    /// <summary>Did not produce output: the VM hung or crashed, the transfer failed, the suite timed out.</summary>
    Failed,

    /// <summary>The tool is not in the image (e.g. UnixBench offline); the reason says why.</summary>
    Unavailable,
}

/// <summary>What the lab knows about one finished unit.</summary>
/// <param name="Boot">The L1 boot that ran it (its console is <c>raw/&lt;scenario&gt;/console-&lt;boot&gt;.log</c>).</param>
/// <param name="ExitCode">The suite command's exit code in the VM, when it reported one.</param>
/// <param name="Seconds">The suite's duration in the VM, when it reported one.</param>
/// <param name="Sha256">The raw file's sha256, so a resume can tell a saved file from a lost or damaged one.</param>
/// <param name="Problems">Why the unit failed, or why its numbers must not be trusted (factor not in force, stall during it).</param>
public sealed record UnitRecord(
    UnitState State,
    int Boot,
    int? ExitCode,
    double? Seconds,
    string? Sha256,
    IReadOnlyList<string> Problems)
{
    /// <summary>What else used L0's CPUs while the unit ran (sampled on L0); null when not measured (older runs, no window).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Interference? L0 { get; init; }

    /// <summary>
    /// L0's counters of the unit (<c>l0.*</c>: the CPU time of L1's QEMU threads over the unit, read by the lab at its
    /// edges); null when not read (runs before issue 24). The VMs' counters are in the consoles in raw/.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public VmLab.Counters.UnitCounters? Counters { get; init; }

    /// <summary>
    /// Set by <c>vmlab lab repair</c>: the record was rebuilt, and this is what its sha256 rests on. Null for the lab's
    /// own records (and then absent from units.json).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Witness? Rebuilt { get; init; }
}

/// <summary>What a rebuilt unit record's sha256 rests on (<see cref="LedgerRepair"/>), strongest first.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Witness>))]
public enum Witness
{
    /// <summary>The ledger that was replaced (<c>lab repair --force</c>) recorded it when the lab saved the file.</summary>
    Ledger,

    /// <summary>The unit block the VM printed on its console as it sent the file.</summary>
    Console,

    /// <summary>results.json recorded it when the run was last parsed.</summary>
    Results,

    /// <summary>Nothing: the sha256 is the file's own as found, so no record vouches for its content.</summary>
    None,
}

/// <summary>
/// How a boot ended, as units.json spells it: <c>finished</c>, or why not (killed, stopped early, unknown), in words.
/// </summary>
/// <param name="Failure">Why the boot did not finish; null when it did.</param>
[JsonConverter(typeof(BootEndJsonConverter))]
public sealed record BootEnd(string? Failure)
{
    private const string FinishedText = "finished";

    /// <summary>The job ran to its end.</summary>
    public static BootEnd Finished { get; } = new((string?)null);

    public bool IsFinished => Failure is null;

    /// <summary>A boot that did not finish, and why.</summary>
    public static BootEnd Failed(string reason) => new(reason);

    /// <summary>Reads the ledger's text back.</summary>
    public static BootEnd Parse(string text) => text == FinishedText ? Finished : new BootEnd(text);

    public override string ToString() => Failure ?? FinishedText;

    private sealed class BootEndJsonConverter : JsonConverter<BootEnd>
    {
        public override BootEnd Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Parse(reader.GetString() ?? throw new JsonException("a boot's outcome must be a string"));

        public override void Write(Utf8JsonWriter writer, BootEnd value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }
}

/// <summary>What one L1 boot was and how it ended: the facts both layers reported, for the manifest's environment.</summary>
/// <param name="Outcome">Finished, or why the VM was killed or stopped.</param>
public sealed record BootRecord(
    string Scenario,
    int Repeat,
    BootEnd Outcome,
    double Seconds,
    IReadOnlyDictionary<string, string> L1Facts,
    IReadOnlyList<IReadOnlyDictionary<string, string>> L2Facts)
{
    /// <summary>
    /// The boot's time line by L0's clock (<see cref="BootTimeline"/>); null for boots recorded before it existed, or
    /// rebuilt from consoles (which have no L0 times).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<TimelineMark>? Timeline { get; init; }

    /// <summary>How the boot started at the quiet gate (null when the run had no gate: older runs, tests).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public QuietStart? Quiet { get; init; }

    /// <summary>What else used L0's CPUs over the whole boot; null when not measured.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Interference? L0 { get; init; }

    /// <summary>The boot's speed from the calibration probe on L0 and in L1; null in runs before the probe.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Calibration? Calibration { get; init; }
}

/// <summary>
/// The lab's resume bookkeeping: every finished unit of a run, in <c>units.json</c> beside <c>raw/</c>, rewritten
/// atomically after each unit. A resumed run skips exactly the units recorded here whose raw file is still intact,
/// and numbers its boots after the last one, so nothing is repeated, lost or overwritten.
/// </summary>
public sealed partial record RunLedger(
    string RunId,
    string Profile,
    int LastBoot,
    ImmutableSortedDictionary<string, UnitRecord> Units,
    ImmutableSortedDictionary<int, BootRecord> Boots)
{
    public const string FileName = "units.json";

    /// <summary>The run's seeded order (repeat blocks); a resume runs the remaining boots in this order. Null in ledgers older than the order.</summary>
    public RunOrder? Order { get; init; }

    private static readonly JsonSerializerOptions Options = VmLab.Results.RunJson.Strict(new(JsonSerializerDefaults.Web) { WriteIndented = true });

    public static RunLedger Empty(string runId, string profile) =>
        new(runId, profile, 0, ImmutableSortedDictionary.Create<string, UnitRecord>(StringComparer.Ordinal), ImmutableSortedDictionary<int, BootRecord>.Empty);

    /// <summary>The ledger with boot <paramref name="number"/>'s record.</summary>
    public RunLedger With(int number, BootRecord boot) => this with { Boots = Boots.SetItem(number, boot) };

    /// <summary>The ledger with <paramref name="unit"/> recorded (replacing any earlier record of it).</summary>
    public RunLedger With(LabUnit unit, UnitRecord record) => this with { Units = Units.SetItem(unit.Key, record) };

    /// <summary>The ledger after boot <paramref name="boot"/> started (so a resume never reuses its number).</summary>
    public RunLedger WithBoot(int boot) => this with { LastBoot = Math.Max(LastBoot, boot) };

    public UnitRecord? this[LabUnit unit] => Units.GetValueOrDefault(unit.Key);

    /// <summary>
    /// Whether <paramref name="unit"/> still has to run: never recorded; or recorded done but its raw file is gone or
    /// differs from what was received (then it is run again rather than reported from a damaged file); or failed and
    /// <paramref name="retryFailed"/>.
    /// </summary>
    public bool IsPending(LabUnit unit, string runDirectory, bool retryFailed = false)
    {
        if (this[unit] is not { } record)
        {
            return true;
        }

        return record.State switch
        {
            UnitState.Done => !File.Exists(Path.Combine(runDirectory, unit.RawPath))
                              || Hashing.Sha256OfFile(Path.Combine(runDirectory, unit.RawPath)) != record.Sha256,
            UnitState.Failed => retryFailed,
            _ => false,
        };
    }

    /// <summary>Reads the ledger of <paramref name="runDirectory"/>, or null when the run has none yet.</summary>
    public static RunLedger? Load(string runDirectory)
    {
        var path = Path.Combine(runDirectory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        RunLedger? ledger;
        var text = FileNode.ReadRegularText(path, 64L * 1024 * 1024);
        try
        {
            ledger = VmLab.Results.RunJson.Deserialize<RunLedger>(text, path, Options);
        }
        catch (JsonException e)
        {
            throw Unreadable(path, runDirectory, text.Trim().Length == 0 ? "it is empty" : e.Message.TrimEnd('.'), e);
        }

        if (ledger.Units is null || ledger.RunId is null || ledger.Profile is null)
        {
            throw Unreadable(path, runDirectory, "it holds no ledger (no run id, profile or units)", null);
        }

        // A unit's key names its raw file (raw/<key>.txt): anything else would make checks look for files that cannot exist.
        if (ledger.Units.Keys.FirstOrDefault(k => !UnitKey().IsMatch(k)) is { } key)
        {
            throw Unreadable(path, runDirectory, $"the unit key '{key}' is not <scenario>/<suite>/<repeat> (e.g. baseline/ab/1: ids of letters, digits, '-', '_', '.', and a repeat from 1)", null);
        }

        return ledger with
        {
            Units = ledger.Units.WithComparers(StringComparer.Ordinal),
            Boots = ledger.Boots ?? ImmutableSortedDictionary<int, BootRecord>.Empty,
        };
    }

    // After a power loss before AtomicFile synced (or an edit), units.json can be empty or cut short; the raw files
    // and their console markers still hold the record.
    private static LabException Unreadable(string path, string runDirectory, string why, Exception? inner) =>
        new($"{path} cannot be read: {why}. The run's ledger (which units are done, with their sha256s) is damaged.",
            $"rebuild it from raw/ and the console logs: vmlab lab repair {runDirectory}", inner);

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*/[1-9][0-9]{0,8}$")]
    private static partial System.Text.RegularExpressions.Regex UnitKey();

    /// <summary>Writes the ledger atomically: a Ctrl-C mid-write leaves the previous ledger, never half of one.</summary>
    public Task SaveAsync(string runDirectory, CancellationToken cancellationToken = default) =>
        AtomicFile.WriteAllTextAsync(Path.Combine(runDirectory, FileName), ToJson(), cancellationToken);

    /// <summary>The text of units.json.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Options) + "\n";
}
