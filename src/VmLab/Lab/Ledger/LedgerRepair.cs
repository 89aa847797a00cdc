using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using VmLab.Common;
using VmLab.Lab.Plan;
using VmLab.Results;

namespace VmLab.Lab.Ledger;

/// <summary>
/// <c>vmlab lab repair &lt;run&gt;</c>: rebuilds a lost or damaged units.json from what the run directory still
/// holds, without running anything. Each unit the VM sent has a console block (<c>@@VMLAB:BEGIN &lt;suite&gt;/&lt;repeat&gt;.txt
/// size= sha256=@@</c>, then <c>STATUS … rc= seconds=</c>) in its boot's L1 or L2 console: the block's sha256 is the
/// record, so a raw file changed since still shows as a sha256 problem and a resume runs it again. Network units run
/// on L0 and have no console block: their raw file's sha256 is the record. Boots are numbered by their console logs.
/// </summary>
public static partial class LedgerRepair
{
    /// <summary>The ledger <paramref name="run"/>'s raw/ and manifest.json describe.</summary>
    public static RunLedger Rebuild(RunDirectory run)
    {
        var manifest = run.ReadManifest();
        var draft = new Draft();
        foreach (var scenarioDir in (Directory.Exists(run.RawDir) ? Directory.GetDirectories(run.RawDir) : []).Order(StringComparer.Ordinal))
        {
            draft.AddScenario(scenarioDir);
        }

        var ledger = new RunLedger(manifest.RunId, manifest.Profile, draft.LastBoot, draft.Units, draft.Boots);
        if (manifest.Seed is { } seed)
        {
            var repeats = draft.Boots.Values.Select(b => b.Repeat).DefaultIfEmpty(0).Max();
            var order = RunOrder.Draw(seed, manifest.Scenarios.Select(s => s.Id).ToList(), repeats);
            ledger = ledger with { Order = order.Describe().SequenceEqual(manifest.Order) ? order : null };
        }

        return ledger;
    }

    /// <summary>What a repair did: the ledger written, and every raw file whose sha256 is not the one recorded for it.</summary>
    /// <param name="Mismatches">One line per disagreement (a raw file changed since it was recorded, or two records that differ).</param>
    /// <param name="Kept">Where the replaced ledger was kept (units.json.damaged-&lt;time&gt;); null when there was none.</param>
    public sealed record Outcome(RunLedger Ledger, IReadOnlyList<string> Mismatches, string? Kept);

    /// <summary>
    /// Rebuilds <paramref name="run"/>'s units.json. A readable ledger is only replaced with <paramref name="force"/>.
    /// A repair vouches for nothing it did not see produced: each unit keeps the sha256 the replaced ledger, its console
    /// block or results.json recorded (in that order), and is marked with what its record rests on
    /// (<see cref="UnitRecord.Rebuilt"/>); a raw file that differs stays a sha256 problem. The new ledger is written
    /// before the replaced one is moved to units.json.damaged-&lt;time&gt;, so a failed write (a full disk) leaves the
    /// run as it was.
    /// </summary>
    public static Outcome Repair(RunDirectory run, bool force, DateTimeOffset nowUtc)
    {
        var path = Path.Combine(run.Path, RunLedger.FileName);
        RunLedger? old = null;
        if (File.Exists(path))
        {
            try
            {
                old = RunLedger.Load(run.Path);
            }
            catch (LabException e) when (e.Message.Contains("cannot be read", StringComparison.Ordinal))
            {
                // damaged: repair it
            }

            if (old is not null && !force)
            {
                throw new LabException($"{path} is readable: there is nothing to repair.", $"rebuild it anyway (the old one is kept beside it): vmlab lab repair {run.Path} --force");
            }
        }

        var mismatches = new List<string>();
        var ledger = Witnessed(run, Rebuild(run), old, RecordedInResults(run), mismatches);
        var text = ledger.ToJson();
        var kept = File.Exists(path) ? $"{path}.damaged-{nowUtc.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}" : null;
        try
        {
            if (kept is null)
            {
                AtomicFile.WriteAllText(path, text);
            }
            else
            {
                AtomicFile.Replace(path, text, kept);
            }
        }
        catch (Exception e) when (e is IOException or ArgumentException)
        {
            // A full disk: ENOSPC (IOException), or the preallocation refused (EFBIG reaches .NET as an ArgumentException).
            throw new LabException(
                $"The rebuilt {RunLedger.FileName} could not be written ({e.Message}); {(kept is null ? "the run still has none" : $"{path} is as it was")}.",
                $"free some space (df -h {run.Path}), then run the repair again: vmlab lab repair {run.Path}{(old is null ? "" : " --force")}", e);
        }

        return new Outcome(ledger, mismatches, kept);
    }

