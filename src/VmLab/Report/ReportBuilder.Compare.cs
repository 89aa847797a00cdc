using VmLab.Results;
using VmLab.Statistics;

namespace VmLab.Report;

/// <summary>
/// What <c>vmlab compare</c> shows: first whether the two runs' verdicts agree (<see cref="Agreement"/>), then the
/// same scenario in both runs, B against A.
/// </summary>
/// <param name="ProfileWarning">Set when the runs used different profiles: their verdicts answer different questions.</param>
/// <param name="Counts">How many comparisons fall in each agreement category (all categories, zeros included).</param>
/// <param name="Agreement">One row per comparison (question × suite output × headline metric).</param>
public sealed record CompareModel(
    string RunA,
    string RunB,
    string ProfileA,
    string ProfileB,
    string? ProfileWarning,
    IReadOnlyList<AgreementCountRow> Counts,
    IReadOnlyList<AgreementRow> Agreement,
    ValiditySummary ValidityA,
    ValiditySummary ValidityB,
    IReadOnlyList<QuestionSection> Scenarios);

/// <summary>One agreement category with its count.</summary>
public sealed record AgreementCountRow(string Agreement, int Count, string Meaning);

/// <summary>One comparison's verdicts in run A and run B, and whether they agree.</summary>
public sealed record AgreementRow(string Question, string Comparison, string Suite, string Metric, string RunA, string RunB, string Agreement);

public static partial class ReportBuilder
{
    /// <summary>The comparisons a run's report makes: its manifest's, or the contract's four questions.</summary>
    public static IReadOnlyList<ComparisonSpec> ComparisonsOf(Manifest manifest) => Comparisons(manifest);

    /// <summary>
    /// Compares run <paramref name="b"/> with run <paramref name="a"/>: do the verdicts replicate, and did a new
    /// kernel, QEMU or profile change the numbers of each shared scenario beyond the noise?
    /// </summary>
    public static (CompareModel Model, IReadOnlyList<ChartSpec> Charts) BuildComparison(RunData a, RunData b) =>
        BuildComparison(a, b, Replication.Of(a, b));

    /// <summary>As <see cref="BuildComparison(RunData, RunData)"/>, with the verdict agreement already computed.</summary>
    public static (CompareModel Model, IReadOnlyList<ChartSpec> Charts) BuildComparison(RunData a, RunData b, Replication replication)
    {
        string Tag(string run, string scenario) => $"{run}/{scenario}";
        var units = a.Results.Units.Select(u => u with { Scenario = Tag(a.Manifest.RunId, u.Scenario) })
            .Concat(b.Results.Units.Select(u => u with { Scenario = Tag(b.Manifest.RunId, u.Scenario) })).ToList();
        var shared = a.Results.Units.Select(u => u.Scenario).Distinct().Intersect(b.Results.Units.Select(u => u.Scenario))
            .Order(StringComparer.Ordinal).ToList();
        var merged = new RunData(a.Manifest, new RunResults($"{a.Manifest.RunId} vs {b.Manifest.RunId}", units));
        var specs = shared.Select(s => new ComparisonSpec(s, $"`{s}` in both runs", Tag(a.Manifest.RunId, s), Tag(b.Manifest.RunId, s), "the run")).ToList();
        var charts = new List<ChartSpec>();
        var (sections, _, _) = Sections(merged, specs, charts);

        var warning = a.Manifest.Profile == b.Manifest.Profile ? null
            : $"The runs used different profiles ({a.Manifest.Profile}, {b.Manifest.Profile}): their sizes differ, so their verdicts answer different questions and agreement between them says little.";
        var counts = replication.Counts.Select(c => new AgreementCountRow(Replication.Text(c.Agreement), c.Count, Replication.Meaning(c.Agreement))).ToList();
        var rows = replication.Comparisons.Select(c => new AgreementRow(
            c.Question,
            $"`{c.B}` vs `{c.A}`",
            c.Workload.Length > 0 ? $"{c.Suite} {c.Workload}" : c.Suite,
            c.Metric,
            Side(c.RunA),
            Side(c.RunB),
            Replication.Text(c.Agreement))).ToList();

        return (new CompareModel(a.Manifest.RunId, b.Manifest.RunId, a.Manifest.Profile, b.Manifest.Profile, warning, counts, rows,
            Validity(a.Results), Validity(b.Results), sections), charts);
    }

    private static string Side(ReplicatedVerdict? v) =>
        v is null ? "not measured"
        : $"{VerdictText.Of(v.Verdict)}" +
          (v.Ratio is { } r ? $" · B/A {Numbers.Ratio(r)}" : "") +
          (v.PHolm is { } p ? $" · Holm p {Numbers.P(p)}" : "");
}
