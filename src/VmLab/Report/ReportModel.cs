using VmLab.Statistics;
using VmLab.Suites;

namespace VmLab.Report;

// The plain model the Scriban templates read (Scriban sees the properties in snake_case: RunId → run_id).
// Wording is text already; the tables' numbers and verdicts are typed, and the templates format them with Cells
// (cells.p, cells.ratio, ...): templates lay out and format, they do not compute.

/// <summary>Everything REPORT.md shows.</summary>
public sealed record ReportModel(
    string RunId,
    string Profile,
    string? SmokeBanner,
    string? Description,
    string? Provenance,
    string Durations,
    IReadOnlyList<LayerRow> Layers,
    IReadOnlyList<ScenarioRow> Scenarios,
    IReadOnlyList<string> Fallbacks,
    string VcpuRule,
    string? Overcommit,
    ValiditySummary Validity,
    IReadOnlyList<string> Notes,
    IReadOnlyList<QuestionSection> Questions,
    IReadOnlyList<string> Multiplicity,
    string? ConfigDiff,
    string ConfigDiffVerdict,
    ReferenceSection Reference,
    Appendix Appendix,
    EvidenceSection Evidence)
{
    /// <summary>A merged run's per-shard breakdown and consistency check; null (no section) for any other run.</summary>
    public ShardSection? Shards { get; init; }

    /// <summary>What else ran on L0 and each boot's speed; null (no section) for runs without those records.</summary>
    public NoiseSection? Noise { get; init; }

    /// <summary>Each question's answer from its headline verdicts, beside the 2023 study's claims.</summary>
    public IReadOnlyList<ConclusionSection> Conclusions { get; init; } = [];

    /// <summary>The test the run's comparisons use and its rule for degrees of freedom, in words.</summary>
    public string Method { get; init; } = "";

    /// <summary>The equivalence margin the run declared before it started, or that it declared none, in words.</summary>
    public string Equivalence { get; init; } = "";

    /// <summary>A precision run's rule, looks and reason for stopping (Templates/_precision.scriban); null for any other run.</summary>
    public PrecisionSection? Precision { get; init; }
}

/// <summary>One layer on the first page and in the appendix.</summary>
public sealed record LayerRow(string Layer, string Role, string Cpus, string Memory, string Uname, string Cmdline, string Thp, string Cpu);

/// <summary>One scenario with its settings.</summary>
/// <param name="Network">Where the network suites' client and server ran, e.g. "L0 → L2".</param>
public sealed record ScenarioRow(string Id, string Description, string System, string L2Vcpus, string Thp, string Vhost, string Source, string Network);

/// <summary>How many units could be used, and why the others could not.</summary>
public sealed record ValiditySummary(int Units, int Valid, int Invalid, IReadOnlyList<InvalidUnit> InvalidUnits, IReadOnlyList<string> ReusedGroups)
{
    /// <summary>When units.json was rebuilt by <c>vmlab lab repair</c>: what the rebuilt records rest on, in words; else null.</summary>
    public string? Rebuilt { get; init; }
}

/// <summary>One raw file that cannot be trusted, with every reason.</summary>
public sealed record InvalidUnit(string File, string Reasons);

/// <summary>One comparison (a study question, or part of one).</summary>
/// <param name="Family">How many headline comparisons of the question were tested, Holm's family, how many are significant.</param>
public sealed record QuestionSection(
    string Question, string Title, string Factor, string A, string B, IReadOnlyList<SuiteTable> Suites, IReadOnlyList<string> Findings, string Family)
{
    /// <summary>The mechanism behind the answer and the hypotheses' verdicts (Templates/_why.scriban); null where none is built (<c>vmlab compare</c>).</summary>
    public WhySection? Why { get; init; }
}

/// <summary>One suite (and workload) of a comparison: its table and chart.</summary>
public sealed record SuiteTable(string Suite, string Workload, string? Chart, IReadOnlyList<MetricRow> Rows, IReadOnlyList<string> Missing);

/// <summary>
/// One metric's row: A and B summarised (mean, sd, n, coefficient of variation), the ratio B/A, and for the headline
/// the test: the ratio's 95% interval, p alone and Holm-adjusted, the minimum detectable change and the verdict.
/// A shown metric has none of the test's values (null) and no verdict (null: "not tested").
/// </summary>
/// <param name="Headline">True for the tested metric of the output.</param>
/// <param name="Better">Which way the metric improves.</param>
/// <param name="Ratio">The test's estimate of B/A (mean(B) / mean(A) for Welch, the geometric mean of the blocks' ratios for the block test); null when A's mean is 0.</param>
/// <param name="Mde">The changes down and up the run could detect with 80% power at Holm's strictest level (α / family size, two-sided).</param>
/// <param name="Verdict">The test's verdict; null for a shown metric, which is not tested.</param>
/// <param name="Reason">Why the verdict is what it is (or why a shown metric carries none).</param>
public sealed record MetricRow(
    string Metric, bool Headline, MetricDirection Better, SampleSummary A, SampleSummary B,
    double? Ratio, double? RatioCiLow, double? RatioCiHigh, double? P, double? HolmP, DetectableChange? Mde, Verdict? Verdict, string Reason);

/// <summary>"Compared with the 2023 report": this run's ratios beside the reference run's.</summary>
public sealed record ReferenceSection(string Text, IReadOnlyList<ReferenceRow> Rows);

/// <summary>One metric's ratio B/A and verdict here and in the reference (a null verdict: not tested).</summary>
public sealed record ReferenceRow(string Question, string Suite, string Metric, double? ThisRun, Verdict? ThisVerdict, double? Reference, Verdict? ReferenceVerdict);

/// <summary>Environment, hashes, raw files, and how to reproduce the run.</summary>
public sealed record Appendix(
    IReadOnlyList<KeyValue> Tools,
    IReadOnlyList<KeyValue> Artifacts,
    IReadOnlyList<KeyValue> Sources,
    IReadOnlyList<RawFileRow> RawFiles,
    string? VmlabVersion,
    string ReproduceCommand,
    string RegenerateCommand);

/// <summary>A name and its value (a tool version, an artifact's hash).</summary>
public sealed record KeyValue(string Key, string Value);

/// <summary>One raw file with its hash and state.</summary>
public sealed record RawFileRow(string File, string Sha256, string State);
