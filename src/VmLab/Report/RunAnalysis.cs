using VmLab.Results;
using VmLab.Statistics;
using VmLab.Suites;

namespace VmLab.Report;

/// <summary>One comparison of a run (B against A, one factor), suite output by suite output.</summary>
/// <param name="Spec">The question and the two scenarios.</param>
/// <param name="Tables">One per suite and workload measured on either side, in the study's suite order.</param>
public sealed record QuestionAnalysis(ComparisonSpec Spec, IReadOnlyList<TableAnalysis> Tables);

/// <summary>One suite output (suite and workload) of a comparison: its tested headline and its shown metrics.</summary>
/// <param name="Suite">The suite.</param>
/// <param name="Workload">What distinguishes outputs within the suite (netperf's test, hackbench's mode); empty when nothing does.</param>
/// <param name="Headline">The metric that is tested; null when no headline was measured on both sides.</param>
/// <param name="Metrics">The headline first, then the shown metrics, each compared (only the headline's test counts).</param>
/// <param name="Untrusted">The units on either side that cannot be used (invalid, unrecognised or reused).</param>
/// <param name="MeasuredOnlyIn">The scenario that measured this output when the other did not; null when both did.</param>
public sealed record TableAnalysis(
    string Suite, string Workload, string? Headline, IReadOnlyList<MetricAnalysis> Metrics, IReadOnlyList<UnitResult> Untrusted, string? MeasuredOnlyIn)
{
    /// <summary>"netperf TCP_RR", "kernbench".</summary>
    public string Label => Workload.Length > 0 ? $"{Suite} {Workload}" : Suite;

    /// <summary>The headline's comparison; null when there is none.</summary>
    public MetricComparison? Test => Metrics.FirstOrDefault(m => m.IsHeadline)?.Comparison;
}

/// <summary>One metric of a suite output, A against B.</summary>
/// <param name="Metric">The metric name.</param>
/// <param name="Definition">Its catalog entry.</param>
/// <param name="IsHeadline">True for the one tested metric of the output.</param>
/// <param name="Comparison">The comparison; for shown metrics only its summaries and ratio are reported.</param>
public sealed record MetricAnalysis(string Metric, MetricDefinition Definition, bool IsHeadline, MetricComparison Comparison);

/// <summary>
/// The statistics of a run: every comparison of every question, with each question's tested headline comparisons
/// Holm-adjusted as one family. The report and <c>vmlab compare</c> both read it. A run the lab made in repeat blocks
/// (its manifest has a seeded order) is compared block by block (<see cref="BlockTest"/>: only complete blocks
/// enter, so a speed factor per block cannot move a verdict); a run without blocks (imported data) by Welch's test.
/// The equivalence margin and the probe covariate come from the manifest, as the run declared them before it started.
/// </summary>
public static class RunAnalysis
{
    /// <summary>
    /// Analyses <paramref name="specs"/> on <paramref name="run"/>. Comparisons that share a question id (the 2023
    /// run asks Q1 twice) are one family.
    /// </summary>
    public static IReadOnlyList<QuestionAnalysis> Of(RunData run, IReadOnlyList<ComparisonSpec> specs)
    {
        var raw = specs.Select(spec => Analyse(run, spec)).ToList();

        // Holm per question: gather the headline comparisons of every comparison with that question id, adjust them
        // as one family (untested ones pass through unchanged), and put them back where they came from.
        var adjusted = raw.Select(q => q.Tables.Select(t => t.Metrics.ToArray()).ToArray()).ToArray();
        foreach (var family in raw.Select((q, i) => (q.Spec.Question, i)).GroupBy(x => x.Question, StringComparer.Ordinal))
        {
            var slots = family
                .SelectMany(x => raw[x.i].Tables.SelectMany((t, ti) => t.Metrics.Select((m, mi) => (x.i, ti, mi, m))))
                .Where(s => s.m.IsHeadline)
                .ToList();
            var comparisons = Holm.Apply(slots.Select(s => s.m.Comparison).ToList());
            for (var k = 0; k < slots.Count; k++)
            {
                adjusted[slots[k].i][slots[k].ti][slots[k].mi] = slots[k].m with { Comparison = comparisons[k] };
            }
        }

        return raw.Select((q, i) => q with { Tables = q.Tables.Select((t, ti) => t with { Metrics = adjusted[i][ti] }).ToList() }).ToList();
    }

