using VmLab.Results;
using VmLab.Statistics;
using VmLab.Suites;

namespace VmLab.Report;

/// <summary>
/// The answer to each question, from its headline verdicts only: what is solid (a significant difference, or no
/// difference with the smallest change the run could detect), what stays open and why, and how each answer stands
/// against the 2023 study's claim. Nothing here is written by hand: the wording follows from the verdicts.
/// </summary>
/// <remarks>
/// Against 2023, per suite output: the study's change B/A (one run per side) is its claim. This run <b>agrees</b>
/// when it finds a significant change in the same direction, <b>contradicts</b> when it finds one in the other
/// direction, or finds none although the claimed change is at least its minimum detectable change (a change that
/// large would have been seen with 80% power), and <b>cannot tell</b> when its comparison is inconclusive or the
/// claimed change is smaller than what it could detect.
/// </remarks>
public static class Conclusions
{
    /// <summary>A change the 2023 study reports as B/A within this of 1 is "no change" (its figures have 3–4 digits).</summary>
    private const double NoChange = 0.005;

    /// <summary>The conclusions of <paramref name="questions"/>; <paramref name="reference"/> is the 2023 run's analysis (null: not available, or this run is it).</summary>
    public static IReadOnlyList<ConclusionSection> Of(
        IReadOnlyList<QuestionAnalysis> questions, IReadOnlyList<QuestionAnalysis>? reference, bool isReference, string? caveat)
    {
        return questions.Select(q =>
        {
            var items = q.Tables.Where(t => t.Test is not null)
                .Select(t => ItemOf(q.Spec, t, isReference ? null : ReferenceMatch.Table(reference, q.Spec.Question, t), reference is null || isReference))
                .ToList();
            return new ConclusionSection(q.Spec.Question, q.Spec.Title, q.Spec.A, q.Spec.B, Answer(q.Spec, q.Tables, items), Strength(items, caveat),
                items.Select(i => i.Row).ToList(), isReference ? null : Against2023(items, reference is null));
        }).ToList();
    }

    private sealed record Item(ConclusionRow Row, Verdict Verdict, Agreement2023? Agreement, string Output, double? Ratio, double? Mde);

    private enum Agreement2023
    {
        Agrees,
        Contradicts,
        CannotTell,
        NoFigure,
    }

    private static Item ItemOf(ComparisonSpec spec, TableAnalysis t, TableAnalysis? theirs, bool noReference)
    {
        var headline = t.Metrics.First(m => m.IsHeadline);
        var c = headline.Comparison;
        var claim = theirs?.Metrics.FirstOrDefault(m => m.Metric == headline.Metric)?.Comparison.Ratio;
        var (agreement, why) = noReference ? ((Agreement2023?)null, "") : Agree(c, claim, headline.Definition.Direction);
        if (agreement == Agreement2023.NoFigure && theirs?.Headline is { } other)
        {
            why = $"2023 measured `{other}`, not `{headline.Metric}`";
        }
        var here = c.Ratio is { } r ? Numbers.Change(r) + (c.Tested && c.RatioCiLow is { } lo && c.RatioCiHigh is { } hi
            ? $" (95% CI {Numbers.Change(lo)} to {Numbers.Change(hi)}, Holm p={Numbers.P(c.PAdjusted ?? c.P!.Value)})" : "") : "–";
        var row = new ConclusionRow(
            t.Label, headline.Metric, Numbers.Arrow(headline.Definition.Direction), $"{c.A.N} / {c.B.N}", here, Answer(spec, c),
            noReference ? "" : claim is { } cr ? Numbers.Change(cr) + (theirs!.Untrusted.Count > 0 ? " (from data VmLab finds invalid or reused)" : "") : "–",
            agreement is { } a ? $"{AgreementText(a)}{(why.Length > 0 ? ": " + why : "")}" : "");
        return new Item(row, c.Verdict, agreement, t.Label, c.Ratio, c.Tested ? c.MinimumDetectableChange : null);
    }

    // The headline's answer in words: B against A, in the metric's own direction.
    private static string Answer(ComparisonSpec spec, MetricComparison c) => c.Verdict switch
    {
        Verdict.Faster => $"solid: `{spec.B}` better",
        Verdict.Slower => $"solid: `{spec.B}` worse",
        Verdict.NoSignificantDifference => c.MinimumDetectableChange is { } mde ? $"no difference beyond {Numbers.Mde(mde)}" : "no significant difference",
        _ => $"open: {c.Reason ?? "inconclusive"}",
    };

    private static (Agreement2023, string Why) Agree(MetricComparison c, double? claim, MetricDirection direction)
    {
        if (claim is not { } r)
        {
            return (Agreement2023.NoFigure, "");
        }

        var claimed = Math.Abs(r - 1) < NoChange ? 0 : (r > 1) == (direction == MetricDirection.HigherIsBetter) ? 1 : -1;
        switch (c.Verdict)
        {
            case Verdict.Faster or Verdict.Slower:
                var found = c.Verdict == Verdict.Faster ? 1 : -1;
                return found == claimed ? (Agreement2023.Agrees, "same direction")
                    : (Agreement2023.Contradicts, claimed == 0 ? "2023 saw no change" : "the opposite direction");
            case Verdict.NoSignificantDifference when c.MinimumDetectableChange is { } mde:
                return Math.Abs(Math.Log(r)) >= Math.Log(1 + mde)
                    ? (Agreement2023.Contradicts, $"a change as large as 2023's {Numbers.Change(r)} would have been seen (detectable: {Numbers.Mde(mde)})")
                    : (claimed == 0 ? Agreement2023.Agrees : Agreement2023.CannotTell,
                        claimed == 0 ? "neither sees a change" : $"2023's {Numbers.Change(r)} is within what this run could miss ({Numbers.Mde(mde)})");
            default:
                return (Agreement2023.CannotTell, "this run's comparison is inconclusive");
        }
    }

