using System.Globalization;
using System.Text.RegularExpressions;
using VmLab.Results;
using VmLab.Statistics;
using VmLab.Suites;

namespace VmLab.Report;

/// <summary>
/// Turns a run (and the 2023 reference run) into the <see cref="ReportModel"/> and the charts to draw: the statistics
/// come from <see cref="RunAnalysis"/>, and all the wording of findings happens here; the tables' rows carry numbers
/// and verdicts, which the templates format with <see cref="Cells"/>.
/// </summary>
public static partial class ReportBuilder
{
    /// <summary>The contract's four questions (docs/CONTRACTS.md), used when the manifest declares none.</summary>
    public static IReadOnlyList<ComparisonSpec> DefaultComparisons { get; } =
    [
        new("Q1", "SMP (2 vCPU) vs UP (1 vCPU) guest", "baseline", "guest-up", "L2 vCPUs 2 → 1"),
        new("Q2", "Transparent huge pages vs regular pages", "baseline", "guest-thp-never", "L1 THP always → never"),
        new("Q3", "vhost vs no vhost", "baseline", "guest-vhost-off", "vhost=on → off on L2's tap netdev"),
        new("Q4", "KVM host vs VM", "host", "baseline", "measured in L1 (limited to L2's CPUs and memory) → in L2"),
    ];

    /// <summary>Builds the report of <paramref name="run"/>; <paramref name="reference"/> is the 2023 run, when available.</summary>
    public static (ReportModel Model, IReadOnlyList<ChartSpec> Charts) Build(RunData run, RunData? reference)
    {
        var m = run.Manifest;
        var charts = new List<ChartSpec>();
        var (questions, families, analyses) = Sections(run, Comparisons(m), charts);
        var isReference = reference is not null && reference.Manifest.RunId == m.RunId;
        var theirs = reference is null || isReference ? null : RunAnalysis.Of(reference, Comparisons(reference.Manifest));

        var model = new ReportModel(
            m.RunId,
            m.Profile,
            SmokeBanner(m, run.Results),
            m.Description,
            m.Provenance,
            Durations(m),
            m.Layers.Select(l => new LayerRow(l.Layer, l.Role, Show(l.Cpus), l.MemoryMb is { } mb ? $"{mb} MiB" : "–", l.Uname ?? "–", l.Cmdline ?? "–", l.Thp ?? "–", l.Cpu ?? "–")).ToList(),
            m.Scenarios.Select(s => new ScenarioRow(s.Id, s.Description, s.System, Show(s.L2Vcpus), s.Thp ?? "–", s.Vhost ?? "–", s.Source ?? "–",
                s.Network is { } n ? $"{n.Client.ToUpperInvariant()} → {n.Server.ToUpperInvariant()}" : "–")).ToList(),
            m.Sources.Where(s => s.Fallback is not null).Select(s => $"{s.Name}: {s.Fallback}" + (s.Url.Length > 0 ? $" (used {s.Url})" : "")).ToList(),
            VcpuRuleText(m),
            Overcommit(m),
            Validity(run.Results),
            m.Notes,
            questions,
            families.Select(FamilyText).ToList(),
            run.ConfigDiff?.TrimEnd('\n'),
            ConfigDiffVerdict.Of(run.ConfigDiff),
            ReferenceComparison(analyses, reference, theirs),
            AppendixOf(run),
            Evidence.Of(m, run.Results))
        {
            Shards = ShardBreakdown.Of(m, run.Results),
            Noise = NoiseReport.Of(m, run.Results),
            Conclusions = Conclusions.Of(m, analyses, theirs, isReference, Caveat(m, run.Results)),
            Method = MethodText.Test(m, analyses),
            Equivalence = MethodText.Equivalence(m),
            Precision = PrecisionReport.Of(m),
        };
        return (model, charts);
    }

    // The questions' sections, each question's headline comparisons Holm-adjusted as one family.
    private static (List<QuestionSection> Sections, IReadOnlyList<RunAnalysis.Family> Families, IReadOnlyList<QuestionAnalysis> Analyses) Sections(
        RunData run, IReadOnlyList<ComparisonSpec> specs, List<ChartSpec> charts)
    {
        var analyses = RunAnalysis.Of(run, specs);
        var families = RunAnalysis.Families(analyses);
        var mechanisms = MechanismAnalysis.Of(run, analyses);
        var sections = analyses.Select((q, i) => Section(q, families.Single(f => f.Question == q.Spec.Question), charts) with { Why = WhyReport.Of(mechanisms[i]) }).ToList();
        return (sections, families, analyses);
    }