    /// <summary>
    /// The rebuilt ledger with each done unit's sha256 taken from the strongest record there is: the replaced ledger,
    /// the console block, results.json; only without any, the file's own (<see cref="Witness.None"/>). What the replaced
    /// ledger knew that the consoles do not (failed units, exit codes, durations, time lines) is kept.
    /// </summary>
    private static RunLedger Witnessed(RunDirectory run, RunLedger rebuilt, RunLedger? old, IReadOnlyDictionary<string, string> results, List<string> mismatches)
    {
        var units = rebuilt.Units;
        foreach (var (key, unit) in rebuilt.Units)
        {
            var before = old?.Units.GetValueOrDefault(key);
            var file = $"raw/{key}.txt";
            var records = new List<(Witness Witness, string Sha256)>();
            if (before?.Sha256 is { } ledgerSha)
            {
                records.Add((Witness.Ledger, ledgerSha));
            }

            if (unit.Rebuilt == Witness.Console && unit.Sha256 is { } consoleSha)
            {
                records.Add((Witness.Console, consoleSha));
            }

            if (results.GetValueOrDefault(file) is { } resultsSha)
            {
                records.Add((Witness.Results, resultsSha));
            }

            var record = unit with { ExitCode = unit.ExitCode ?? before?.ExitCode, Seconds = unit.Seconds ?? before?.Seconds };
            if (unit.State == UnitState.Done && records.Count > 0)
            {
                var (witness, sha) = records[0];
                record = record with { Sha256 = sha, Rebuilt = witness };
                mismatches.AddRange(records.Skip(1).Where(r => r.Sha256 != sha)
                    .Select(r => $"{file}: {Words(r.Witness)} recorded sha256 {r.Sha256[..12]}…, {Words(witness)} {sha[..12]}…: kept the latter"));
                if (File.Exists(Path.Combine(run.Path, file)) && Hashing.Sha256OfFile(Path.Combine(run.Path, file)) is var actual && actual != sha)
                {
                    mismatches.Add($"{file}: its sha256 is {actual[..12]}…, but {Words(witness)} recorded {sha[..12]}… when the lab saved it: the file was changed since (the unit stays invalid)");
                }
            }

            units = units.SetItem(key, record);
        }

        if (old is null)
        {
            return rebuilt with { Units = units };
        }

        foreach (var (key, unit) in old.Units.Where(u => !units.ContainsKey(u.Key)))
        {
            units = units.SetItem(key, unit with { Rebuilt = Witness.Ledger });
        }

        var boots = rebuilt.Boots;
        foreach (var (number, boot) in old.Boots.Where(b => !rebuilt.Boots.TryGetValue(b.Key, out var r) || r.Scenario == b.Value.Scenario))
        {
            boots = boots.SetItem(number, boot);
        }

        return rebuilt with { Units = units, Boots = boots, LastBoot = Math.Max(rebuilt.LastBoot, old.LastBoot), Order = rebuilt.Order ?? old.Order };
    }

    private static string Words(Witness witness) => witness switch
    {
        Witness.Ledger => "the replaced units.json",
        Witness.Console => "the console block",
        Witness.Results => "results.json",
        _ => "nothing",
    };

