using System.Globalization;
using VmLab.Results;
using VmLab.Statistics;

namespace VmLab.Report;

/// <summary>
/// The one question a precision run asks its data after each block (<c>lab run --precision</c>, docs/PRECISION.md):
/// is each chosen headline comparison precise (and decided), and what are its estimate, interval and p? The answer
/// comes from the run's own analysis (<see cref="RunAnalysis"/>: the same comparisons, block-paired tests, Holm
/// families and verdicts as the report; <see cref="MetricComparison.PreciseAt"/> and <see cref="MetricComparison.Decided"/>
/// at the rule's margin), so the stopping rule and the report cannot disagree about a comparison.
/// </summary>
public static class RunDecisions
{
    /// <summary>
    /// Every headline comparison of the questions in <paramref name="questions"/> (all when empty) on
    /// <paramref name="run"/>, using only its units of blocks 1 … <paramref name="blocks"/> when given (an interim
    /// look at a finished run), each precise and decided or not at the margin ±<paramref name="margin"/> (0.10 = ±10%).
    /// Suite outputs measured on one side only have no comparison and are left out.
    /// </summary>
    public static IReadOnlyList<ComparisonDecision> Look(RunData run, double margin, IReadOnlyCollection<string> questions, int? blocks = null)
    {
        var data = blocks is { } k ? run with { Results = run.Results with { Units = run.Results.Units.Where(u => InBlocks(u, k)).ToList() } } : run;
        var specs = Specs(run.Manifest, questions);
        var decisions = new List<ComparisonDecision>();
        foreach (var question in RunAnalysis.Of(data, specs))
        {
            foreach (var table in question.Tables.Where(t => t.Test is not null))
            {
                var c = table.Test!;
                var used = Blocks(data.Results, question.Spec, table);
                decisions.Add(Decide(question.Spec.Question, table.Label, table.Headline!, used, c, margin));
            }
        }

        return decisions;
    }

    /// <summary>
    /// A look at a run directory as it stands during a precision run: its manifest and raw/ parsed afresh (nothing is
    /// written), judged under <paramref name="rule"/>.
    /// </summary>
    public static IReadOnlyList<ComparisonDecision> Look(RunDirectory run, Lab.Plan.PrecisionRule rule)
    {
        var manifest = run.ReadManifest();
        return Look(new RunData(manifest, RunParser.Parse(run, manifest)), rule.Margin, rule.Questions);
    }

    /// <summary>
    /// The comparisons of <paramref name="manifest"/> whose question is in <paramref name="questions"/> (all when empty);
    /// a <see cref="Common.LabException"/> naming the run's questions when one is not among them.
    /// </summary>
    public static IReadOnlyList<ComparisonSpec> Specs(Manifest manifest, IReadOnlyCollection<string> questions)
    {
        var all = manifest.Comparisons.Count > 0 ? manifest.Comparisons : ReportBuilder.DefaultComparisons;
        var ids = all.Select(s => s.Question).Distinct().ToList();
        if (questions.FirstOrDefault(q => !ids.Contains(q, StringComparer.Ordinal)) is { } unknown)
        {
            throw new Common.LabException($"--questions: there is no question {unknown} in this run.", $"choose among {string.Join(", ", ids)}");
        }

        return questions.Count == 0 ? all : all.Where(s => questions.Contains(s.Question)).ToList();
    }

    // Decided as the analysis defines it (MetricComparison.Decided): significant after Holm's adjustment, or
    // equivalent, the whole interval within the margin, here the rule's. Precise as the rule stops on it
    // (MetricComparison.PreciseAt): the interval's width, whatever it says. An untrusted or untested comparison is
    // neither: more blocks may still help (a failed unit), or nothing will (a broken suite).
    internal static ComparisonDecision Decide(string question, string output, string metric, int blocks, MetricComparison comparison, double margin)
    {
        var c = comparison with { Margin = margin };
        var verdict = c.Verdict switch
        {
            Verdict.Faster or Verdict.Slower => VerdictText.Of(c.Verdict),
            Verdict.Inconclusive => $"inconclusive: {c.Reason}",
            _ when c.Equivalent => $"within ±{Percent(margin)}",
            _ when c.SignificantOnlyAlone => $"undecided: p < 0.05 alone, not after Holm's adjustment for {c.FamilySize} comparisons",
            _ => $"undecided: the interval {Number(c.RatioCiLow)}–{Number(c.RatioCiHigh)} reaches past ±{Percent(margin)}",
        };
        var stop = c.Tested ? c.StopHalfWidth(margin) : null;
        var precise = c.PreciseAt(margin);
        var width = stop is { } h
            ? $"{(precise ? "precise" : "not yet precise")}: ±{Percent(Math.Exp(h) - 1)} {(precise ? "≤" : ">")} ±{Percent(margin)}"
            : "not precise: untested";
        return new ComparisonDecision(question, output, metric, c.Blocks ?? blocks, c.Ratio, c.RatioCiLow, c.RatioCiHigh, c.P, c.PAdjusted, c.Decided, $"{verdict}; {width}", stop, precise);
    }

    // The blocks (repeat numbers) in which both sides have a valid unit of this output: what a paired analysis uses.
    private static int Blocks(RunResults results, ComparisonSpec spec, TableAnalysis table)
    {
        IEnumerable<string> Of(string scenario) => results.Units
            .Where(u => u.Scenario == scenario && u.Suite == table.Suite && u.Workload == table.Workload && u.Valid)
            .Select(u => u.Repeat);
        return Of(spec.A).Intersect(Of(spec.B), StringComparer.Ordinal).Count();
    }

    /// <summary>True for the benchmark units of blocks 1 … <paramref name="blocks"/>, and for every file that is no benchmark's (console logs).</summary>
    internal static bool InBlocks(UnitResult unit, int blocks) =>
        Suites.SuiteRegistry.Find(unit.Suite) is not { IsBenchmark: true }
        || (int.TryParse(unit.Repeat, NumberStyles.None, CultureInfo.InvariantCulture, out var repeat) && repeat <= blocks);

    private static string Percent(double margin) => (margin * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    private static string Number(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? "–";
}
