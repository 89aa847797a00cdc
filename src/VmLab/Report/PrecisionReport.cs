using System.Globalization;
using VmLab.Lab.Plan;
using VmLab.Results;

namespace VmLab.Report;

/// <summary>A precision run's section of the report: the rule, every look, why it stopped, the last look's comparisons.</summary>
public sealed record PrecisionSection(string Rule, string Stop, IReadOnlyList<PrecisionLookRow> Looks, IReadOnlyList<PrecisionComparisonRow> Last);

/// <summary>One look: after how many blocks, the time so far, and how many comparisons were decided.</summary>
public sealed record PrecisionLookRow(int Look, int Blocks, string Spent, string Block, string Decided, string Undecided);

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
        var text = $"blocks are added one at a time until every headline comparison of {(rule.Questions.Count == 0 ? "every question" : string.Join(", ", rule.Questions))} is decided, " +
                   $"or another block would not fit the budget of {Duration(rule.BudgetSeconds)} of lab time. Decided means significant after Holm's adjustment, " +
                   $"or its 95% interval of B/A within ±{Percent(rule.Margin)} ([{Number(1 / (1 + rule.Margin))}, {Number(1 + rule.Margin)}]). " +
                   "The run looks after each whole block; a look never stops it on a significant result while another comparison is undecided.";
        var stop = record.Stop is { } why ? $"**Stopped:** {why}."
            : record.Looks.Count == 0 ? "**No look yet:** the run ended (or was interrupted) before its first look."
            : "**Not stopped:** the run was interrupted after its last look; `--resume` continues it under the same rule.";
        var looks = record.Looks.Select((l, i) => new PrecisionLookRow(
            i + 1, l.Blocks, Duration(l.SpentSeconds), Duration(l.BlockSeconds), $"{l.Decided} of {l.Comparisons.Count}",
            l.Decided == l.Comparisons.Count ? "–" : string.Join(", ", l.Comparisons.Where(c => !c.Decided).Select(c => $"{c.Question} {c.Output}")))).ToList();
        var last = record.Looks.LastOrDefault()?.Comparisons.Select(c => new PrecisionComparisonRow(
            c.Question, c.Output, c.Metric, c.Blocks, Number(c.Ratio), c.CiLow is null ? "–" : $"{Number(c.CiLow)}–{Number(c.CiHigh)}", P(c.P), P(c.PAdjusted), c.Status)).ToList() ?? [];
        return new PrecisionSection(text, stop, looks, last);
    }

    private static string Duration(double seconds) => RunPlan.FormatDuration(TimeSpan.FromSeconds(seconds));

    private static string Percent(double margin) => (margin * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    private static string Number(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? "–";

    private static string P(double? p) => p is { } v ? (v < 0.001 ? "<0.001" : v.ToString("0.000", CultureInfo.InvariantCulture)) : "–";
}
