namespace VmLab.Report;

/// <summary>
/// Where a suite output of this run finds its counterpart in the 2023 reference run: the reference's tables of the
/// same question and suite, the same workload first, then those where either side has no workload label (the 2023
/// LTP hackbench prints no mode, VmLab's rt-tests hackbench says "process": the same suite, one dialect each).
/// </summary>
public static class ReferenceMatch
{
    /// <summary>The reference's candidate tables for <paramref name="table"/> of <paramref name="question"/>, best first.</summary>
    public static IReadOnlyList<TableAnalysis> Candidates(IReadOnlyList<QuestionAnalysis>? reference, string question, TableAnalysis table)
    {
        var candidates = (reference ?? []).Where(o => o.Spec.Question == question).SelectMany(o => o.Tables).Where(o => o.Suite == table.Suite).ToList();
        return candidates.Where(o => o.Workload == table.Workload).Concat(candidates.Where(o => o.Workload.Length == 0 || table.Workload.Length == 0)).ToList();
    }

    /// <summary>The reference's table for <paramref name="table"/>'s headline: one that measured it, else any with a headline.</summary>
    public static TableAnalysis? Table(IReadOnlyList<QuestionAnalysis>? reference, string question, TableAnalysis table)
    {
        var ordered = Candidates(reference, question, table);
        return ordered.FirstOrDefault(o => o.Metrics.Any(m => m.Metric == table.Headline)) ?? ordered.FirstOrDefault(o => o.Headline is not null);
    }

    /// <summary>The reference's analysis of <paramref name="metric"/> for <paramref name="table"/>: the first candidate that compared it.</summary>
    public static MetricAnalysis? Metric(IReadOnlyList<QuestionAnalysis> reference, string question, TableAnalysis table, string metric) =>
        Candidates(reference, question, table).SelectMany(Compared).FirstOrDefault(o => o.Metric == metric);

    /// <summary>The metrics a table compares: none when only one side measured it.</summary>
    public static IReadOnlyList<MetricAnalysis> Compared(TableAnalysis table) => table.MeasuredOnlyIn is null ? table.Metrics : [];
}
