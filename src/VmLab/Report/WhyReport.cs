using System.Globalization;
using VmLab.Statistics;
using VmLab.Why;

namespace VmLab.Report;

/// <summary>
/// A question's "why" (Templates/_why.scriban): what its mechanism family found and what that says of each hypothesis
/// declared for it (<see cref="Hypotheses"/>). Every sentence follows from the run's data; the hypotheses' own words
/// are their declarations.
/// </summary>
/// <param name="Lead">What was measured and tested, in words.</param>
/// <param name="Differences">The mechanism metrics that differ significantly after the family's Holm adjustment, smallest Holm p first.</param>
/// <param name="ZeroOnOneSide">Metrics that are 0 in every unit of one scenario and above 0 in every unit of the other (no logarithm: not testable), in words.</param>
/// <param name="Missing">Derived metrics no suite output had on both sides, and why.</param>
/// <param name="Hypotheses">Each hypothesis of the question with its verdict.</param>
public sealed record WhySection(
    string Lead, IReadOnlyList<WhyRow> Differences, IReadOnlyList<string> ZeroOnOneSide, IReadOnlyList<MechanismMissing> Missing, IReadOnlyList<HypothesisRow> Hypotheses);

/// <summary>One significant mechanism difference: both sides, B/A with its 95% interval, Holm p in its family, and which way.</summary>
/// <param name="Unit">The metric's unit, per operation named (<c>µs/transaction</c>).</param>
/// <param name="Change">"higher in `B`" or "lower in `B`".</param>
/// <param name="Family">"hypotheses" (a hypothesis predicts it) or "exploratory": the Holm family its Holm p is from.</param>
public sealed record WhyRow(
    string Output, string Metric, string Unit, string Meaning, SampleSummary A, SampleSummary B, double? Ratio, double? RatioCiLow, double? RatioCiHigh, double? HolmP, string Change,
    string Family);

/// <summary>One hypothesis as the report shows it.</summary>
/// <param name="Source">"2023 report, line N" or "textbook".</param>
/// <param name="Predicts">Its predictions, B against A, in words.</param>
/// <param name="Verdict">supported, refuted, undecided or not measured.</param>
/// <param name="DecidedBy">Where the verdict comes from: the predictions (metric and suite output) that hold for a supported
/// one, that go against it or lie within the margin for a refuted one, both for one undecided because they conflict;
/// empty otherwise. A verdict from one output says nothing of the others, which the evidence lists.</param>
/// <param name="Evidence">Each prediction's outcome in this run, with its numbers.</param>
public sealed record HypothesisRow(string Id, string Source, string Claim, string? Quote, string? Gloss, string Predicts, string Refutes, string Verdict, string DecidedBy, string Evidence);

/// <summary>Builds each question's <see cref="WhySection"/>.</summary>
public static class WhyReport
{
    /// <summary>The why of <paramref name="family"/>'s question.</summary>
    public static WhySection Of(MechanismFamily family)
    {
        var spec = family.Spec;
        var tested = family.Tested;
        var significant = family.Significant.OrderBy(c => c.Comparison.PAdjusted).ThenBy(c => c.Output, StringComparer.Ordinal).ThenBy(c => c.Metric, StringComparer.Ordinal).ToList();
        var rows = significant.Select(c => new WhyRow(
            c.Output, c.Metric, UnitOf(c), c.Definition.Meaning, c.Comparison.A, c.Comparison.B, c.Comparison.Ratio, c.Comparison.RatioCiLow, c.Comparison.RatioCiHigh,
            c.Comparison.PAdjusted, c.Comparison.Ratio > 1 ? $"higher in `{spec.B}`" : $"lower in `{spec.B}`", c.Predicted ? "hypotheses" : "exploratory")).ToList();
        var zero = family.Comparisons.Where(c => c.ZeroIn is not null).Select(c =>
        {
            var other = c.ZeroIn == spec.A ? c.Comparison.B : c.Comparison.A;
            return $"`{c.Metric}` ({c.Output}): 0 in every unit of `{c.ZeroIn}`, {Numbers.Value(other.Mean)} {UnitOf(c)} on average in `{(c.ZeroIn == spec.A ? spec.B : spec.A)}`";
        }).ToList();
        var hypotheses = Hypotheses.Of(spec.Question).Select(h => Row(h, family)).ToList();
        return new WhySection(Lead(family, tested, significant), rows, zero, family.HasCounters ? family.Missing : [], hypotheses);
    }

