using System.Globalization;
using VmLab.Common;
using VmLab.Statistics;

namespace VmLab.Lab.Plan;

/// <summary>What a precision run stops on (<see cref="PrecisionRule.StopOn"/>).</summary>
public enum PrecisionStopOn
{
    /// <summary>
    /// Every chosen comparison decided: significant after Holm's adjustment, or its 95% interval within the margin. The
    /// first rule; it stops when a comparison turns significant, which inflates false positives (BlockTestTests
    /// measures it). Only runs started under it keep it (their manifests have no <c>stop_on</c>): a resume goes on under it.
    /// </summary>
    Decided,

    /// <summary>
    /// Every chosen comparison precise: its interval is narrow enough (<see cref="MetricComparison.PreciseAt"/>),
    /// whatever it says. The rule of every run started since.
    /// </summary>
    Precision,
}

/// <summary>
/// The stopping rule of a precision run (<c>lab run --precision 10% [--questions Q1,Q3] --budget 6h</c>,
/// docs/PRECISION.md): after the profile's blocks, whole blocks are added one at a time until every chosen headline
/// comparison is precise (its 95% interval of log B/A no wider than ±log(1 + <see cref="Margin"/>), with the spread
/// measured about no change: <see cref="MetricComparison.StopHalfWidth"/>), or another block would not fit
/// <see cref="BudgetSeconds"/>. It stops on the interval's width, never on where the interval lies; the verdicts follow
/// from the final data. Declared before the run, recorded in its manifest.
/// </summary>
/// <param name="Margin">The equivalence margin: 0.10 = ±10% (B/A within [1/1.1, 1.1]).</param>
/// <param name="Questions">The questions whose headline comparisons must be decided; empty: every question of the run.</param>
/// <param name="BudgetSeconds">The lab time the run may take (its boots and quiet-gate waits, over every start).</param>
public sealed record PrecisionRule(double Margin, IReadOnlyList<string> Questions, double BudgetSeconds)
{
    /// <summary>
    /// What the run stops on: <see cref="PrecisionStopOn.Precision"/> for every rule given on the command line;
    /// <see cref="PrecisionStopOn.Decided"/> when read from the manifest of a run started under the first rule (no <c>stop_on</c>).
    /// </summary>
    public PrecisionStopOn StopOn { get; init; } = PrecisionStopOn.Decided;

    /// <summary>What a comparison must be for the rule to stop: "precise", or "decided" under the first rule.</summary>
    public string Condition => StopOn == PrecisionStopOn.Precision ? "precise" : "decided";

    /// <summary>True when <paramref name="comparison"/> meets the rule's condition to stop (<see cref="StopOn"/>).</summary>
    public bool Meets(ComparisonDecision comparison) =>
        StopOn == PrecisionStopOn.Precision ? comparison.Precise == true : comparison.Decided;

    /// <summary>The rule of <c>--precision</c>, <c>--questions</c> and <c>--budget</c> as given on the command line.</summary>
    public static PrecisionRule Parse(string precision, string? questions, string? budget)
    {
        var margin = ParseMargin(precision);
        if (budget is null)
        {
            throw new LabException("--precision needs --budget: a precision run stops when its comparisons are precise or its budget cannot fit another block.", "e.g. --precision 10% --budget 6h");
        }

        TimeSpan seconds;
        try
        {
            seconds = ShardPlan.ParseDuration(budget);
        }
        catch (LabException e)
        {
            throw new LabException($"--budget: {e.Message}", "e.g. --budget 6h or --budget 90m", e);
        }

        return new PrecisionRule(margin, ParseQuestions(questions), seconds.TotalSeconds) { StopOn = PrecisionStopOn.Precision };
    }

    /// <summary>The margin of <c>--precision 10%</c> (0.10); a <see cref="LabException"/> outside (0%, 100%).</summary>
    public static double ParseMargin(string precision)
    {
        var text = precision.Trim();
        var percent = text.EndsWith('%');
        if (!double.TryParse(percent ? text[..^1] : text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw new LabException($"--precision '{precision}' is not a margin.", "give it as a percentage, e.g. --precision 10%");
        }

        var margin = percent ? value / 100 : value;
        return margin is > 0 and < 1
            ? Math.Round(margin, 6)
            : throw new LabException($"--precision {precision} is outside (0%, 100%).", "e.g. --precision 10% (B/A within [0.909, 1.1])");
    }

    /// <summary>The question ids of <c>--questions Q1,Q3</c>, upper case, sorted, each once; empty when none are given.</summary>
    public static IReadOnlyList<string> ParseQuestions(string? questions) =>
        (questions ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(q => q.ToUpperInvariant()).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// True when <paramref name="other"/> gives the same margin, questions and budget (what the options can say; a
    /// resume keeps the recorded <see cref="StopOn"/>).
    /// </summary>
    public bool Same(PrecisionRule other) =>
        Margin.Equals(other.Margin) && BudgetSeconds.Equals(other.BudgetSeconds) && Questions.SequenceEqual(other.Questions, StringComparer.Ordinal);

    /// <summary>The options that give this rule: <c>--precision=10% --questions=Q1,Q3 --budget=6h00m00s</c>.</summary>
    public string Options =>
        string.Create(CultureInfo.InvariantCulture, $"--precision={Margin * 100:0.####}% ") + (Questions.Count > 0 ? $"--questions={string.Join(',', Questions)} " : "") + $"--budget={Budget()}";

    /// <summary>"±10% for Q1, Q3, within 6 h 00 min of lab time, stopping on precision": the rule in words.</summary>
    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"±{Margin * 100:0.####}% for {(Questions.Count == 0 ? "every question" : string.Join(", ", Questions))}, within {RunPlan.FormatDuration(TimeSpan.FromSeconds(BudgetSeconds))} of lab time, ") +
        (StopOn == PrecisionStopOn.Precision ? "stopping on precision" : "stopping when decided (the first rule)");

    private string Budget()
    {
        var t = TimeSpan.FromSeconds(BudgetSeconds);
        return string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}h{t.Minutes}m{t.Seconds}s");
    }
}

