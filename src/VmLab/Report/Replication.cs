using VmLab.Results;
using VmLab.Statistics;

namespace VmLab.Report;

/// <summary>Whether one comparison's verdicts in two runs agree.</summary>
public enum Agreement
{
    /// <summary>Significant in both runs, in the same direction.</summary>
    Confirmed,

    /// <summary>Significant in both runs, in opposite directions.</summary>
    Reversed,

    /// <summary>Significant in one run, no significant difference in the other.</summary>
    NotSignificantInTheOther,

    /// <summary>No significant difference in either run.</summary>
    NoDifferenceInEither,

    /// <summary>One run cannot decide (n &lt; 2, invalid or reused data, no spread); the other can.</summary>
    InconclusiveInOne,

    /// <summary>Neither run can decide.</summary>
    InconclusiveInBoth,

    /// <summary>Only one run made this comparison.</summary>
    MeasuredInOneRun,
}

/// <summary>One run's side of a replicated comparison: the headline test's verdict and numbers.</summary>
/// <param name="Verdict">Decided by <paramref name="PHolm"/>.</param>
/// <param name="Ratio">The comparison's estimate of B/A (RunAnalysis: the geometric mean of the blocks' ratios in a blocked run, mean(B) / mean(A) otherwise).</param>
/// <param name="P">p of the comparison alone.</param>
/// <param name="PHolm">Holm-adjusted p within the run's question.</param>
/// <param name="Family">The size of that Holm family.</param>
/// <param name="Reason">Why it is inconclusive, when it is.</param>
public sealed record ReplicatedVerdict(Verdict Verdict, double? Ratio, double? P, double? PHolm, int Family, string? Reason);

/// <summary>One comparison (question × suite output × headline metric) in both runs.</summary>
public sealed record ReplicatedComparison(
    string Question, string A, string B, string Suite, string Workload, string Metric, ReplicatedVerdict? RunA, ReplicatedVerdict? RunB, Agreement Agreement);

/// <summary>How many comparisons fall in one <see cref="Agreement"/>.</summary>
public sealed record AgreementCount(Agreement Agreement, int Count);

/// <summary>
/// Do two runs' verdicts agree? The machine-readable form of <c>vmlab compare</c>'s first table
/// (<c>vmlab compare A B --json</c>).
/// </summary>
public sealed record Replication(
    string RunA, string RunB, string ProfileA, string ProfileB, IReadOnlyList<AgreementCount> Counts, IReadOnlyList<ReplicatedComparison> Comparisons)
{
    /// <summary>
    /// Every headline comparison of <paramref name="a"/> and <paramref name="b"/> (each run's own questions, each
    /// Holm-adjusted within its run), matched by question, scenarios, suite output and metric.
    /// </summary>
    public static Replication Of(RunData a, RunData b)
    {
        var ta = Headlines(a);
        var tb = Headlines(b);
        var keys = ta.Keys.Concat(tb.Keys.Where(k => !ta.ContainsKey(k))).ToList();
        var comparisons = keys.Select(k =>
        {
            var va = ta.GetValueOrDefault(k);
            var vb = tb.GetValueOrDefault(k);
            return new ReplicatedComparison(k.Question, k.A, k.B, k.Suite, k.Workload, k.Metric, Side(va), Side(vb), Classify(va, vb));
        }).ToList();
        var counts = Enum.GetValues<Agreement>().Select(g => new AgreementCount(g, comparisons.Count(c => c.Agreement == g))).ToList();
        return new Replication(a.Manifest.RunId, b.Manifest.RunId, a.Manifest.Profile, b.Manifest.Profile, counts, comparisons);
    }

    /// <summary>The words the compare report uses for <paramref name="agreement"/>.</summary>
    public static string Text(Agreement agreement) => agreement switch
    {
        Agreement.Confirmed => "confirmed",
        Agreement.Reversed => "reversed",
        Agreement.NotSignificantInTheOther => "not significant in the other",
        Agreement.NoDifferenceInEither => "no difference in either",
        Agreement.InconclusiveInOne => "inconclusive in one",
        Agreement.InconclusiveInBoth => "inconclusive in both",
        _ => "measured in one run only",
    };

    /// <summary>What <paramref name="agreement"/> means, in one line.</summary>
    public static string Meaning(Agreement agreement) => agreement switch
    {
        Agreement.Confirmed => "significant in both runs, same direction",
        Agreement.Reversed => "significant in both runs, opposite directions",
        Agreement.NotSignificantInTheOther => "significant in one run, no significant difference in the other",
        Agreement.NoDifferenceInEither => "no significant difference in either run",
        Agreement.InconclusiveInOne => "one run cannot decide (n < 2, invalid or reused data, no spread)",
        Agreement.InconclusiveInBoth => "neither run can decide",
        _ => "only one run made this comparison",
    };

    private static Dictionary<(string Question, string A, string B, string Suite, string Workload, string Metric), MetricComparison> Headlines(RunData run)
    {
        var result = new Dictionary<(string, string, string, string, string, string), MetricComparison>();
        foreach (var q in RunAnalysis.Of(run, ReportBuilder.ComparisonsOf(run.Manifest)))
        {
            foreach (var t in q.Tables.Where(t => t.Headline is not null && t.Test is not null))
            {
                result.TryAdd((q.Spec.Question, q.Spec.A, q.Spec.B, t.Suite, t.Workload, t.Headline!), t.Test!);
            }
        }

        return result;
    }

    private static ReplicatedVerdict? Side(MetricComparison? c) =>
        c is null ? null : new ReplicatedVerdict(c.Verdict, c.Ratio, c.P, c.PAdjusted, c.FamilySize, c.Verdict == Verdict.Inconclusive ? c.Reason : null);

    private static Agreement Classify(MetricComparison? a, MetricComparison? b)
    {
        if (a is null || b is null)
        {
            return Agreement.MeasuredInOneRun;
        }

        if (a.Verdict == Verdict.Inconclusive || b.Verdict == Verdict.Inconclusive)
        {
            return a.Verdict == b.Verdict ? Agreement.InconclusiveInBoth : Agreement.InconclusiveInOne;
        }

        bool Significant(MetricComparison c) => c.Verdict is Verdict.Faster or Verdict.Slower;
        return (Significant(a), Significant(b)) switch
        {
            (true, true) => a.Verdict == b.Verdict ? Agreement.Confirmed : Agreement.Reversed,
            (true, false) or (false, true) => Agreement.NotSignificantInTheOther,
            _ => Agreement.NoDifferenceInEither,
        };
    }
}