    // What every answer of this run carries: a smoke run is no evidence; an overcommitted one is biased (the warning says how).
    private static string? Caveat(Manifest m, RunResults results)
    {
        var caveats = new List<string>();
        if (SmokeBanner(m, results) is not null)
        {
            caveats.Add("This is a smoke run: its verdicts show the pipeline works, they are not evidence.");
        }

        if (m.VcpuRule is { Met: false })
        {
            caveats.Add("The run is overcommitted (see the warning on page 1), which biases the ratios, not only the absolute numbers.");
        }

        return caveats.Count == 0 ? null : string.Join(" ", caveats);
    }

    // Per question: how many headline comparisons were tested, Holm's family, and how many survive it. Replaces a
    // count of uncorrected p-values, which with many metrics and few repeats invites chance findings.
    private static string FamilyText(RunAnalysis.Family f)
    {
        if (f.Tested == 0 && f.Inconclusive == 0)
        {
            return $"{f.Question}: no headline comparison: no suite output was measured on both sides.";
        }

        if (f.Tested == 0)
        {
            return $"{f.Question}: no headline comparison could be tested ({Count(f.Inconclusive, "inconclusive comparison")}), so Holm's family is empty and nothing is significant.";
        }

        var text = $"{f.Question}: {Count(f.Tested, "headline comparison")} tested (one per suite output), Holm-adjusted as one family of {f.Tested}: " +
                   $"{f.Significant} significant after the adjustment ({f.SignificantUnadjusted} at p < 0.05 before it).";
        return f.Inconclusive == 0 ? text
            : $"{text} {Count(f.Inconclusive, "inconclusive headline comparison")} {(f.Inconclusive == 1 ? "is" : "are")} not tested and not in the family.";
    }

    private static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";

    private static IReadOnlyList<ComparisonSpec> Comparisons(Manifest m) => m.Comparisons.Count > 0 ? m.Comparisons : DefaultComparisons;

    private static QuestionSection Section(QuestionAnalysis q, RunAnalysis.Family family, List<ChartSpec> charts)
    {
        var spec = q.Spec;
        var findings = new List<string>();
        var tables = q.Tables.Select(t => Table(spec, t, findings, charts)).ToList();
        if (findings.Count == 0)
        {
            findings.Add(NoFinding(q, tables));
        }

        return new QuestionSection(spec.Question, spec.Title, spec.Factor, spec.A, spec.B, tables, findings, FamilyText(family));
    }

    // One suite output's table, its chart (added to charts) and its significant headline (added to findings).
    private static SuiteTable Table(ComparisonSpec spec, TableAnalysis t, List<string> findings, List<ChartSpec> charts)
    {
        var notes = new List<string>();
        if (t.MeasuredOnlyIn is { } only)
        {
            notes.Add($"{t.Label} was measured only in {only}: nothing to compare.");
            return new SuiteTable(t.Suite, t.Workload, null, [], notes);
        }

        notes.AddRange(t.Untrusted.Select(u => $"`{u.File}`: {string.Join("; ", u.Reasons())}"));
        if (t.Headline is null)
        {
            notes.Add($"No headline metric of {t.Label} was measured on both sides: nothing here is tested.");
        }

        var rows = new List<MetricRow>();
        var groups = new List<ChartGroup>();
        foreach (var m in t.Metrics)
        {
            var c = m.Comparison;
            rows.Add(Row(m, t));
            if (m.IsHeadline && c.Verdict is Verdict.Faster or Verdict.Slower)
            {
                findings.Add($"{spec.B} vs {spec.A}: {t.Label} `{m.Metric}` {Numbers.Change(c.Ratio!.Value)} (p={Numbers.P(c.P!.Value)}, Holm p={Numbers.P(c.PAdjusted!.Value)}, {VerdictText.Of(c.Verdict)})");
            }

            if (c.A.Mean != 0)
            {
                groups.Add(new ChartGroup(m.Metric, 100, c.A.Sd / c.A.Mean * 100, c.B.Mean / c.A.Mean * 100, c.B.Sd / c.A.Mean * 100));
            }
        }

        return new SuiteTable(t.Suite, t.Workload, Chart(spec, t, groups, charts), rows, notes);
    }

