using VmLab.Results;
using VmLab.Statistics;
using VmLab.Suites;

namespace VmLab.Report;

/// <summary>
/// The answer to each question, from its headline comparisons only, in words that follow the 95% interval: a
/// significant change after Holm's adjustment is <b>better</b> or <b>worse</b>; a comparison without one is <b>no
/// meaningful difference</b> only when its whole interval lies within the equivalence margin the run declared before
/// it started (<see cref="MetricComparison.Equivalent"/>), and otherwise <b>undecided</b>, with the interval it
/// leaves open; <b>open</b> names why a comparison could not be tested. A comparison whose 95% interval excludes no
/// change on its own but which is not significant after Holm's adjustment (<see cref="MetricComparison.SignificantOnlyAlone"/>)
/// is undecided with the reason and the interval at its family's level (<see cref="MetricComparison.FamilyInterval"/>,
/// which contains no change), so no interval shown contradicts its words. Each answer is tested against the 2023 study's
/// ratio (<see cref="Against2023"/>). Nothing here is written by hand: every sentence follows from the table's rows.
/// </summary>
public static class Conclusions
{
    /// <summary>
    /// The conclusions of <paramref name="questions"/> of the run described by <paramref name="manifest"/>;
    /// <paramref name="reference"/> is the 2023 run's analysis (null: not available, or this run is it).
    /// </summary>
    public static IReadOnlyList<ConclusionSection> Of(
        Manifest manifest, IReadOnlyList<QuestionAnalysis> questions, IReadOnlyList<QuestionAnalysis>? reference, bool isReference, string? caveat)
    {
        var noReference = reference is null || isReference;
        return questions.Select(q =>
        {
            var items = q.Tables.Where(t => t.Test is not null)
                .Select(t => ItemOf(manifest, q.Spec, t, noReference ? null : ReferenceMatch.Table(reference, q.Spec.Question, t), noReference))
                .ToList();
            return new ConclusionSection(q.Spec.Question, q.Spec.Title, q.Spec.A, q.Spec.B, Answer(q.Spec, q.Tables, items), Strength(items, manifest.Analysis, caveat),
                items.Select(i => i.Row).ToList(), isReference ? null : noReference ? "The 2023 reference run was not available: nothing to place this answer beside." : Against2023.Tally(items.Select(i => i.Versus!.Value).ToList()));
        }).ToList();
    }

    private sealed record Item(ConclusionRow Row, MetricComparison Test, Against2023.Outcome? Versus, string Output);

    private static Item ItemOf(Manifest manifest, ComparisonSpec spec, TableAnalysis t, TableAnalysis? theirs, bool noReference)
    {
        var headline = t.Metrics.First(m => m.IsHeadline);
        var c = headline.Comparison;
        var versus = noReference ? ((Against2023.Outcome, string)?)null : Against2023.Of(manifest, spec.Question, t, c, theirs);
        var claim = theirs?.Metrics.FirstOrDefault(m => m.Metric == headline.Metric)?.Comparison.Ratio;
        var here = c.Ratio is { } r ? Numbers.Change(r) + (c.Tested && c.RatioCiLow is { } lo && c.RatioCiHigh is { } hi
            ? $" (95% CI {Numbers.Change(lo)} to {Numbers.Change(hi)}, Holm p={Numbers.P(c.PAdjusted ?? c.P!.Value)})" : "") : "–";
        var row = new ConclusionRow(
            t.Label, headline.Metric, Numbers.Arrow(headline.Definition.Direction), $"{c.A.N} / {c.B.N}", here, Answer(spec, c),
            noReference ? "" : claim is { } cr ? Numbers.Change(cr) + (theirs!.Untrusted.Count > 0 ? " (from data VmLab finds invalid or reused)" : "") : "–",
            versus?.Item2 ?? "");
        return new Item(row, c, versus?.Item1, t.Label);
    }

    // The headline's answer in words: B against A, in the metric's own direction, or what its interval leaves open.
    private static string Answer(ComparisonSpec spec, MetricComparison c) => c.Verdict switch
    {
        Verdict.Faster => $"`{spec.B}` better",
        Verdict.Slower => $"`{spec.B}` worse",
        Verdict.NoSignificantDifference when c.Equivalent => $"no meaningful difference: the CI lies within {Margin(c.Margin!.Value)}",
        Verdict.NoSignificantDifference when c.SignificantOnlyAlone =>
            $"undecided: its 95% CI alone ({Numbers.Change(c.RatioCiLow!.Value)} to {Numbers.Change(c.RatioCiHigh!.Value)}) excludes 0% (no change), but not after Holm's adjustment for the question's {c.FamilySize} comparisons " +
            $"(Holm p={Numbers.P(c.PAdjusted!.Value)}); at the family's level, {FamilyLevel(c)}, it lies between {Between(c)}" + (c.Margin is null ? " (no equivalence margin was declared)" : ""),
        Verdict.NoSignificantDifference => $"undecided: between {Between(c)}" + (c.Margin is null ? " (no equivalence margin was declared)" : ""),
        _ => $"open: {c.Reason ?? "inconclusive"}",
    };

    // The interval an undecided comparison leaves open: its 95% CI; for one whose 95% CI excludes 0% (no change) but whose
    // Holm p does not, the interval at the family's level (Bonferroni, 1 − α/F), which contains no change.
    private static string Between(MetricComparison c) =>
        (c.SignificantOnlyAlone ? c.FamilyInterval : c.RatioCiLow is { } lo && c.RatioCiHigh is { } hi ? (lo, hi) : null) is { } ci
            ? $"{Numbers.Change(ci.Low)} and {Numbers.Change(ci.High)}" : "unknown bounds";

