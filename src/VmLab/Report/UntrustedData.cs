using VmLab.Results;

namespace VmLab.Report;

/// <summary>
/// Why a comparison cannot use its data, in one readable table cell: the kind of trouble, then the units and their
/// reasons as <see cref="UnitResult.Reasons"/> gives them (the lab's "console: …", "factor: …", "fact missing: …"
/// problems included), identical reasons said once for all the units they apply to.
/// </summary>
public static class UntrustedData
{
    /// <summary>How many distinct reasons the cell names before "(+N more)"; the notes under the table list them all.</summary>
    public const int ReasonsShown = 3;

    /// <summary>
    /// "invalid data: baseline/hackbench/1: console: L1 boot 1: …; guest-up/hackbench/2: … (+2 more)"; null when
    /// every unit can be used. Each unit's first reason comes before any unit's second one.
    /// </summary>
    public static string? Why(IReadOnlyList<UnitResult> untrusted)
    {
        if (untrusted.Count == 0)
        {
            return null;
        }

        var invalid = untrusted.Any(u => !u.Recognised || u.Problems.Count > 0);
        var reused = untrusted.Any(u => u.DuplicateOf.Count > 0);
        var label = invalid && reused ? "invalid and reused data" : invalid ? "invalid data" : "reused data";

        var reasons = untrusted
            .OrderBy(u => u.File, StringComparer.Ordinal)
            .SelectMany(u => u.Reasons().Select((reason, position) => (Unit: UnitId(u), Reason: reason, Position: position)))
            .GroupBy(x => x.Reason, StringComparer.Ordinal)
            .Select(g => (Units: g.Select(x => x.Unit).Distinct().ToList(), Reason: g.Key, Position: g.Min(x => x.Position)))
            .OrderBy(x => x.Position) // stable: file order within each position
            .ToList();
        var shown = reasons.Take(ReasonsShown).Select(x => $"{string.Join(", ", x.Units)}: {x.Reason}");
        var more = reasons.Count > ReasonsShown ? $" (+{reasons.Count - ReasonsShown} more)" : "";
        return $"{label}: {string.Join("; ", shown)}{more}";
    }

    /// <summary>A unit as the lab names it: its raw file without <c>raw/</c> and the extension (<c>baseline/netperf-rr/1</c>).</summary>
    public static string UnitId(UnitResult unit)
    {
        var file = unit.File.StartsWith("raw/", StringComparison.Ordinal) ? unit.File["raw/".Length..] : unit.File;
        var dot = file.LastIndexOf('.');
        return dot > file.LastIndexOf('/') ? file[..dot] : file;
    }
}