    // The table's chart (B as % of A per metric), added to charts; null when no metric has a mean to divide by.
    private static string? Chart(ComparisonSpec spec, TableAnalysis t, List<ChartGroup> groups, List<ChartSpec> charts)
    {
        if (groups.Count == 0)
        {
            return null;
        }

        var chart = FileName($"{spec.Question}-{spec.B}-{t.Label}") + ".svg";
        charts.Add(new ChartSpec(chart, $"{spec.Question} {t.Label}: {spec.B} as % of {spec.A}", spec.A, spec.B, groups));
        return chart;
    }

    // What a question without a significant headline says instead.
    private static string NoFinding(QuestionAnalysis q, List<SuiteTable> tables)
    {
        var headlines = q.Tables.Select(t => t.Test).OfType<MetricComparison>().ToList();
        var unadjusted = headlines.Count(c => c.Tested && c.P < MetricComparison.Alpha);
        return tables.All(t => t.Rows.Count == 0) ? "Nothing to compare: no suite was measured on both sides."
            : headlines.Count == 0 ? "Nothing tested: no headline metric was measured on both sides."
            : headlines.All(c => !c.Tested) ? "No finding: every headline comparison is inconclusive (see the why column)."
            : "No significant difference in any headline metric after Holm's adjustment" +
              (unadjusted == 0 ? "." : $" ({unadjusted} below p < 0.05 before it).");
    }

    private static MetricRow Row(MetricAnalysis m, TableAnalysis table)
    {
        var c = m.Comparison;
        var tested = m.IsHeadline;
        return new MetricRow(
            m.Metric,
            m.IsHeadline,
            m.Definition.Direction,
            c.A,
            c.B,
            c.Ratio,
            tested ? c.RatioCiLow : null,
            tested ? c.RatioCiHigh : null,
            tested ? c.P : null,
            tested ? c.PAdjusted : null,
            tested ? c.DetectableAfterHolm : null,
            VerdictOf(m),
            tested ? MethodText.Why(c) : ShownOnly(m, table));
    }

    // Only the headline is tested; a shown metric's comparison carries no verdict.
    private static Verdict? VerdictOf(MetricAnalysis m) => m.IsHeadline ? m.Comparison.Verdict : null;

    // Why a shown metric carries no verdict: it is another view of the measurement whose headline is tested.
    private static string ShownOnly(MetricAnalysis m, TableAnalysis table) =>
        table.Metrics.FirstOrDefault(h => h.IsHeadline) is not { } headline ? "shown only: no headline was measured on both sides"
        : headline.Definition.Group == m.Definition.Group ? $"shown only: the same {m.Definition.Group} as `{headline.Metric}`"
        : m.Definition.IsMechanism ? $"`{headline.Metric}` is the tested figure of this output; as a mechanism metric, this one goes to the question's why (tested there where it can be)"
        : $"shown only: `{headline.Metric}` is the tested figure of this output";

    private static string Durations(Manifest m)
    {
        if (m.StartedUtc is not { } start)
        {
            return "not recorded";
        }

        var from = start.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);
        if (m.EndedUtc is not { } end)
        {
            return $"started {from}, no end recorded (the run did not finish)";
        }

