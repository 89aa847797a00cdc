using VmLab.Common;

namespace VmLab.Results;

public static partial class RunParser
{
    /// <summary>
    /// Whether <paramref name="results"/> is what this run directory gives now: its run id is the directory's, and it
    /// is exactly what <see cref="Parse"/> derives from raw/, units.json and manifest.json (every number, problem and
    /// sha256). results.json is derived data: one copied from another run, edited by hand, or left behind by an edit
    /// of raw/ or units.json is refused, so a report never shows numbers its raw outputs do not hold.
    /// </summary>
    /// <remarks>Parsing a run again takes a fraction of a report's time (about 0.1 s for the quick run).</remarks>
    public static void Verify(RunDirectory run, RunResults results, Manifest? manifest = null)
    {
        if (manifest is not null && manifest.RunId != run.RunId)
        {
            throw new LabException(
                $"{run.ManifestPath} describes run {manifest.RunId}, not {run.RunId} (the directory it is in): the report would show both.",
                "rename the directory back to its run id, or copy the run under its own name");
        }

        var next = $"derive it again from raw/: vmlab parse-run {run.Path} (or vmlab report {run.Path} --reparse)";
        if (results.RunId != run.RunId)
        {
            throw new LabException($"{run.ResultsPath} belongs to run {results.RunId}, not to {run.RunId} (the directory it is in).", next);
        }

        var derived = Parse(run, manifest);
        if (RunJson.Serialize(derived) != RunJson.Serialize(results))
        {
            throw new LabException(
                $"{run.ResultsPath} is not what raw/ and units.json give: {Difference(results, derived)}. It was edited, or derived before raw/ or units.json changed (or by another VmLab version).",
                next);
        }
    }

    /// <summary>The first difference between a recorded results.json and a fresh derivation, in words.</summary>
    private static string Difference(RunResults recorded, RunResults derived)
    {
        var before = recorded.Units.GroupBy(u => u.File, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var now = derived.Units.ToDictionary(u => u.File, StringComparer.Ordinal);
        if (recorded.Units.Count != before.Count)
        {
            return $"it lists {recorded.Units.Count - before.Count} raw file(s) twice";
        }

        foreach (var unit in derived.Units)
        {
            if (!before.TryGetValue(unit.File, out var old))
            {
                return $"raw/ holds {unit.File}, which it does not list";
            }

            if (RunJson.Serialize(old) == RunJson.Serialize(unit))
            {
                continue;
            }

            foreach (var metric in old.Metrics.Keys.Union(unit.Metrics.Keys).Order(StringComparer.Ordinal))
            {
                var a = old.Metrics.TryGetValue(metric, out var x) ? x.ToString() : "absent";
                var b = unit.Metrics.TryGetValue(metric, out var y) ? y.ToString() : "absent";
                if (a != b)
                {
                    return $"{unit.File}: {metric} is {a} in it, {b} from the raw file";
                }
            }

            return old.Sha256 != unit.Sha256 ? $"{unit.File}: sha256 {old.Sha256[..Math.Min(12, old.Sha256.Length)]}… in it, {unit.Sha256[..12]}… on disk"
                : !old.Problems.SequenceEqual(unit.Problems) ? $"{unit.File}: its problems are not those the checks give now ({unit.Problems.Count} now, {old.Problems.Count} in it)"
                : $"{unit.File}: its entry differs";
        }

        return before.Keys.FirstOrDefault(f => !now.ContainsKey(f)) is { } gone
            ? $"it lists {gone}, which raw/ does not hold"
            : recorded.RunId != derived.RunId ? "its run id differs"
            : "its boots (console facts and problems) or schema differ";
    }
}
