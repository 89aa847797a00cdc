using VmLab.Results;

namespace VmLab.Report;

/// <summary>What <c>vmlab compare</c> shows: the same scenario in two runs, B against A.</summary>
public sealed record CompareModel(string RunA, string RunB, ValiditySummary ValidityA, ValiditySummary ValidityB, IReadOnlyList<QuestionSection> Scenarios);

public static partial class ReportBuilder
{
    /// <summary>
    /// Compares every scenario two runs share, run <paramref name="b"/> against run <paramref name="a"/>:
    /// did a new kernel, QEMU or profile change the numbers beyond the noise?
    /// </summary>
    public static (CompareModel Model, IReadOnlyList<ChartSpec> Charts) BuildComparison(RunData a, RunData b)
    {
        string Tag(string run, string scenario) => $"{run}/{scenario}";
        var units = a.Results.Units.Select(u => u with { Scenario = Tag(a.Manifest.RunId, u.Scenario) })
            .Concat(b.Results.Units.Select(u => u with { Scenario = Tag(b.Manifest.RunId, u.Scenario) })).ToList();
        var shared = a.Results.Units.Select(u => u.Scenario).Distinct().Intersect(b.Results.Units.Select(u => u.Scenario))
            .Order(StringComparer.Ordinal).ToList();
        var merged = new RunData(a.Manifest, new RunResults($"{a.Manifest.RunId} vs {b.Manifest.RunId}", units));
        var specs = shared.Select(s => new ComparisonSpec(s, $"`{s}` in both runs", Tag(a.Manifest.RunId, s), Tag(b.Manifest.RunId, s), "the run")).ToList();
        var charts = new List<ChartSpec>();
        var (sections, _) = Sections(merged, specs, charts);
        return (new CompareModel(a.Manifest.RunId, b.Manifest.RunId, Validity(a.Results), Validity(b.Results), sections), charts);
    }
}