    private static string Answer(ComparisonSpec spec, IReadOnlyList<TableAnalysis> tables, List<Item> items)
    {
        if (items.Count == 0)
        {
            return tables.Count == 0 ? "Not answered: no suite was measured on both sides." : "Not answered: no headline metric was measured on both sides.";
        }

        var open = items.Count(i => i.Verdict == Verdict.Inconclusive);
        if (open == items.Count)
        {
            return $"Not answered: {(open == 1 ? "the one suite output" : $"none of the {open} suite outputs")} could be tested (see the table).";
        }

        var better = items.Where(i => i.Verdict == Verdict.Faster).Select(i => $"{i.Output} ({Numbers.Change(i.Ratio!.Value)})").ToList();
        var worse = items.Where(i => i.Verdict == Verdict.Slower).Select(i => $"{i.Output} ({Numbers.Change(i.Ratio!.Value)})").ToList();
        var same = items.Where(i => i.Verdict == Verdict.NoSignificantDifference).ToList();
        var parts = new List<string>();
        if (worse.Count > 0)
        {
            parts.Add($"`{spec.B}` is worse than `{spec.A}` in {string.Join(", ", worse)}");
        }

        if (better.Count > 0)
        {
            parts.Add($"`{spec.B}` is better than `{spec.A}` in {string.Join(", ", better)}");
        }

        if (same.Count > 0)
        {
            var bounds = same.Where(i => i.Mde is not null).Select(i => i.Mde!.Value).ToList();
            parts.Add($"no difference was found in {string.Join(", ", same.Select(i => i.Output))}" +
                      (bounds.Count > 0 ? $" (changes smaller than {Range(bounds)} could go unseen)" : ""));
        }

        if (open > 0)
        {
            parts.Add($"{open} of {Outputs(items.Count)} cannot be answered (see the table)");
        }

        return Capitalise(string.Join("; ", parts)) + ".";
    }

    private static string Strength(List<Item> items, string? caveat)
    {
        var changed = items.Count(i => i.Verdict is Verdict.Faster or Verdict.Slower);
        var bounds = items.Where(i => i.Verdict == Verdict.NoSignificantDifference).Select(i => i.Mde).OfType<double>().ToList();
        var open = items.Count(i => i.Verdict == Verdict.Inconclusive);
        var parts = new List<string>();
        if (changed > 0)
        {
            parts.Add($"{changed} significant {(changed == 1 ? "change" : "changes")} after Holm's adjustment");
        }

        if (bounds.Count > 0)
        {
            parts.Add($"{bounds.Count} without a significant change, which {(bounds.Count == 1 ? "rules" : "rule")} out only changes larger than {Range(bounds)}" +
                      (bounds.Max() >= 0.5 ? " (too coarse to call \"no effect\")" : ""));
        }

        if (open > 0)
        {
            parts.Add($"{open} inconclusive");
        }

        var text = items.Count == 0 ? "Nothing to weigh." : $"Of {Outputs(items.Count)}: {string.Join("; ", parts)}.";
        return caveat is null ? text : $"{text} {caveat}";
    }

    private static string? Against2023(List<Item> items, bool noReference)
    {
        if (noReference)
        {
            return "The 2023 reference run was not available: nothing to place this answer beside.";
        }

        var counts = Enum.GetValues<Agreement2023>()
            .Select(a => (a, n: items.Count(i => i.Agreement == a)))
            .Where(x => x.n > 0)
            .Select(x => $"{AgreementText(x.a)} {x.n}");
        return items.Count == 0 ? "Nothing to place beside the 2023 study." : $"Against the 2023 study's claims: {string.Join(", ", counts)}.";
    }

    private static string AgreementText(Agreement2023 a) => a switch
    {
        Agreement2023.Agrees => "agrees",
        Agreement2023.Contradicts => "contradicts",
        Agreement2023.CannotTell => "cannot tell",
        _ => "no 2023 figure",
    };

    // The detectable changes of several comparisons: "±12%", or "±12% to ±40%" (as printed, so two that print alike are one).
    private static string Range(IReadOnlyCollection<double> mdes) =>
        Numbers.Mde(mdes.Min()) == Numbers.Mde(mdes.Max()) ? Numbers.Mde(mdes.Min()) : $"{Numbers.Mde(mdes.Min())} to {Numbers.Mde(mdes.Max())}";

    private static string Outputs(int n) => n == 1 ? "1 suite output" : $"{n} suite outputs";

    private static string Capitalise(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}

/// <summary>One question's answer: in words, how solid, each suite output's row, and the tally against 2023.</summary>
public sealed record ConclusionSection(
    string Question, string Title, string A, string B, string Answer, string Strength, IReadOnlyList<ConclusionRow> Rows, string? Study);

/// <summary>One suite output's headline: this run's change and answer beside the 2023 study's claimed change.</summary>
/// <param name="Sizes">n of A / n of B.</param>
public sealed record ConclusionRow(string Output, string Metric, string Better, string Sizes, string Change, string Answer, string Claim2023, string Versus2023);