        var span = end - start;
        return $"{from} → {end.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture)} ({(int)span.TotalHours} h {span.Minutes} min)";
    }

    private static string VcpuRuleText(Manifest m) => m.VcpuRule switch
    {
        null => "not recorded for this run: whether it was overcommitted is unknown",
        { Met: true } v => $"met ({v.L0Cpus} > {v.L1Vcpus} > {v.L2Vcpus})",
        { } v => $"not met ({v.L0Cpus} > {v.L1Vcpus} > {v.L2Vcpus} is false): overcommitted",
    };

    // How overcommit biases the study's questions, said from this run's vCPU numbers: the layers' vCPUs and the
    // clients compete for the same physical CPUs, so ratios are biased, not only absolute numbers.
    private static string? Overcommit(Manifest m)
    {
        if (m.VcpuRule is not { Met: false } v)
        {
            return null;
        }

        var text = new List<string>
        {
            $"The vCPU rule pCPU(L0) > vCPU(L1) > vCPU(L2) was not met ({v.L0Cpus} > {v.L1Vcpus} > {v.L2Vcpus} is false): every result of this run is overcommitted.",
            $"L1's {Count(v.L1Vcpus, "vCPU")} {(v.L1Vcpus == 1 ? "is a QEMU/TCG thread" : "are QEMU/TCG threads")} on L0's {Count(v.L0Cpus, "physical CPU")}, " +
            $"and L2's {Count(v.L2Vcpus, "vCPU")} {(v.L2Vcpus == 1 ? "runs" : "run")} inside them, " +
            $"so L2's vCPUs and L1's own vCPU threads compete for the same {Count(Math.Min(v.L0Cpus, v.L1Vcpus), "CPU")}.",
        };
        if (v.L2Vcpus > 1 && (v.L1Vcpus <= v.L2Vcpus || v.L0Cpus <= v.L2Vcpus))
        {
            text.Add("Q1 (SMP vs UP): the SMP guest's second vCPU has no CPU of its own, so it should buy less than it would on a machine that meets the rule; " +
                     "Q1 is expected to understate SMP's gain (UP may even look better), by an amount this run does not measure.");
        }

        text.Add(v.L1Vcpus <= v.L2Vcpus
            ? $"Q4 (host vs VM): the host scenario's limit to L2's {Count(v.L2Vcpus, "CPU")} limits nothing real (L1 has only {v.L1Vcpus}), while the guest pays for its emulated vCPUs on top; the host–VM gap is expected to be overstated, by an amount this run does not measure."
            : $"Q4 (host vs VM): the guest's vCPUs compete with L1's own threads for L0's {Count(v.L0Cpus, "CPU")}, a cost the host scenario does not pay; the host–VM gap is expected to be overstated, by an amount this run does not measure.");
        text.Add($"The netperf and ab clients run on L0 and compete with the TCG threads for the same {Count(v.L0Cpus, "CPU")}. Absolute numbers are pessimistic and noisy.");
        return string.Join(" ", text);
    }

    // A smoke run checks the pipeline; its tiny sizes and 2 repeats cannot support a verdict, whatever the p says.
    private static string? SmokeBanner(Manifest m, RunResults results)
    {
        if (!string.Equals(m.Profile, "smoke", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var repeats = results.Units.Where(u => SuiteRegistry.Find(u.Suite) is { IsBenchmark: true })
            .GroupBy(u => u.File[..Math.Max(0, u.File.LastIndexOf('/'))], StringComparer.Ordinal)
            .Select(g => g.Count()).DefaultIfEmpty(0).Max();
        return $"**Smoke run: these verdicts are not evidence.** The smoke profile runs every suite at tiny sizes with {Count(repeats, "repeat")} " +
               "per scenario to check the pipeline end to end; its p-values, intervals and verdicts show that the statistics work, not how the " +
               "configurations compare. Measure with the quick or full profile (`./build.sh --profile=quick`) for results.";
    }

    private static ValiditySummary Validity(RunResults results)
    {
        var invalid = results.Units.Where(u => !u.Valid).Select(u => new InvalidUnit(u.File, string.Join("; ", u.Reasons()))).ToList();
        var byFile = results.Units.ToDictionary(u => u.File, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var reused = new List<string>();
        foreach (var u in results.Units.Where(u => u.DuplicateOf.Count > 0))
        {
            if (!seen.Add(u.File))
            {
                continue;
            }

            // The whole group of copies, so "A = B = C" is said once.
            var group = new SortedSet<string>(StringComparer.Ordinal) { u.File };
            var queue = new Queue<string>(u.DuplicateOf);
            while (queue.TryDequeue(out var f))
            {
                if (group.Add(f))
                {
                    seen.Add(f);
                    foreach (var g in byFile[f].DuplicateOf)
                    {
                        queue.Enqueue(g);
                    }
                }
            }

            var scenarios = group.Select(f => byFile[f].Scenario).Distinct().Count();
            reused.Add($"{string.Join(" = ", group.Select(f => $"`{f}`"))}: one {u.Suite} output presented as {scenarios} different configuration{(scenarios == 1 ? "" : "s")}");
        }

        return new ValiditySummary(results.Units.Count, results.Units.Count - invalid.Count, invalid.Count, invalid, reused) { Rebuilt = Rebuilt(results) };
    }

    // A ledger rebuilt by vmlab lab repair vouches only for what it found recorded: say what each record rests on.
    private static string? Rebuilt(RunResults results)
    {
        var rebuilt = results.Units.Where(u => u.Rebuilt is not null).GroupBy(u => u.Rebuilt!.Value).OrderBy(g => g.Key).ToList();
        if (rebuilt.Count == 0)
        {
            return null;
        }

        static string Words(VmLab.Lab.Ledger.Witness w) => w switch
        {
            VmLab.Lab.Ledger.Witness.Ledger => "the units.json it replaced",
            VmLab.Lab.Ledger.Witness.Console => "the VMs' console blocks",
            VmLab.Lab.Ledger.Witness.Results => "the earlier results.json",
            _ => "nothing (unverified: those outputs cannot be used)",
        };

        return $"units.json was rebuilt by `vmlab lab repair`, not written by the lab as the units ran. The sha256s of {Count(rebuilt.Sum(g => g.Count()), "raw output")} rest on " +
               string.Join(", ", rebuilt.Select(g => $"{Words(g.Key)} ({g.Count()})")) + "; a raw output that differs from its record is invalid.";
    }

    // This run's ratios beside the 2023 reference's (theirs: its analysis; null when there is none or this run is it).
    private static ReferenceSection ReferenceComparison(IReadOnlyList<QuestionAnalysis> analyses, RunData? reference, IReadOnlyList<QuestionAnalysis>? theirs)
    {
        if (reference is null)
        {
            return new ReferenceSection("The reference run (results/reference-2023) was not available, so there is nothing to place beside this run.", []);
        }

        if (theirs is null)
        {
            return new ReferenceSection("This run *is* the 2023 reference: its numbers are the 2023 report's, re-read through VmLab's parsers. Other runs' reports place their ratios beside these.", []);
        }

        var rows = (
            from q in analyses
            from t in q.Tables
            from m in ReferenceMatch.Compared(t)
            let match = ReferenceMatch.Metric(theirs, q.Spec.Question, t, m.Metric)
            where match is not null
            select new ReferenceRow(q.Spec.Question, t.Label, m.Metric, m.Comparison.Ratio, VerdictOf(m), match.Comparison.Ratio, VerdictOf(match))).ToList();
        return new ReferenceSection(
            rows.Count == 0 ? "No metric of this run was also measured in the 2023 report."
                : "Ratios B/A of this run beside the 2023 report's for the same question, suite and metric. The 2023 ratios rest on one run per side (inconclusive by construction) and some on invalid or reused data; read them as what the study claimed, not as a measurement: the Answers test this run's intervals against them as such.",
            rows);
    }

    private static Appendix AppendixOf(RunData run)
    {
        var m = run.Manifest;
        return new Appendix(
            m.Tools.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new KeyValue(t.Key, t.Value)).ToList(),
            m.Artifacts.Select(a => new KeyValue(a.Name, $"key `{a.Key}`, sha256 `{a.Sha256}`")).ToList(),
            m.Sources.Select(s => new KeyValue(s.Name, $"{s.Url}{(s.Sha256 is null ? "" : $" sha256 `{s.Sha256}`")}{(s.Fallback is null ? "" : $" (fallback: {s.Fallback})")}")).ToList(),
            run.Results.Units.Select(u => new RawFileRow(u.File, u.Sha256[..16],
                !u.Recognised ? "unrecognised" : u.Problems.Count > 0 ? "invalid" : u.DuplicateOf.Count > 0 ? "reused" : "valid")).ToList(),
            m.VmlabVersion,
            m.ReproduceCommand ?? $"./build.sh --profile={m.Profile}",
            $"dotnet run --project src/VmLab.Cli -- report results/{m.RunId}");
    }

    private static string Show(int? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "–";

    private static string FileName(string text) => NotFileSafe().Replace(text.ToLowerInvariant(), "-").Trim('-');

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NotFileSafe();
}