    private static string Lead(MechanismFamily family, IReadOnlyList<MechanismComparison> tested, IReadOnlyList<MechanismComparison> significant)
    {
        var untested = family.Comparisons.Count - tested.Count;
        string Family(bool predicted)
        {
            var members = tested.Where(c => c.Predicted == predicted).ToList();
            var unadjusted = members.Count(c => c.Comparison.P < MetricComparison.Alpha);
            return $"{members.Count} tested, {significant.Count(c => c.Predicted == predicted)} significant after the adjustment ({unadjusted} at p < 0.05 before it)";
        }

        var what = family.HasCounters
            ? "per-operation metrics derived from the units' counters (docs/PROTOCOL.md, \"Counters\"), the suites' own mechanism metrics and the metrics the hypotheses below name, headlines apart"
            : "the suites' own mechanism metrics and the metrics the hypotheses below name, headlines apart";
        var counters = family.HasCounters ? ""
            : "No unit of this run has counters (runs made before issue 24, imported data and runs with `--no-counters` have none): no per-operation mechanism metric can be derived, and a hypothesis that needs one is not measured. ";
        if (family.Comparisons.Count == 0)
        {
            return counters + "No mechanism metric was measured on both sides.";
        }

        var text = $"Mechanism metrics: {Plural(family.Comparisons.Count, "comparison")} of {what}, each tested as the headlines are (same test, same blocks). " +
                   (tested.Count == 0 ? "None could be tested, so both families are empty and nothing is significant."
                       : $"They are Holm-adjusted in two families of their own, apart from the headline family: the hypotheses family, the comparisons the hypotheses below predict (declared before the run; they decide the verdicts): {Family(true)}; and the exploratory family, every other one: {Family(false)}.");
        if (untested > 0 && tested.Count > 0)
        {
            text += $" {Plural(untested, "more")} could not be tested (a value of 0, no spread, too few blocks, or unusable data) and {(untested == 1 ? "is" : "are")} in neither family.";
        }

        return counters + text;
    }

    private static HypothesisRow Row(Hypothesis h, MechanismFamily family)
    {
        var evidence = new List<string>();
        var outcomes = new List<(PredictionOutcome Outcome, string Metric, string Output)>();
        foreach (var p in h.Predictions)
        {
            var found = family.Comparisons.Where(c => c.Metric == p.Metric && p.Covers(c.Output)).ToList();
            if (found.Count == 0)
            {
                var gap = family.HasCounters ? family.Missing.FirstOrDefault(m => m.Metric == p.Metric && m.Outputs.Any(p.Covers)) : null;
                evidence.Add($"`{p.Metric}`{Where(p)}: not measured" + (gap is null ? (DerivedMetrics.Find(p.Metric) is null || family.HasCounters ? " in this run" : ": the run has no counters") : $" ({gap.Why})"));
                continue;
            }

            foreach (var c in found)
            {
                var outcome = Outcome(c.Comparison, p.Expected);
                outcomes.Add((outcome, p.Metric, c.Output));
                evidence.Add($"`{p.Metric}` ({c.Output}) {Arrow(p.Expected)}: {Describe(outcome, c)}");
            }
        }

        var verdict = HypothesisVerdict.Of(outcomes.Select(o => o.Outcome).ToList());
        return new HypothesisRow(
            h.Id,
            h.Source == HypothesisSource.Study2023 ? $"2023 report, line {h.SeedLine}" : "textbook",
            h.Claim,
            h.Quote,
            h.Gloss,
            string.Join("; ", h.Predictions.Select(p => $"`{p.Metric}`{Where(p)} {Arrow(p.Expected)}")),
            h.Refutes,
            HypothesisVerdict.Text(verdict),
            DecidedBy(verdict, outcomes),
            string.Join("<br>", evidence));
    }

