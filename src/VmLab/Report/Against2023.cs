using VmLab.Results;
using VmLab.Statistics;

namespace VmLab.Report;

/// <summary>
/// One suite output of this run tested against the 2023 study's ratio B/A for it, a fixed value: <b>consistent with
/// 2023</b> when this run's 95% interval contains it, <b>differs from 2023</b> (with the direction and the test's p,
/// from the same statistic and degrees of freedom as the interval) when it does not. It is <b>not comparable</b> when
/// 2023's figure rests on data VmLab finds invalid or reused, or when the workload's size differs
/// (<see cref="WorkloadSize"/>); <b>not tested</b> when this run's comparison is inconclusive. Only consistent and
/// differs rows count in a tally.
/// </summary>
public static class Against2023
{
    /// <summary>What a row of this run is against 2023.</summary>
    public enum Outcome
    {
        /// <summary>This run's 95% interval contains 2023's ratio.</summary>
        Consistent,

        /// <summary>This run's 95% interval excludes 2023's ratio (p &lt; 0.05 against it).</summary>
        Differs,

        /// <summary>2023's data are invalid or reused, or the workload differs in size: no test is made.</summary>
        NotComparable,

        /// <summary>This run's comparison is inconclusive: nothing to test with.</summary>
        NotTested,

        /// <summary>2023 reports no figure for this output.</summary>
        NoFigure,
    }

    /// <summary>
    /// <paramref name="c"/> (this run's headline comparison of <paramref name="table"/> in <paramref name="question"/>)
    /// against <paramref name="theirs"/>, the 2023 reference's matching table, or null when it has none.
    /// </summary>
    public static (Outcome Outcome, string Text) Of(Manifest manifest, string question, TableAnalysis table, MetricComparison c, TableAnalysis? theirs)
    {
        var claim = theirs?.Metrics.FirstOrDefault(m => m.Metric == table.Headline)?.Comparison.Ratio;
        if (claim is not { } r)
        {
            return (Outcome.NoFigure, theirs?.Headline is { } other && other != table.Headline ? $"no 2023 figure: 2023 measured `{other}`, not `{table.Headline}`" : "no 2023 figure");
        }

        if (theirs!.Untrusted.Count > 0)
        {
            return (Outcome.NotComparable, "not comparable: 2023's figure rests on data VmLab finds invalid or reused");
        }

        var then = WorkloadSize.Of2023(question, table.Suite);
        var now = WorkloadSize.OfRun(manifest, table.Suite, table.Workload);
        if (then is null || now is null || then != now)
        {
            return (Outcome.NotComparable, then is null ? "not comparable: the 2023 report does not state the workload's size"
                : now is null ? $"not comparable: this run does not record its workload's size (2023: {then})"
                : $"not comparable: another workload size (2023: {then}; here: {now})");
        }

        if (!c.Tested || c.PAgainst(r) is not { } p || c.RatioCiLow is not { } lo || c.RatioCiHigh is not { } hi)
        {
            return (Outcome.NotTested, "not tested: this run's comparison is inconclusive");
        }

        return lo <= r && r <= hi
            ? (Outcome.Consistent, $"consistent with 2023: {Numbers.Change(r)} lies within this run's CI (p={Numbers.P(p)})")
            : (Outcome.Differs, $"differs from 2023: this run's B/A is {(c.Ratio < r ? "lower" : "higher")} than 2023's {Numbers.Change(r)} (p={Numbers.P(p)})");
    }

    /// <summary>The tally of a question's rows: only consistent and differs count; the rest are named as not counted.</summary>
    public static string Tally(IReadOnlyList<Outcome> outcomes)
    {
        if (outcomes.Count == 0)
        {
            return "Nothing to place beside the 2023 study.";
        }

        string Part(Outcome o, string words) => $"{words} {outcomes.Count(x => x == o)}";
        var counted = $"consistent with 2023 {outcomes.Count(o => o == Outcome.Consistent)}, {Part(Outcome.Differs, "differs from 2023")}";
        var rest = new[] { (Outcome.NotComparable, "not comparable"), (Outcome.NotTested, "not tested"), (Outcome.NoFigure, "no 2023 figure") }
            .Where(x => outcomes.Contains(x.Item1)).Select(x => Part(x.Item1, x.Item2)).ToList();
        return $"Tested against the 2023 study's ratios: {counted}" + (rest.Count > 0 ? $"; not counted: {string.Join(", ", rest)}." : ".");
    }
}
