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

    /// <summary>
    /// Rebuilds <paramref name="run"/>'s units.json. A readable ledger is only replaced with <paramref name="force"/>;
    /// the one replaced is kept beside it as units.json.damaged-&lt;time&gt;. Returns the new ledger.
    /// </summary>
    public static RunLedger Repair(RunDirectory run, bool force, DateTimeOffset nowUtc)
    {
        var path = Path.Combine(run.Path, RunLedger.FileName);
        if (File.Exists(path) && !force)
        {
            try
            {
                RunLedger.Load(run.Path);
                throw new LabException($"{path} is readable: there is nothing to repair.", $"rebuild it anyway (the old one is kept beside it): vmlab lab repair {run.Path} --force");
            }
            catch (LabException e) when (e.Message.Contains("cannot be read", StringComparison.Ordinal))
            {
                // damaged: repair it
            }
        }

        var ledger = Rebuild(run);
        if (File.Exists(path))
        {
            File.Move(path, $"{path}.damaged-{nowUtc.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}");
        }

        ledger.SaveAsync(run.Path).GetAwaiter().GetResult();
        return ledger;
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
                        Units = Units.SetItem($"{scenario}/{unit}", new UnitRecord(UnitState.Unavailable, boot.Key, null, null, null, [$"{origin}{body[(at + 1)..]}"]));
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
                        Units = Units.SetItem(key, new UnitRecord(UnitState.Done, block.Boot, status?.Rc, status?.Seconds, block.Sha256, []));
                    }
                    else
                    {
                        // An L0 network unit: it ran during the boot of this scenario and repeat that served it.
                        var boot = Boots.Where(b => b.Value.Scenario == scenario && b.Value.Repeat == repeat).Select(b => b.Key).DefaultIfEmpty(0).Max();
                        Units = Units.SetItem(key, new UnitRecord(UnitState.Done, boot, status?.Rc, status?.Seconds, Hashing.Sha256OfFile(raw), []));
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
