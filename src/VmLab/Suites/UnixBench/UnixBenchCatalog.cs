using static VmLab.Suites.MetricDirection;
using static VmLab.Suites.MetricRole;

namespace VmLab.Suites;

/// <summary>
/// UnixBench's metrics (<see cref="UnixBenchParser"/>): the index score (the geometric mean of the tests' indices)
/// is the headline; each test's index is shown. When a run has only one test (the smoke profile runs only
/// <c>dhry2reg</c>), the score is that test's index under another name, and the headline is the test's own index.
/// </summary>
public sealed class UnixBenchCatalog : MetricCatalog
{
    private const string Index = "index table";
    private const string Copies = "N-copy index table";

    /// <inheritdoc />
    public override string Suite => UnixBenchParser.Id;

    /// <inheritdoc />
    public override IReadOnlyList<MetricDefinition> Metrics { get; } =
    [
        new("index_score", "index", HigherIsBetter, MetricRole.Headline, Index, "System Benchmarks Index Score: geometric mean of the tests' indices (SPARCstation 20-61 = 10)"),
        new("c#_index_score", "index", HigherIsBetter, Shown, Copies, "the index score of the N-parallel-copies pass"),
        new("c#_*_index", "index", HigherIsBetter, Recorded, Copies, "one test's index in the N-parallel-copies pass"),
        new("c#_*_result", "the test's unit", HigherIsBetter, Recorded, Copies, "one test's result in the N-parallel-copies pass"),
        new("*_index", "index", HigherIsBetter, Shown, Index, "one test's result / its baseline × 10"),
        new("*_result", "the test's unit", HigherIsBetter, Recorded, Index, "one test's result (lps, KBps, MWIPS, lpm)"),
    ];

    /// <inheritdoc />
    public override string? Headline(IReadOnlyDictionary<string, MetricValue> output)
    {
        // The first pass's tests: "<test>_index" without a "c<N>_" pass prefix.
        var tests = output.Keys.Where(k => Find(k) is { Id: "*_index" }).ToList();
        return tests.Count == 1 ? tests[0] : base.Headline(output);
    }
}