    /// <summary>
    /// The predictions a verdict rests on, each metric once with the suite outputs where it decided:
    /// "by `m` in a, b; `n` in c" for a supported or refuted one, both sides for one undecided because they conflict,
    /// empty otherwise (nothing decided, or not measured).
    /// </summary>
    internal static string DecidedBy(HypothesisOutcome verdict, IReadOnlyList<(PredictionOutcome Outcome, string Metric, string Output)> outcomes)
    {
        string In(Func<PredictionOutcome, bool> which) => string.Join("; ", outcomes.Where(o => which(o.Outcome))
            .GroupBy(o => o.Metric, StringComparer.Ordinal)
            .Select(g => $"`{g.Key}` in {string.Join(", ", g.Select(o => o.Output).Distinct(StringComparer.Ordinal))}"));
        var holds = In(o => o == PredictionOutcome.Holds);
        var against = In(o => o is PredictionOutcome.Opposite or PredictionOutcome.Equivalent);
        return verdict switch
        {
            HypothesisOutcome.Supported => $"by {holds}",
            HypothesisOutcome.Refuted => $"by {against}",
            HypothesisOutcome.Undecided when holds.Length > 0 && against.Length > 0 => $"holds: {holds}; against: {against}",
            _ => "",
        };
    }

    /// <summary>A prediction's outcome in one output: significant (Holm, the hypotheses family) in its direction or against it, within the margin, or open.</summary>
    internal static PredictionOutcome Outcome(MetricComparison c, Change expected) =>
        c.Verdict is Verdict.Faster or Verdict.Slower
            ? (c.Ratio > 1) == (expected == Change.Up) ? PredictionOutcome.Holds : PredictionOutcome.Opposite
            : c.Equivalent ? PredictionOutcome.Equivalent
            : PredictionOutcome.Open;

    private static string Describe(PredictionOutcome outcome, MechanismComparison m)
    {
        var c = m.Comparison;
        var numbers = c.Ratio is { } r
            ? $"B/A {Numbers.Ratio(r)}" + (c.RatioCiLow is { } lo && c.RatioCiHigh is { } hi ? $" (95% CI {Numbers.Ratio(lo)}–{Numbers.Ratio(hi)}" + (c.PAdjusted is { } hp ? $", Holm p={Numbers.P(hp)})" : ")") : "")
            : "no ratio (A's mean is 0)";
        return outcome switch
        {
            PredictionOutcome.Holds => $"holds, {numbers}",
            PredictionOutcome.Opposite => $"the other way, {numbers}",
            PredictionOutcome.Equivalent => $"no difference within ±{Numbers.Percent(c.Margin!.Value)}, {numbers}",
            _ when m.ZeroIn is not null => $"open: 0 in every unit of `{m.ZeroIn}` (no logarithm to test)",
            _ when !c.Tested => $"open: {c.Reason ?? "not tested"}",
            _ => $"open: not significant after Holm, {numbers}",
        };
    }

    private static string Where(Prediction p) => p.Outputs.Length == 0 ? "" : $" ({string.Join(", ", p.Outputs)})";

    private static string Arrow(Change change) => change == Change.Up ? "↑" : "↓";

    private static string UnitOf(MechanismComparison c) =>
        c.Operation is { } op && c.Definition.Unit.EndsWith("/op", StringComparison.Ordinal) ? c.Definition.Unit[..^"op".Length] + op : c.Definition.Unit;

    private static string Plural(int n, string noun) => n.ToString(CultureInfo.InvariantCulture) + " " + (n == 1 || noun == "more" ? noun : noun + "s");
}
