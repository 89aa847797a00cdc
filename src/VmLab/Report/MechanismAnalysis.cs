using VmLab.Results;
using VmLab.Statistics;
using VmLab.Suites;
using VmLab.Why;

namespace VmLab.Report;

/// <summary>One mechanism metric of one suite output, B against A, tested in its question's mechanism family.</summary>
/// <param name="Output">The suite output as the report labels it (<c>netperf TCP_RR</c>).</param>
/// <param name="Metric">The metric's id.</param>
/// <param name="Definition">What it is: a derived metric's (<see cref="DerivedMetrics"/>) or the suite catalog's.</param>
/// <param name="Operation">The output's operation, for a per-operation metric (<c>transaction</c>); null otherwise.</param>
/// <param name="Comparison">The test (the headlines' design: block-paired, or Welch without blocks), Holm-adjusted in the mechanism family.</param>
/// <param name="ZeroIn">The scenario whose every value is 0 while the other's are all above 0 (no logarithm: not testable); null otherwise.</param>
/// <param name="Predicted">True when a hypothesis of the question predicts this metric of this output: it is in the question's
/// hypotheses family (the tests that decide the hypotheses), else in its exploratory family.</param>
public sealed record MechanismComparison(string Output, string Metric, MetricDefinition Definition, string? Operation, MetricComparison Comparison, string? ZeroIn, bool Predicted);

/// <summary>A mechanism metric a suite output could have had but did not on both sides, and why.</summary>
/// <param name="Outputs">The suite outputs it is missing from.</param>
public sealed record MechanismMissing(string Metric, IReadOnlyList<string> Outputs, string Why);

/// <summary>
/// The mechanism family of one comparison (issue 24, item 3): every derived per-operation metric of every suite output
/// (<see cref="DerivedMetrics"/>), every mechanism metric of the suites' catalogs (netperf's CPU and service demand),
/// and every other metric a hypothesis of the question names (kernbench's <c>system_s</c>, UnixBench's file copy
/// indices), headlines apart, each tested as the headlines are. A question's tested ones form two Holm families, both
/// apart from the headline family: the hypotheses family (the metrics its hypotheses predict, declared before the run:
/// the confirmatory tests that decide them) and the exploratory family (every other mechanism metric). One family of
/// about a hundred would leave no metric a chance at three blocks; the predictions were fixed before the data.
/// </summary>
/// <param name="Spec">The question and its scenarios.</param>
/// <param name="Comparisons">Every mechanism comparison measured on both sides, in suite and metric order.</param>
/// <param name="Missing">Derived metrics no output had on both sides, with the first reason.</param>
/// <param name="HasCounters">True when any unit of the run has counters.</param>
public sealed record MechanismFamily(ComparisonSpec Spec, IReadOnlyList<MechanismComparison> Comparisons, IReadOnlyList<MechanismMissing> Missing, bool HasCounters)
{
    /// <summary>The comparisons in Holm's families: tested (a p-value, usable data).</summary>
    public IReadOnlyList<MechanismComparison> Tested => Comparisons.Where(c => c.Comparison.Tested).ToList();

    /// <summary>The tested comparisons of the hypotheses family.</summary>
    public IReadOnlyList<MechanismComparison> TestedPredicted => Tested.Where(c => c.Predicted).ToList();

    /// <summary>The significant ones after the family's adjustment.</summary>
    public IReadOnlyList<MechanismComparison> Significant => Comparisons.Where(c => c.Comparison.Verdict is Verdict.Faster or Verdict.Slower).ToList();
}

/// <summary>Tests each question's mechanism metrics (<see cref="MechanismFamily"/>) on a run.</summary>
public static class MechanismAnalysis
{
    /// <summary>The mechanism family of every comparison of <paramref name="questions"/> (the run's headline analysis), in the same order.</summary>
    public static IReadOnlyList<MechanismFamily> Of(RunData run, IReadOnlyList<QuestionAnalysis> questions)
    {
        var units = RunAnalysis.BenchmarkUnits(run);
        var probes = RunAnalysis.ProbeRates(run.Results);
        var l2Memory = run.Manifest.Layers.FirstOrDefault(l => l.Layer == "L2")?.MemoryMb;
        // By reference: vmlab compare analyses two runs' units side by side, and a run compared with itself has equal records.
        var derived = units.ToDictionary<UnitResult, UnitResult, IReadOnlyDictionary<string, Derived>>(u => u, u => DerivedMetrics.Of(u, l2Memory), ReferenceEqualityComparer.Instance);
        var hasCounters = run.Results.Units.Any(u => u.Counters is not null);
        var raw = questions.Select(q => Family(run, q, units, derived, probes, hasCounters)).ToList();

        // Holm per question id and family (predicted by a hypothesis, or exploratory) over the tested mechanism comparisons,
        // as the headlines are adjusted per question.
        var result = raw.Select(f => f.Comparisons.ToArray()).ToArray();
        var families = raw.Select((f, i) => (f.Spec.Question, i)).GroupBy(x => x.Question, StringComparer.Ordinal)
            .SelectMany(g => new[] { true, false }.Select(predicted => (Members: g.ToList(), Predicted: predicted)));
        foreach (var (members, predicted) in families)
        {
            var slots = members.SelectMany(x => raw[x.i].Comparisons.Select((c, ci) => (x.i, ci, c))).Where(s => s.c.Predicted == predicted).ToList();
            var adjusted = Holm.Apply(slots.Select(s => s.c.Comparison).ToList());
            for (var k = 0; k < slots.Count; k++)
            {
                result[slots[k].i][slots[k].ci] = slots[k].c with { Comparison = adjusted[k] };
            }
        }

        return raw.Select((f, i) => f with { Comparisons = result[i] }).ToList();
    }