    /// <summary>What Holm's family of one question holds.</summary>
    /// <param name="Question">The question id.</param>
    /// <param name="Tested">Headline comparisons tested: the family size.</param>
    /// <param name="Significant">Significant after Holm's adjustment.</param>
    /// <param name="SignificantUnadjusted">Below α before the adjustment.</param>
    /// <param name="Inconclusive">Headline comparisons that could not be tested (not in the family).</param>
    public sealed record Family(string Question, int Tested, int Significant, int SignificantUnadjusted, int Inconclusive);

    /// <summary>The Holm family of every question id, in the order the questions come.</summary>
    public static IReadOnlyList<Family> Families(IReadOnlyList<QuestionAnalysis> questions) =>
        questions.GroupBy(q => q.Spec.Question, StringComparer.Ordinal).Select(g =>
        {
            var headlines = g.SelectMany(q => q.Tables).Select(t => t.Test).OfType<MetricComparison>().ToList();
            var tested = headlines.Where(c => c.Tested).ToList();
            return new Family(
                g.Key,
                tested.Count,
                tested.Count(c => c.Verdict is Verdict.Faster or Verdict.Slower),
                tested.Count(c => c.P < MetricComparison.Alpha),
                headlines.Count - tested.Count);
        }).ToList();

    private static QuestionAnalysis Analyse(RunData run, ComparisonSpec spec)
    {
        var units = run.Results.Units.Where(u => u.Recognised && SuiteRegistry.Find(u.Suite) is { IsBenchmark: true }).ToList();
        var blocked = run.Manifest.Seed is not null || run.Manifest.Order.Count > 0;
        var plan = run.Manifest.Analysis;
        var probes = ProbeRates(run.Results);
        var a = units.Where(u => u.Scenario == spec.A).ToList();
        var b = units.Where(u => u.Scenario == spec.B).ToList();
        var suiteOrder = SuiteRegistry.All.Select(s => s.Id).ToList();
        var outputs = a.Concat(b)
            .Select(u => (u.Suite, u.Workload)).Distinct()
            .OrderBy(w => suiteOrder.IndexOf(w.Suite)).ThenBy(w => w.Workload, StringComparer.Ordinal)
            .ToList();

        var tables = new List<TableAnalysis>();
        foreach (var (suite, workload) in outputs)
        {
            var ua = a.Where(u => u.Suite == suite && u.Workload == workload).ToList();
            var ub = b.Where(u => u.Suite == suite && u.Workload == workload).ToList();
            var untrusted = ua.Concat(ub).Where(u => !u.Valid).OrderBy(u => u.File, StringComparer.Ordinal).ToList();
            if (ua.Count == 0 || ub.Count == 0)
            {
                tables.Add(new TableAnalysis(suite, workload, null, [], untrusted, ua.Count == 0 ? spec.B : spec.A));
                continue;
            }

            var catalog = SuiteRegistry.Catalog(suite);
            bool Both(string metric) => ua.Any(u => u.Metrics.GetValueOrDefault(metric).IsNumber) && ub.Any(u => u.Metrics.GetValueOrDefault(metric).IsNumber);
            var headline = Headline(catalog, ua.Concat(ub).ToList(), Both);
            var why = UntrustedData.Why(untrusted);

            var chosen = new List<(string Metric, MetricDefinition Definition, bool IsHeadline)>();
            if (headline is not null)
            {
                chosen.Add((headline, catalog.Find(headline)!, true));
            }

            chosen.AddRange(ua.Concat(ub).SelectMany(u => u.Metrics.Keys).Distinct()
                .Where(k => k != headline && catalog.IsShown(k) && Both(k))
                .Select(k => (Metric: k, Definition: catalog.Find(k)!, IsHeadline: false))
                .OrderBy(m => IndexOf(catalog, m.Definition)).ThenBy(m => m.Metric, StringComparer.Ordinal));

            var metrics = new List<MetricAnalysis>();
            foreach (var (metric, definition, isHeadline) in chosen)
            {
                var untrustedWhy = isHeadline ? why : null;
                var comparison = blocked
                    ? BlockTest.Of(Blocks(ua, ub, metric, probes), definition.Direction, untrustedWhy, plan?.ProbeCovariate == true)
                    : MetricComparison.Of(Values(ua, metric), Values(ub, metric), definition.Direction, untrustedWhy);
                metrics.Add(new MetricAnalysis(metric, definition, isHeadline, comparison with { Margin = plan?.EquivalenceMargin }));
            }

            tables.Add(new TableAnalysis(suite, workload, headline, metrics, untrusted, null));
        }

        return new QuestionAnalysis(spec, tables);
    }