    // "99.2% CI, Bonferroni over 6": the level of the family's interval.
    private static string FamilyLevel(MetricComparison c) =>
        $"{c.FamilyConfidence.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)}% CI (Bonferroni over {c.FamilySize})";

    private static string Margin(double m) => "±" + Numbers.Percent(m);

    private static string Answer(ComparisonSpec spec, IReadOnlyList<TableAnalysis> tables, List<Item> items)
    {
        if (items.Count == 0)
        {
            return tables.Count == 0 ? "Not answered: no suite was measured on both sides." : "Not answered: no headline metric was measured on both sides.";
        }

        var open = items.Count(i => i.Test.Verdict == Verdict.Inconclusive);
        if (open == items.Count)
        {
            return $"Not answered: {(open == 1 ? "the one suite output" : $"none of the {open} suite outputs")} could be tested (see the table).";
        }

        string Listed(IEnumerable<Item> chosen, Func<MetricComparison, string> how) => string.Join(", ", chosen.Select(i => $"{i.Output} ({how(i.Test)})"));
        var worse = items.Where(i => i.Test.Verdict == Verdict.Slower).ToList();
        var better = items.Where(i => i.Test.Verdict == Verdict.Faster).ToList();
        var same = items.Where(i => i.Test.Equivalent).ToList();
        var undecided = items.Where(i => i.Test.Verdict == Verdict.NoSignificantDifference && !i.Test.Equivalent).ToList();
        var parts = new List<string>();
        if (worse.Count > 0)
        {
            parts.Add($"`{spec.B}` is worse than `{spec.A}` in {Listed(worse, c => Numbers.Change(c.Ratio!.Value))}");
        }

        if (better.Count > 0)
        {
            parts.Add($"`{spec.B}` is better than `{spec.A}` in {Listed(better, c => Numbers.Change(c.Ratio!.Value))}");
        }

        if (same.Count > 0)
        {
            parts.Add($"there is no meaningful difference in {Listed(same, c => $"CI within {Margin(c.Margin!.Value)}")}");
        }

        if (undecided.Count > 0)
        {
            parts.Add($"undecided in {Listed(undecided, c => c.SignificantOnlyAlone
                ? $"between {Between(c)} at the family's level, {FamilyLevel(c)}; its 95% CI alone, {Numbers.Change(c.RatioCiLow!.Value)} to {Numbers.Change(c.RatioCiHigh!.Value)}, excludes 0% (no change), Holm p={Numbers.P(c.PAdjusted!.Value)}"
                : $"between {Between(c)}")}");
        }

        if (open > 0)
        {
            parts.Add($"{open} of {Outputs(items.Count)} cannot be answered (see the table)");
        }

        return Capitalise(string.Join("; ", parts)) + ".";
    }

    private static string Strength(List<Item> items, AnalysisPlan? plan, string? caveat)
    {
        var changed = items.Count(i => i.Test.Verdict is Verdict.Faster or Verdict.Slower);
        var same = items.Count(i => i.Test.Equivalent);
        var undecided = items.Count(i => i.Test.Verdict == Verdict.NoSignificantDifference && !i.Test.Equivalent);
        var open = items.Count(i => i.Test.Verdict == Verdict.Inconclusive);
        var parts = new List<string>();
        if (changed > 0)
        {
            parts.Add($"{changed} significant {(changed == 1 ? "change" : "changes")} after Holm's adjustment");
        }

        if (same > 0)
        {
            parts.Add($"{same} with no meaningful difference (the whole 95% CI within {Margin(plan!.EquivalenceMargin)})");
        }

        if (undecided > 0)
        {
            parts.Add($"{undecided} undecided (no significant change, and a 95% CI " +
                      (plan is null ? "that no declared margin bounds)" : $"that reaches beyond {Margin(plan.EquivalenceMargin)})"));
        }

        if (open > 0)
        {
            parts.Add($"{open} inconclusive");
        }

        var alone = items.Where(i => i.Test.SignificantOnlyAlone).ToList();
        if (alone.Count > 0)
        {
            var f = alone[0].Test.FamilySize;
            parts.Add($"{string.Join(", ", alone.Select(i => i.Output))} {(alone.Count == 1 ? "has a 95% CI that excludes" : "have 95% CIs that exclude")} 0% (no change) on {(alone.Count == 1 ? "its" : "their")} own, " +
                      $"but across the question's {f} comparisons such an interval appears by chance alone with a probability of up to {f} × 5% = {Math.Min(100, 5 * f)}%; " +
                      $"the verdicts use Holm's adjustment (at most 5% for the whole question), which leaves {(alone.Count == 1 ? "it" : "them")} undecided");
        }

        var text = items.Count == 0 ? "Nothing to weigh." : $"Of {Outputs(items.Count)}: {string.Join("; ", parts)}.";
        if (plan is null && undecided > 0)
        {
            text += " This run declared no equivalence margin before it started (its manifest has none), so no comparison can be called \"no meaningful difference\".";
        }

        return caveat is null ? text : $"{text} {caveat}";
    }

    private static string Outputs(int n) => n == 1 ? "1 suite output" : $"{n} suite outputs";

    private static string Capitalise(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}

/// <summary>One question's answer: in words, how solid, each suite output's row, and the tally against 2023.</summary>
public sealed record ConclusionSection(
    string Question, string Title, string A, string B, string Answer, string Strength, IReadOnlyList<ConclusionRow> Rows, string? Study);

/// <summary>One suite output's headline: this run's change and answer beside the 2023 study's ratio and the test against it.</summary>
/// <param name="Sizes">n of A / n of B.</param>
public sealed record ConclusionRow(string Output, string Metric, string Better, string Sizes, string Change, string Answer, string Claim2023, string Versus2023);
