namespace VmLab.Statistics;

/// <summary>
/// Holm's step-down adjustment for multiple comparisons (Holm 1979, https://en.wikipedia.org/wiki/Holm%E2%80%93Bonferroni_method):
/// it keeps the chance of any false "significant" in a family at α, like Bonferroni, but rejects more. The report
/// adjusts each question's tested (headline) comparisons as one family; inconclusive comparisons are not in it.
/// </summary>
public static class Holm
{
    /// <summary>
    /// Holm-adjusted p-values, in the order of <paramref name="p"/>: sorted ascending, the i-th smallest (from 1) of m
    /// becomes max over j ≤ i of min(1, (m − j + 1)·p_(j)). A comparison is significant at α exactly when its adjusted
    /// p is below α.
    /// </summary>
    public static IReadOnlyList<double> Adjust(IReadOnlyList<double> p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var m = p.Count;
        var order = Enumerable.Range(0, m).OrderBy(i => p[i]).ThenBy(i => i).ToArray();
        var adjusted = new double[m];
        var running = 0.0;
        for (var rank = 0; rank < m; rank++)
        {
            running = Math.Max(running, Math.Min(1, (m - rank) * p[order[rank]]));
            adjusted[order[rank]] = running;
        }

        return adjusted;
    }

    /// <summary>
    /// The comparisons with the tested ones (<see cref="MetricComparison.Tested"/>) adjusted as one family, in the
    /// same order; untested ones are returned unchanged.
    /// </summary>
    public static IReadOnlyList<MetricComparison> Apply(IReadOnlyList<MetricComparison> comparisons)
    {
        ArgumentNullException.ThrowIfNull(comparisons);
        var tested = comparisons.Select((c, i) => (c, i)).Where(x => x.c.Tested).ToList();
        var adjusted = Adjust(tested.Select(x => x.c.P!.Value).ToList());
        var result = comparisons.ToArray();
        for (var k = 0; k < tested.Count; k++)
        {
            result[tested[k].i] = tested[k].c.InFamily(adjusted[k], tested.Count);
        }

        return result;
    }
}