    private static List<double> Values(IEnumerable<UnitResult> units, string metric) =>
        units.Select(u => u.Metrics.GetValueOrDefault(metric).Number).OfType<double>().ToList();

    // The blocks of one suite output: a unit's block is its repeat number (block r of the seeded order holds repeat r
    // of every scenario), in block order; each side's values there, and the L1 probe rate of the boot it ran in.
    private static List<BlockValues> Blocks(List<UnitResult> a, List<UnitResult> b, string metric, Dictionary<(string Scenario, string Block), double> probes) =>
        a.Concat(b).Select(u => u.Repeat).Distinct()
            .OrderBy(r => int.TryParse(r, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue).ThenBy(r => r, StringComparer.Ordinal)
            .Select(r =>
            {
                var ua = a.Where(u => u.Repeat == r).ToList();
                var ub = b.Where(u => u.Repeat == r).ToList();
                return new BlockValues(r, Values(ua, metric), Values(ub, metric))
                {
                    ProbeA = ua.Count > 0 ? probes.GetValueOrDefault((ua[0].Scenario, r)) is var pa and > 0 ? pa : null : null,
                    ProbeB = ub.Count > 0 ? probes.GetValueOrDefault((ub[0].Scenario, r)) is var pb and > 0 ? pb : null : null,
                };
            })
            .ToList();

    // Each boot's L1 probe rate by scenario and block; a block boots a scenario again after a failed boot, so the last boot counts.
    internal static Dictionary<(string Scenario, string Block), double> ProbeRates(RunResults results) =>
        (results.Boots ?? []).Where(b => b.Calibration?.L1Rate is not null)
            .GroupBy(b => (b.Scenario, Block: b.Repeat.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .ToDictionary(g => g.Key, g => g.OrderBy(b => b.Boot).Last().Calibration!.L1Rate!.Value);

    // The one headline of the outputs on both sides: the catalog's pick when the outputs agree; when they do not (a
    // full ab output beside a connection-times-only one), the first pick every output has; it must be measured on
    // both sides.
    private static string? Headline(MetricCatalog catalog, List<UnitResult> units, Func<string, bool> both)
    {
        var picks = units.Select(u => catalog.Headline(u.Metrics)).OfType<string>().Distinct().ToList();
        return picks.FirstOrDefault(p => units.All(u => u.Metrics.GetValueOrDefault(p).IsNumber)) ?? picks.FirstOrDefault(both);
    }

    private static int IndexOf(MetricCatalog catalog, MetricDefinition definition)
    {
        for (var i = 0; i < catalog.Metrics.Count; i++)
        {
            if (ReferenceEquals(catalog.Metrics[i], definition))
            {
                return i;
            }
        }

        return int.MaxValue;
    }
}
