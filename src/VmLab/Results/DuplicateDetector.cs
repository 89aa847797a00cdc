using VmLab.Suites;

namespace VmLab.Results;

/// <summary>
/// Finds outputs presented more than once. The 2023 report reused numbers across sections (its Q4 host kernbench
/// is its Q1 2-vCPU kernbench; its THP ab run #3 is its vhost-on ab run): one measurement shown as two
/// configurations. Two units of the same suite are the same measurement when
/// <list type="bullet">
/// <item>their raw text is the same once blank lines, trailing spaces and the author's "...skip" elisions are ignored, or</item>
/// <item>they share at least <see cref="MinSharedNumbers"/> numeric metrics, at least one of them a performance figure,
/// and every shared one is equal to the last printed digit (a partial quote of a full output matches it this way);</item>
/// </list>
/// and either way the agreement covers at least <see cref="MinMeasured"/> measured figures (performance figures and
/// measured durations, not the sizes and counts every run of a profile prints alike). Independent runs of a real
/// benchmark do not agree in every digit of two measured figures at once; one figure can (a lone hackbench time
/// agrees with another to the millisecond now and then), so an output with a single measured figure is never called
/// reused: reuse of such an output cannot be told from chance.
/// </summary>
public static class DuplicateDetector
{
    /// <summary>Fewer shared figures could agree by chance.</summary>
    public const int MinSharedNumbers = 4;

    /// <summary>Fewer measured figures (a lone hackbench time) could agree by chance.</summary>
    public const int MinMeasured = 2;

    /// <summary>For each unit index, the indices of the units it duplicates (empty for most).</summary>
    public static IReadOnlyList<IReadOnlyList<int>> Find(IReadOnlyList<(string Suite, string Text, IReadOnlyDictionary<string, MetricValue>? Metrics)> units)
    {
        var result = new List<int>[units.Count];
        var normalised = units.Select(u => Normalise(u.Text)).ToArray();
        for (var i = 0; i < units.Count; i++)
        {
            result[i] = [];
        }

        for (var i = 0; i < units.Count; i++)
        {
            for (var j = i + 1; j < units.Count; j++)
            {
                if (units[i].Suite == units[j].Suite
                    && (normalised[i] == normalised[j] || SameFigures(units[i].Suite, units[i].Metrics, units[j].Metrics))
                    && Measured(units[i].Suite, units[i].Metrics) >= MinMeasured)
                {
                    result[i].Add(j);
                    result[j].Add(i);
                }
            }
        }

        return result;
    }

    private static bool SameFigures(string suite, IReadOnlyDictionary<string, MetricValue>? a, IReadOnlyDictionary<string, MetricValue>? b)
    {
        if (a is null || b is null)
        {
            return false;
        }

        var shared = a.Where(m => m.Value.IsNumber && b.TryGetValue(m.Key, out var o) && o.IsNumber).Select(m => m.Key).ToList();
        var catalog = SuiteRegistry.Find(suite)?.Catalog;
        return shared.Count >= MinSharedNumbers
            && shared.Any(k => catalog?.Direction(k) is MetricDirection.HigherIsBetter or MetricDirection.LowerIsBetter && a[k].Number != 0)
            && shared.All(k => a[k].Number == b[k].Number)
            && a.Where(m => !m.Value.IsNumber).All(m => !b.TryGetValue(m.Key, out var o) || o.Text == m.Value.Text);
    }

    // The figures of an output that vary between independent runs: performance figures and measured durations (an
    // unparsed output counts as many: its text alone decides).
    private static int Measured(string suite, IReadOnlyDictionary<string, MetricValue>? metrics)
    {
        if (metrics is null)
        {
            return int.MaxValue;
        }

        var catalog = SuiteRegistry.Find(suite)?.Catalog;
        return metrics.Count(m => m.Value.IsNumber
            && (catalog?.Direction(m.Key) is MetricDirection.HigherIsBetter or MetricDirection.LowerIsBetter || catalog?.Find(m.Key)?.Unit == "s"));
    }

    private static string Normalise(string text) =>
        string.Join('\n', text.ReplaceLineEndings("\n").Split('\n')
            .Select(l => l.TrimEnd())
            .Where(l => l.Length > 0 && l.Trim() != "...skip"));
}
