using System.Globalization;
using VmLab.Lab.Plan;
using VmLab.Results;

namespace VmLab.Report;

/// <summary>A precision run's section of the report: the rule, every look, why it stopped, the last look's comparisons.</summary>
/// <param name="Met">What a comparison must be for the rule to stop: "precise", or "decided" under the first rule.</param>
public sealed record PrecisionSection(string Rule, string Stop, IReadOnlyList<PrecisionLookRow> Looks, IReadOnlyList<PrecisionComparisonRow> Last, string Met);

/// <summary>One look: after how many blocks, the time so far, and how many comparisons met the rule (precise; decided under the first rule).</summary>
public sealed record PrecisionLookRow(int Look, int Blocks, string Spent, string Block, string Met, string NotYet);

/// <summary>One comparison at the last look.</summary>
public sealed record PrecisionComparisonRow(string Question, string Output, string Metric, int Blocks, string Ratio, string Ci, string P, string Holm, string Status);

/// <summary>The report's precision section, from the manifest's record (<see cref="PrecisionRecord"/>) alone.</summary>
public static class PrecisionReport
{
    /// <summary>The section of a run with a precision rule; null for any other run.</summary>
    public static PrecisionSection? Of(Manifest manifest)
    {
        if (manifest.Precision is not { } record)
        {
            return null;
        }

        var rule = record.Rule;
        var questions = rule.Questions.Count == 0 ? "every question" : string.Join(", ", rule.Questions);
        var margin = $"±{Percent(rule.Margin)} ([{Number(1 / (1 + rule.Margin))}, {Number(1 + rule.Margin)}] times the estimate)";
        var text = rule.StopOn == PrecisionStopOn.Precision
            ? $"blocks are added one at a time until every headline comparison of {questions} is precise, or another block would not fit the budget of {Duration(rule.BudgetSeconds)} of lab time. " +
              $"Precise means its 95% interval of B/A is at most {margin} wide, the half-width taken with the spread about no change (the estimate's share capped at the margin): never narrower than the interval itself. " +
              "The run looks after each whole block and stops on the intervals' width, never on where they lie: the verdicts above follow from the final data, and with no true difference the final test stays at its 5% level (a simulation: docs/PRECISION.md)."
            : $"**the first rule** (this run started before the rule changed; a resume goes on under it): blocks are added one at a time until every headline comparison of {questions} is decided, " +
              $"or another block would not fit the budget of {Duration(rule.BudgetSeconds)} of lab time. Decided means significant after Holm's adjustment, " +
              $"or its 95% interval of B/A within ±{Percent(rule.Margin)} ([{Number(1 / (1 + rule.Margin))}, {Number(1 + rule.Margin)}]). " +
              "Stopping when a comparison turns significant raises the chance of a false \"significant\" above 5% (a simulation: docs/PRECISION.md); read this run's verdicts with that in mind.";
        var stop = record.Stop is { } why ? $"**Stopped:** {why}."
            : record.Looks.Count == 0 ? "**No look yet:** the run ended (or was interrupted) before its first look."
            : "**Not stopped:** the run was interrupted after its last look; `--resume` continues it under the same rule.";
        var looks = record.Looks.Select((l, i) =>
        {
            var met = l.Met(rule);
            return new PrecisionLookRow(
                i + 1, l.Blocks, Duration(l.SpentSeconds), Duration(l.BlockSeconds), $"{met.Count} of {l.Comparisons.Count}",
                met.Count == l.Comparisons.Count ? "–" : string.Join(", ", l.Comparisons.Except(met).Select(c => $"{c.Question} {c.Output}")));
        }).ToList();
        var last = record.Looks.LastOrDefault()?.Comparisons.Select(c => new PrecisionComparisonRow(
            c.Question, c.Output, c.Metric, c.Blocks, Number(c.Ratio), c.CiLow is null ? "–" : $"{Number(c.CiLow)}–{Number(c.CiHigh)}", P(c.P), P(c.PAdjusted), c.Status)).ToList() ?? [];
        return new PrecisionSection(text, stop, looks, last, rule.Condition);
    }

    private static string Duration(double seconds) => RunPlan.FormatDuration(TimeSpan.FromSeconds(seconds));

    private static string Percent(double margin) => (margin * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    private static string Number(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? "–";

    private static string P(double? p) => p is { } v ? (v < 0.001 ? "<0.001" : v.ToString("0.000", CultureInfo.InvariantCulture)) : "–";
}