    /// <summary>Each raw file's sha256 as results.json recorded it; empty when there is no readable results.json.</summary>
    private static Dictionary<string, string> RecordedInResults(RunDirectory run)
    {
        try
        {
            return File.Exists(run.ResultsPath)
                ? run.ReadResults().Units.Where(u => u.File is not null && u.Sha256 is not null).GroupBy(u => u.File, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Sha256, StringComparer.Ordinal)
                : [];
        }
        catch (LabException)
        {
            return [];
        }
    }

    /// <summary>What one scenario's consoles say of its units (keys <c>scenario/suite/repeat</c>): each unit block's boot and sha256, each unit's status.</summary>
    private sealed class ConsoleMarks
    {
        public Dictionary<string, (int Boot, string Sha256)> Blocks { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (int Rc, double Seconds)> Statuses { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>The ledger being rebuilt, one scenario directory of raw/ at a time.</summary>
    private sealed class Draft
    {
        public ImmutableSortedDictionary<string, UnitRecord> Units { get; private set; } = ImmutableSortedDictionary.Create<string, UnitRecord>(StringComparer.Ordinal);

        public ImmutableSortedDictionary<int, BootRecord> Boots { get; private set; } = ImmutableSortedDictionary<int, BootRecord>.Empty;

        public int LastBoot { get; private set; }

        /// <summary>The boots of raw/&lt;scenario&gt;/'s consoles, then the units of its raw files.</summary>
        public void AddScenario(string scenarioDir)
        {
            var scenario = Path.GetFileName(scenarioDir);
            var marks = new ConsoleMarks();
            foreach (var boot in ConsolesByBoot(scenarioDir))
            {
                LastBoot = Math.Max(LastBoot, boot.Key);
                Boots = Boots.SetItem(boot.Key, ReadBoot(scenario, boot, marks));
            }

            NumberRepeatsWithoutBlocks(scenario);
            AddRawFiles(scenarioDir, scenario, marks);
        }

        /// <summary>Every console of a boot (L1's, and L2's as L1 sent them back), by boot number.</summary>
        private static List<IGrouping<int, (string File, Match Match)>> ConsolesByBoot(string scenarioDir) =>
            Directory.GetFiles(scenarioDir, "console-*.log")
                .Select(f => (File: f, Match: ConsoleName().Match(Path.GetFileName(f))))
                .Where(c => c.Match.Success)
                .GroupBy(c => int.Parse(c.Match.Groups["boot"].Value, CultureInfo.InvariantCulture))
                .OrderBy(g => g.Key)
                .ToList();

        /// <summary>
        /// The record of one boot from its consoles' markers. Its unit blocks and statuses go to <paramref name="marks"/>;
        /// the units its image lacks the tool for are recorded as unavailable at once.
        /// </summary>
        private BootRecord ReadBoot(string scenario, IGrouping<int, (string File, Match Match)> boot, ConsoleMarks marks)
        {
            var l1 = boot.FirstOrDefault(c => !c.Match.Groups["l2"].Success).File;
            var repeat = 0;
            var finished = false;
            var facts = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (file, name) in boot)
            {
                var origin = name.Groups["l2"].Success ? "l2: " : "";
                foreach (Match marker in Marker().Matches(File.ReadAllText(file)))
                {
                    var (verb, body) = (marker.Groups["verb"].Value, marker.Groups["body"].Value);
                    if (verb == "BEGIN" && Begin().Match(body) is { Success: true } begin && begin.Groups["unit"].Success)
                    {
                        marks.Blocks[$"{scenario}/{begin.Groups["unit"].Value}"] = (boot.Key, begin.Groups["sha"].Value.ToLowerInvariant());
                        repeat = int.Parse(begin.Groups["repeat"].Value, CultureInfo.InvariantCulture);
                    }
                    else if (verb == "STATUS" && Status().Match(body) is { Success: true } status)
                    {
                        marks.Statuses[$"{scenario}/{status.Groups["unit"].Value}"] = (
                            int.Parse(status.Groups["rc"].Value, CultureInfo.InvariantCulture),
                            double.Parse(status.Groups["seconds"].Value, CultureInfo.InvariantCulture));
                    }
                    else if (verb == "DONE" && file == l1)
                    {
                        finished = true;
                    }
                    else if (verb == "FACT" && body.StartsWith("unavailable.", StringComparison.Ordinal) && body.IndexOf('=') is > 0 and var at)
                    {
                        // The tool is not in the image: a result, recorded as the runner does.
                        var unit = body["unavailable.".Length..at];
                        Units = Units.SetItem($"{scenario}/{unit}", new UnitRecord(UnitState.Unavailable, boot.Key, null, null, null, [$"{origin}{body[(at + 1)..]}"]) { Rebuilt = Witness.Console });
                    }
                    else if (verb == "FACT" && file == l1 && body.IndexOf('=') is > 0 and var eq)
                    {
                        facts[body[..eq]] = body[(eq + 1)..];
                    }
                }
            }

            return new BootRecord(
                scenario, repeat, finished ? BootEnd.Finished : BootEnd.Failed("unknown (rebuilt by vmlab lab repair: the console has no DONE)"),
                0, facts, []);
        }

        /// <summary>A boot without a unit block of its own (only network units) is the scenario's next repeat in boot order.</summary>
        private void NumberRepeatsWithoutBlocks(string scenario)
        {
            var ordinal = 0;
            foreach (var boot in Boots.Where(b => b.Value.Scenario == scenario))
            {
                ordinal++;
                if (boot.Value.Repeat == 0)
                {
                    Boots = Boots.SetItem(boot.Key, boot.Value with { Repeat = ordinal });
                }
            }
        }

        /// <summary>A unit for each raw file <c>&lt;suite&gt;/&lt;repeat&gt;.txt</c>: its console block's sha256, or for a network unit the file's own.</summary>
        private void AddRawFiles(string scenarioDir, string scenario, ConsoleMarks marks)
        {
            foreach (var suiteDir in Directory.GetDirectories(scenarioDir).Order(StringComparer.Ordinal))
            {
                foreach (var raw in Directory.GetFiles(suiteDir, "*.txt").Order(StringComparer.Ordinal))
                {
                    var key = $"{scenario}/{Path.GetFileName(suiteDir)}/{Path.GetFileNameWithoutExtension(raw)}";
                    if (!int.TryParse(Path.GetFileNameWithoutExtension(raw), CultureInfo.InvariantCulture, out var repeat))
                    {
                        continue;
                    }

                    var status = marks.Statuses.TryGetValue(key, out var s) ? s : ((int Rc, double Seconds)?)null;
                    if (marks.Blocks.TryGetValue($"{key}.txt", out var block))
                    {
                        Units = Units.SetItem(key, new UnitRecord(UnitState.Done, block.Boot, status?.Rc, status?.Seconds, block.Sha256, []) { Rebuilt = Witness.Console });
                    }
                    else
                    {
                        // An L0 network unit: it ran during the boot of this scenario and repeat that served it.
                        var boot = Boots.Where(b => b.Value.Scenario == scenario && b.Value.Repeat == repeat).Select(b => b.Key).DefaultIfEmpty(0).Max();
                        Units = Units.SetItem(key, new UnitRecord(UnitState.Done, boot, status?.Rc, status?.Seconds, Hashing.Sha256OfFile(raw), []) { Rebuilt = Witness.None });
                    }
                }
            }
        }
    }

    [GeneratedRegex(@"^console-(?<boot>[0-9]+)(?<l2>-l2-[0-9]+)?\.log$")]
    private static partial Regex ConsoleName();

    [GeneratedRegex(@"@@VMLAB:(?<verb>[A-Z]+) ?(?<body>[^@\r\n]*)@@")]
    private static partial Regex Marker();

    [GeneratedRegex(@"^(?<unit>[a-z0-9-]+/(?<repeat>[0-9]+)\.txt) size=[0-9]+ sha256=(?<sha>[0-9a-fA-F]{64})$")]
    private static partial Regex Begin();

    [GeneratedRegex(@"^(?<unit>[a-z0-9-]+/[0-9]+) rc=(?<rc>-?[0-9]+) seconds=(?<seconds>[0-9.]+)")]
    private static partial Regex Status();
}