/// <summary>One interim look of a precision run: after a whole block, what the analysis said and what the run did.</summary>
/// <param name="Blocks">The complete blocks the look saw (1 … Blocks).</param>
/// <param name="AtUtc">When the look was taken.</param>
/// <param name="SpentSeconds">Lab time spent so far: every boot and quiet-gate wait of the run.</param>
/// <param name="BlockSeconds">The time one more block is expected to take: the mean of the blocks so far (the plan's estimate before any).</param>
/// <param name="Comparisons">Every chosen headline comparison at this look.</param>
/// <param name="Stop">Why the run stopped here; null when it went on to another block.</param>
public sealed record PrecisionLook(int Blocks, DateTimeOffset AtUtc, double SpentSeconds, double BlockSeconds, IReadOnlyList<ComparisonDecision> Comparisons, string? Stop)
{
    /// <summary>The comparisons decided at this look.</summary>
    public int Decided => Comparisons.Count(c => c.Decided);

    /// <summary>The comparisons precise at this look (<see cref="ComparisonDecision.Precise"/>); null for a look of the first rule, which did not record it.</summary>
    public int? Precise => Comparisons.Any(c => c.Precise is null) ? null : Comparisons.Count(c => c.Precise == true);

    /// <summary>The comparisons that meet <paramref name="rule"/>'s condition to stop.</summary>
    public IReadOnlyList<ComparisonDecision> Met(PrecisionRule rule) => Comparisons.Where(rule.Meets).ToList();
}

/// <summary>A precision run's rule and its looks so far, as the manifest records them (<c>"precision"</c>).</summary>
/// <param name="Rule">The rule declared when the run started; a resume keeps it.</param>
/// <param name="Looks">Every look, in order.</param>
public sealed record PrecisionRecord(PrecisionRule Rule, IReadOnlyList<PrecisionLook> Looks)
{
    /// <summary>Why the run stopped (the last look's reason); null while it runs or after an interruption.</summary>
    public string? Stop => Looks.LastOrDefault()?.Stop;
}

/// <summary>The decision after each look: go on with another whole block, or stop, and why.</summary>
public static class PrecisionStop
{
    /// <summary>
    /// Why a run under <paramref name="rule"/> stops after a look at <paramref name="blocks"/> blocks with
    /// <paramref name="comparisons"/>, having spent <paramref name="spentSeconds"/> and expecting
    /// <paramref name="blockSeconds"/> for another block; null to run another block. The rule's condition comes first: a
    /// run whose last block fit the budget and made every comparison precise stopped because they were precise.
    /// </summary>
    public static string? Reason(PrecisionRule rule, int blocks, IReadOnlyList<ComparisonDecision> comparisons, double spentSeconds, double blockSeconds)
    {
        var precision = rule.StopOn == PrecisionStopOn.Precision;
        var undecided = comparisons.Where(c => !rule.Meets(c)).ToList();
        if (comparisons.Count == 0)
        {
            return "no headline comparison to decide: no chosen suite output was measured on both sides";
        }

        if (undecided.Count == 0)
        {
            return precision
                ? string.Create(CultureInfo.InvariantCulture, $"precise: the 95% intervals of all {comparisons.Count} chosen headline comparisons are at most ±{rule.Margin * 100:0.####}% wide after {blocks} blocks")
                : string.Create(CultureInfo.InvariantCulture, $"decided: all {comparisons.Count} chosen headline comparisons are decided after {blocks} blocks");
        }

        if (spentSeconds + blockSeconds > rule.BudgetSeconds)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"budget: {blocks} blocks took {RunPlan.FormatDuration(TimeSpan.FromSeconds(spentSeconds))} of {RunPlan.FormatDuration(TimeSpan.FromSeconds(rule.BudgetSeconds))}, another block (about {RunPlan.FormatDuration(TimeSpan.FromSeconds(blockSeconds))}) does not fit; " +
                $"{undecided.Count} of {comparisons.Count} {(precision ? "not yet precise" : "still undecided")}: {string.Join(", ", undecided.Select(c => $"{c.Question} {c.Output}"))}");
        }

        return null;
    }
}
