using System.Globalization;
using VmLab.Lab.Vm;

namespace VmLab.Counters;

/// <summary>
/// The counters of every unit of one L1 boot, read back from its consoles in raw/ (the COUNT lines are the raw
/// evidence: <c>vmlab parse-run</c> recomputes these from them): the measured system's from L2's console (guest
/// scenarios) or L1's (host), L1's about L2 from L1's console. L0's side is in units.json (<see cref="ProcessSample"/>).
/// </summary>
public static class BootCounters
{
    /// <summary>Levels: their value is the end's (with <c>NAME.delta</c>), not a difference.</summary>
    private static readonly string[] LevelNames = ["sys.anon_huge_kb", "l1.qemu.anon_huge_kb", "l1.kvm.vcpus"];

    /// <summary>Reads <c>console-&lt;boot&gt;.log</c> and its L2 consoles in <paramref name="scenarioDirectory"/>; units without COUNT lines are left out.</summary>
    public static IReadOnlyDictionary<string, UnitCounters> Read(string scenarioDirectory, int boot)
    {
        var number = boot.ToString(CultureInfo.InvariantCulture);
        var l1 = Path.Combine(scenarioDirectory, $"console-{number}.log");
        var l2 = Directory.Exists(scenarioDirectory) ? Directory.GetFiles(scenarioDirectory, $"console-{number}-l2-*.log") : [];
        return FromConsoles(File.Exists(l1) ? File.ReadAllText(l1) : "", l2.Select(File.ReadAllText).ToList());
    }

    /// <summary>The counters in an L1 console text and its L2 console texts (none: the host scenario).</summary>
    public static IReadOnlyDictionary<string, UnitCounters> FromConsoles(string l1Console, IReadOnlyList<string> l2Consoles)
    {
        var l1 = ConsoleReader.ReadAll(l1Console).OfType<CountEvent>().ToList();
        var l2 = l2Consoles.SelectMany(c => ConsoleReader.ReadAll(c).OfType<CountEvent>()).ToList();
        var guest = l2Consoles.Count > 0;
        var result = new SortedDictionary<string, UnitCounters>(StringComparer.Ordinal);
        foreach (var unit in l1.Concat(l2).Select(e => e.Unit).Distinct())
        {
            var set = new CounterSet();
            var system = guest ? l2 : l1;
            AddLayer(set, Edge(system, unit, "start", s => s.HasSystem), Edge(system, unit, "end", s => s.HasSystem), CounterCatalog.System, guest ? "L2" : "L1");
            if (guest)
            {
                var start = Edge(l1, unit, "start", s => s.HasL1);
                var end = Edge(l1, unit, "end", s => s.HasL1);
                // The threads' names are the processes' (ProcessSample); the rest is read like the measured system's.
                AddLayer(set, start, end, CounterCatalog.L1.Where(c => c.Name.EndsWith("_kb", StringComparison.Ordinal) || !(c.Name.StartsWith("l1.qemu.", StringComparison.Ordinal) || c.Name.StartsWith("l1.vhost.", StringComparison.Ordinal))), "L1");
                ProcessSample.AddDelta(set, "l1.qemu", start?.Qemu, end?.Qemu, start is null || end is null ? Nothing("L1", start) : null);
                if (start is not null && end is not null)
                {
                    ProcessSample.AddWorkers(set, "l1.vhost", start.Vhost, end.Vhost);
                }
                else
                {
                    set.Missing("l1.vhost.user", Nothing("L1", start));
                    set.Missing("l1.vhost.system", Nothing("L1", start));
                }
            }

            result[unit] = set.ToCounters();
        }

        return result;
    }

    private static EdgeSnapshot? Edge(List<CountEvent> events, string unit, string edge, Func<EdgeSnapshot, bool> has)
    {
        var lines = events.Where(e => e.Unit == unit && e.Edge == edge).ToList();
        var snapshot = EdgeSnapshot.Of(lines);
        return lines.Count > 0 && has(snapshot) ? snapshot : null;
    }

    private static string Nothing(string layer, EdgeSnapshot? start) => $"{layer} read no counters at the unit's {(start is null ? "start" : "end")}";

    /// <summary>
    /// One layer's counters over a unit: every cumulative counter read at both edges as end − start, every level at
    /// the end, and every name the catalog expects that has no value as unavailable, with the reason.
    /// </summary>
    private static void AddLayer(CounterSet set, EdgeSnapshot? start, EdgeSnapshot? end, IEnumerable<CounterInfo> layer, string where)
    {
        var expected = CounterCatalog.Fixed(layer).ToList();
        if (start is null || end is null)
        {
            foreach (var name in expected)
            {
                set.Missing(name, Nothing(where, start));
            }

            return;
        }

        var counters = start.Counters.Keys.Concat(end.Counters.Keys).Concat(expected.Where(n => !LevelNames.Contains(n))).Distinct();
        foreach (var name in counters)
        {
            if (start.Counters.TryGetValue(name, out var a) && end.Counters.TryGetValue(name, out var b))
            {
                set.Add(name, b - a);
            }
            else
            {
                set.Missing(name, Why(name, start, end, where));
            }
        }

        foreach (var name in start.Levels.Keys.Concat(end.Levels.Keys).Concat(expected.Where(LevelNames.Contains)).Distinct())
        {
            if (end.Levels.TryGetValue(name, out var level))
            {
                set.Add(name, level);
                if (start.Levels.TryGetValue(name, out var before))
                {
                    set.Add(name + ".delta", level - before);
                }
            }
            else
            {
                set.Missing(name, Why(name, start, end, where));
            }
        }
    }

    private static string Why(string name, EdgeSnapshot start, EdgeSnapshot end, string where)
    {
        var group = name.StartsWith("l1.kvm.", StringComparison.Ordinal) ? "l1.kvm" : null;
        if (group is not null && (end.Missing.GetValueOrDefault(group) ?? start.Missing.GetValueOrDefault(group)) is { } reason)
        {
            return reason;
        }

        var atStart = start.Counters.ContainsKey(name) || start.Levels.ContainsKey(name);
        var atEnd = end.Counters.ContainsKey(name) || end.Levels.ContainsKey(name);
        return atStart == atEnd
            ? $"{where} did not report it (its kernel or QEMU has no such counter)"
            : $"{where} read it at the unit's {(atStart ? "start" : "end")} only";
    }
}