    private static MechanismFamily Family(
        RunData run, QuestionAnalysis q, List<UnitResult> units, Dictionary<UnitResult, IReadOnlyDictionary<string, Derived>> derived,
        Dictionary<(string Scenario, string Block), double> probes, bool hasCounters)
    {
        var comparisons = new List<MechanismComparison>();
        var missing = new List<(string Metric, string Output, string Why)>();
        var predictions = Hypotheses.Of(q.Spec.Question).SelectMany(h => h.Predictions).ToList();
        foreach (var t in q.Tables.Where(t => t.MeasuredOnlyIn is null))
        {
            var ua = units.Where(u => u.Scenario == q.Spec.A && u.Suite == t.Suite && u.Workload == t.Workload).ToList();
            var ub = units.Where(u => u.Scenario == q.Spec.B && u.Suite == t.Suite && u.Workload == t.Workload).ToList();
            var why = UntrustedData.Why(ua.Concat(ub).Where(u => !u.Valid).OrderBy(u => u.File, StringComparer.Ordinal).ToList());
            var operation = ua.Concat(ub).Select(u => DerivedMetrics.OperationOf(u).Operation?.Name).FirstOrDefault(n => n is not null);
            bool Predicted(string metric) => predictions.Any(p => p.Metric == metric && p.Covers(t.Label));

            foreach (var metric in DerivedMetrics.Of(t.Suite))
            {
                double? Value(UnitResult u) => derived[u][metric.Id].Value;
                if (!ua.Any(u => Value(u) is not null) || !ub.Any(u => Value(u) is not null))
                {
                    var lacking = ua.Concat(ub).First(u => Value(u) is null);
                    missing.Add((metric.Id, t.Label, $"`{lacking.Scenario}`: {derived[lacking][metric.Id].Why}"));
                    continue;
                }

                var perOp = metric.Definition.Unit.EndsWith("/op", StringComparison.Ordinal) ? operation : null;
                comparisons.Add(Compare(run, t.Label, metric.Id, metric.Definition, perOp, ua, ub, Value, why, probes, Predicted(metric.Id)));
            }

            var catalog = SuiteRegistry.Catalog(t.Suite);
            bool Both(string m) => ua.Any(u => u.Metrics.GetValueOrDefault(m).IsNumber) && ub.Any(u => u.Metrics.GetValueOrDefault(m).IsNumber);
            var named = predictions.Where(p => p.Covers(t.Label) && DerivedMetrics.Find(p.Metric) is null).Select(p => p.Metric);
            var own = ua.Concat(ub).SelectMany(u => u.Metrics.Keys).Where(catalog.IsMechanism).Concat(named)
                .Distinct(StringComparer.Ordinal)
                .Where(m => m != t.Headline && catalog.Find(m) is not null && Both(m))
                .OrderBy(m => m, StringComparer.Ordinal);
            foreach (var m in own)
            {
                comparisons.Add(Compare(run, t.Label, m, catalog.Find(m)!, null, ua, ub, u => u.Metrics.GetValueOrDefault(m).Number, why, probes, Predicted(m)));
            }
        }

        var gaps = missing.GroupBy(x => (x.Metric, x.Why))
            .Select(g => new MechanismMissing(g.Key.Metric, g.Select(x => x.Output).ToList(), g.Key.Why))
            .ToList();
        return new MechanismFamily(q.Spec, comparisons, gaps, hasCounters);
    }

    private static MechanismComparison Compare(
        RunData run, string output, string metric, MetricDefinition definition, string? operation, List<UnitResult> ua, List<UnitResult> ub,
        Func<UnitResult, double?> value, string? untrusted, Dictionary<(string Scenario, string Block), double> probes, bool predicted)
    {
        var comparison = RunAnalysis.Compare(run, ua, ub, value, definition.Direction, untrusted, probes);
        var a = ua.Select(value).OfType<double>().ToList();
        var b = ub.Select(value).OfType<double>().ToList();
        var zeroIn = a.All(v => v == 0) && b.All(v => v > 0) ? ua[0].Scenario
            : b.All(v => v == 0) && a.All(v => v > 0) ? ub[0].Scenario
            : null;
        return new MechanismComparison(output, metric, definition, operation, comparison, zeroIn, predicted);
    }
}
