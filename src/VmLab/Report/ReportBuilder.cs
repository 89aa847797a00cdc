using System.Globalization;
using System.Text.RegularExpressions;
using VmLab.Results;
using VmLab.Statistics;
using VmLab.Suites;

namespace VmLab.Report;

/// <summary>A run as the report reads it: manifest, parsed results and, when present, kernel/config.diff.</summary>
public sealed record RunData(Manifest Manifest, RunResults Results, string? ConfigDiff = null)
{
    /// <summary>Reads a run directory (manifest.json, results.json, kernel/config.diff).</summary>
    public static RunData Load(RunDirectory run) => new(run.ReadManifest(), run.ReadResults(), run.ReadKernelConfigDiff());
}

/// <summary>
/// Turns a run (and the 2023 reference run) into the <see cref="ReportModel"/> and the charts to draw: all the
/// statistics and all the wording of findings happen here, so templates only lay out text.
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

    // The figures a reader compares configurations by; every other directional metric stays in results.json.
    private static readonly Dictionary<string, string[]> Headline = new(StringComparer.Ordinal)
    {
        ["hackbench"] = ["time_s"],
        ["kernbench"] = ["elapsed_s", "user_s", "system_s"],
        ["netperf"] = ["throughput_mbps", "transactions_per_s"],
        ["ab"] = ["requests_per_s", "transfer_rate_kbps", "time_per_request_ms", "connect_mean", "processing_mean", "waiting_mean", "total_mean"],
    };

    /// <summary>Builds the report of <paramref name="run"/>; <paramref name="reference"/> is the 2023 run, when available.</summary>
    public static (ReportModel Model, IReadOnlyList<ChartSpec> Charts) Build(RunData run, RunData? reference)
    {
        var m = run.Manifest;
        var charts = new List<ChartSpec>();
        var questions = Comparisons(m).Select(spec => Section(run, spec, charts)).ToList();

        var model = new ReportModel(
            m.RunId,
            m.Profile,
            m.Description,
            m.Provenance,
            Durations(m),
            m.Layers.Select(l => new LayerRow(l.Layer, l.Role, Show(l.Cpus), l.MemoryMb is { } mb ? $"{mb} MiB" : "–", l.Uname ?? "–", l.Cmdline ?? "–", l.Thp ?? "–", l.Cpu ?? "–")).ToList(),
            m.Scenarios.Select(s => new ScenarioRow(s.Id, s.Description, s.System, Show(s.L2Vcpus), s.Thp ?? "–", s.Vhost ?? "–", s.Source ?? "–")).ToList(),
            m.Sources.Where(s => s.Fallback is not null).Select(s => $"{s.Name}: {s.Fallback}" + (s.Url.Length > 0 ? $" (used {s.Url})" : "")).ToList(),
            VcpuRuleText(m),
            Overcommit(m),
            Validity(run.Results),
            m.Notes,
            questions,
            Multiplicity(questions),
            run.ConfigDiff?.TrimEnd('\n'),
            ConfigDiffVerdict(run.ConfigDiff),
            ReferenceComparison(run, questions, reference),
            AppendixOf(run));
        return (model, charts);
    }

    // Every tested metric is a chance at a false "significant": with many metrics and few repeats, say how many
    // significant results chance alone would give (the p-values are not corrected for multiplicity).
    private static string? Multiplicity(IReadOnlyList<QuestionSection> questions)
    {
        var verdicts = questions.SelectMany(q => q.Suites).SelectMany(t => t.Rows).Select(r => r.Verdict).ToList();
        var tested = verdicts.Count(v => v != VerdictText.Of(Verdict.Inconclusive));
        if (tested == 0)
        {
            return null;
        }

        var significant = verdicts.Count(v => v == VerdictText.Of(Verdict.Faster) || v == VerdictText.Of(Verdict.Slower));
        var expected = (tested * 0.05).ToString("0.#", CultureInfo.InvariantCulture);
        return $"**Many comparisons:** {significant} of {tested} tested metric comparisons are significant at p < 0.05; " +
               $"if nothing differed, chance alone would give about {expected} (the p-values are not corrected for the " +
               "number of comparisons). Treat a single significant result as a lead to confirm with more repeats.";
    }

    private static IReadOnlyList<ComparisonSpec> Comparisons(Manifest m) => m.Comparisons.Count > 0 ? m.Comparisons : DefaultComparisons;

    private static QuestionSection Section(RunData run, ComparisonSpec spec, List<ChartSpec> charts)
    {
        var units = run.Results.Units.Where(u => u.Suite != "console" && u.Recognised).ToList();
        var a = units.Where(u => u.Scenario == spec.A).ToList();
        var b = units.Where(u => u.Scenario == spec.B).ToList();
        var suiteOrder = SuiteParsers.Names.ToList();
        var workloads = a.Concat(b)
            .Select(u => (u.Suite, u.Workload)).Distinct()
            .OrderBy(w => suiteOrder.IndexOf(w.Suite)).ThenBy(w => w.Workload, StringComparer.Ordinal)
            .ToList();

        var tables = new List<SuiteTable>();
        var findings = new List<string>();
        foreach (var (suite, workload) in workloads)
        {
            var ua = a.Where(u => u.Suite == suite && u.Workload == workload).ToList();
            var ub = b.Where(u => u.Suite == suite && u.Workload == workload).ToList();
            var label = workload.Length > 0 ? $"{suite} {workload}" : suite;
            var notes = new List<string>();
            if (ua.Count == 0 || ub.Count == 0)
            {
                notes.Add($"{label} was measured only in {(ua.Count == 0 ? spec.B : spec.A)}: nothing to compare.");
                tables.Add(new SuiteTable(suite, workload, null, [], notes));
                continue;
            }

            var untrusted = ua.Concat(ub).Where(u => !u.Valid).ToList();
            notes.AddRange(untrusted.Select(u => $"`{u.File}`: {string.Join("; ", u.Reasons())}"));
            var untrustedLabel = untrusted.Count == 0 ? null
                : untrusted.All(u => u.DuplicateOf.Count > 0 && u.Problems.Count == 0) ? "reused data"
                : untrusted.Any(u => u.Problems.Count > 0) && untrusted.Any(u => u.DuplicateOf.Count > 0) ? "invalid and reused data"
                : "invalid data";

            var rows = new List<MetricRow>();
            var groups = new List<ChartGroup>();
            foreach (var metric in MetricsOf(suite, ua, ub))
            {
                var va = ua.Select(u => u.Metrics.GetValueOrDefault(metric).Number).OfType<double>().ToList();
                var vb = ub.Select(u => u.Metrics.GetValueOrDefault(metric).Number).OfType<double>().ToList();
                var direction = SuiteParsers.Direction(suite, metric);
                var c = MetricComparison.Of(va, vb, direction, untrustedLabel);
                rows.Add(Row(metric, direction, c));
                if (c.Verdict is Verdict.Faster or Verdict.Slower)
                {
                    findings.Add($"{spec.B} vs {spec.A}: {label} `{metric}` {Numbers.Change(c.Ratio!.Value)} (p={Numbers.P(c.P!.Value)}, {VerdictText.Of(c.Verdict)})");
                }

                if (c.A.Mean != 0)
                {
                    groups.Add(new ChartGroup(metric, 100, c.A.Sd / c.A.Mean * 100, c.B.Mean / c.A.Mean * 100, c.B.Sd / c.A.Mean * 100));
                }
            }

            string? chart = null;
            if (groups.Count > 0)
            {
                chart = FileName($"{spec.Question}-{spec.B}-{label}") + ".svg";
                charts.Add(new ChartSpec(chart, $"{spec.Question} {label}: {spec.B} as % of {spec.A}", spec.A, spec.B, groups));
            }

            tables.Add(new SuiteTable(suite, workload, chart, rows, notes));
        }

        if (findings.Count == 0)
        {
            var verdicts = tables.SelectMany(t => t.Rows).Select(r => r.Verdict).ToList();
            findings.Add(verdicts.Count == 0 ? "Nothing to compare: no suite was measured on both sides."
                : verdicts.All(v => v == VerdictText.Of(Verdict.Inconclusive)) ? "No finding: every comparison is inconclusive (see the reason column)."
                : "No significant difference in any headline metric at the 5% level.");
        }

        return new QuestionSection(spec.Question, spec.Title, spec.Factor, spec.A, spec.B, tables, findings);
    }

    private static IEnumerable<string> MetricsOf(string suite, List<UnitResult> a, List<UnitResult> b)
    {
        bool Both(string metric) => a.Any(u => u.Metrics.GetValueOrDefault(metric).IsNumber) && b.Any(u => u.Metrics.GetValueOrDefault(metric).IsNumber);
        if (Headline.TryGetValue(suite, out var headline))
        {
            return headline.Where(Both);
        }

        // UnixBench and any future suite: the overall score first, then every directional metric of the indices.
        var all = a.Concat(b).SelectMany(u => u.Metrics.Keys).Distinct().Where(Both)
            .Where(k => SuiteParsers.Direction(suite, k) != MetricDirection.None).ToList();
        var indices = all.Where(k => k.EndsWith("_index", StringComparison.Ordinal)).ToList();
        var chosen = indices.Count > 0 ? indices : all;
        return all.Where(k => k == "index_score").Concat(chosen.Where(k => k != "index_score").OrderBy(k => k, StringComparer.Ordinal));
    }

    private static MetricRow Row(string metric, MetricDirection direction, MetricComparison c) => new(
        metric,
        direction switch { MetricDirection.HigherIsBetter => "↑", MetricDirection.LowerIsBetter => "↓", _ => "–" },
        MeanSd(c.A),
        c.A.N.ToString(CultureInfo.InvariantCulture),
        MeanSd(c.B),
        c.B.N.ToString(CultureInfo.InvariantCulture),
        c.Ratio is { } r ? Numbers.Ratio(r) : "–",
        c.RatioCiLow is { } lo && c.RatioCiHigh is { } hi ? $"{Numbers.Ratio(lo)}–{Numbers.Ratio(hi)}" : "–",
        c.P is { } p ? Numbers.P(p) : "–",
        VerdictText.Of(c.Verdict),
        c.Reason ?? "");

    private static string MeanSd(SampleSummary s) => s.Sd is { } sd ? $"{Numbers.Value(s.Mean)} ± {Numbers.Value(sd)}" : Numbers.Value(s.Mean);

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

    private static string? Overcommit(Manifest m) => m.VcpuRule switch
    {
        { Met: false } v => $"The vCPU rule pCPU(L0) > vCPU(L1) > vCPU(L2) was not met ({v.L0Cpus} > {v.L1Vcpus} > {v.L2Vcpus} is false): every result of this run is overcommitted; vCPUs competed for physical CPUs, so absolute numbers are pessimistic and noisy.",
        _ => null,
    };

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

        return new ValiditySummary(results.Units.Count, results.Units.Count - invalid.Count, invalid.Count, invalid, reused);
    }

    private static string ConfigDiffVerdict(string? diff)
    {
        if (diff is null)
        {
            return "This run directory has no kernel/config.diff, so it cannot show that host and guest kernels differ only in VHOST_NET.";
        }

        var options = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var line in diff.ReplaceLineEndings("\n").Split('\n'))
        {
            if (line.Length < 2 || line.StartsWith("---", StringComparison.Ordinal) || line.StartsWith("+++", StringComparison.Ordinal) || line[0] is not ('+' or '-'))
            {
                continue;
            }

            // Unified diff lines ("-CONFIG_VHOST_NET=m", "+# CONFIG_VHOST_NET is not set") or scripts/diffconfig ("-VHOST_NET m").
            var match = ConfigName().Match(line);
            if (match.Success)
            {
                options.Add(match.Groups[1].Value);
            }
        }

        return options.Count == 0 ? "The host and guest kernel configs are identical: VHOST_NET does not differ, contrary to the study's setup."
            : options.SetEquals(["VHOST_NET"]) ? "Only CONFIG_VHOST_NET differs between the host and guest kernels, as the study requires."
            : $"Options other than VHOST_NET differ between host and guest: {string.Join(", ", options.Where(o => o != "VHOST_NET"))}.";
    }

    private static ReferenceSection ReferenceComparison(RunData run, IReadOnlyList<QuestionSection> questions, RunData? reference)
    {
        if (reference is null)
        {
            return new ReferenceSection("The reference run (results/reference-2023) was not available, so there is nothing to place beside this run.", []);
        }

        if (reference.Manifest.RunId == run.Manifest.RunId)
        {
            return new ReferenceSection("This run *is* the 2023 reference: its numbers are the 2023 report's, re-read through VmLab's parsers. Other runs' reports place their ratios beside these.", []);
        }

        var theirs = Comparisons(reference.Manifest).Select(spec => Section(reference, spec, [])).ToList();
        var rows = new List<ReferenceRow>();
        foreach (var q in questions)
        {
            foreach (var t in q.Suites)
            {
                foreach (var r in t.Rows)
                {
                    // Same workload first; else a table without a workload label (the 2023 LTP hackbench prints no
                    // mode, VmLab's rt-tests hackbench says "process"): the same suite and metric, one dialect each.
                    var candidates = theirs.Where(o => o.Question == q.Question).SelectMany(o => o.Suites).Where(o => o.Suite == t.Suite).ToList();
                    var match = candidates.Where(o => o.Workload == t.Workload)
                        .Concat(candidates.Where(o => o.Workload.Length == 0 || t.Workload.Length == 0))
                        .SelectMany(o => o.Rows).FirstOrDefault(o => o.Metric == r.Metric);
                    if (match is not null)
                    {
                        rows.Add(new ReferenceRow(q.Question, t.Workload.Length > 0 ? $"{t.Suite} {t.Workload}" : t.Suite, r.Metric, r.Ratio, r.Verdict, match.Ratio, match.Verdict));
                    }
                }
            }
        }

        return new ReferenceSection(
            rows.Count == 0 ? "No metric of this run was also measured in the 2023 report."
                : "Ratios B/A of this run beside the 2023 report's for the same question, suite and metric. The 2023 ratios rest on one run per side (inconclusive by construction) and some on invalid or reused data; read them as what the study claimed, not as a measurement.",
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

    [GeneratedRegex("^[-+]\\s*(?:#\\s*)?(?:CONFIG_)?([A-Z0-9_]+)")]
    private static partial Regex ConfigName();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NotFileSafe();
}

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
        var merged = new RunData(a.Manifest, new RunResults($"{a.Manifest.RunId} vs {b.Manifest.RunId}", units));
        var shared = a.Results.Units.Select(u => u.Scenario).Distinct().Intersect(b.Results.Units.Select(u => u.Scenario))
            .Order(StringComparer.Ordinal).ToList();
        var charts = new List<ChartSpec>();
        var sections = shared.Select(s => Section(merged,
            new ComparisonSpec(s, $"`{s}` in both runs", Tag(a.Manifest.RunId, s), Tag(b.Manifest.RunId, s), "the run"), charts)).ToList();
        return (new CompareModel(a.Manifest.RunId, b.Manifest.RunId, Validity(a.Results), Validity(b.Results), sections), charts);
    }
}
