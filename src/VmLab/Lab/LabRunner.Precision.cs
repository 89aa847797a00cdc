using System.Globalization;
using VmLab.Lab.Plan;
using VmLab.Statistics;

namespace VmLab.Lab;

// A precision run (docs/PRECISION.md): after its blocks, a look at the data; another whole block, or a stop and why.
public sealed partial class LabRunner
{
    private PrecisionRecord? _precision;

    /// <summary>
    /// What the run's data say at a look: each chosen headline comparison, decided or not (for <c>vmlab lab run</c>,
    /// <c>RunDecisions.Look</c> on the run directory). Needed when the plan has a <see cref="RunPlan.Precision"/> rule.
    /// </summary>
    public Func<IReadOnlyList<ComparisonDecision>>? Looker { get; init; }

    /// <summary>Called after each look is recorded, before the run goes on or stops (the manifest is rewritten then).</summary>
    public Action? AfterLook { get; init; }

    /// <summary>The looks a resumed run took before this start (from its manifest).</summary>
    public IReadOnlyList<PrecisionLook> EarlierLooks { get; init; } = [];

    /// <summary>The rule and every look so far; null when the run has no precision rule.</summary>
    public PrecisionRecord? Precision => _precision ?? (_plan.Precision is { } rule ? new PrecisionRecord(rule, EarlierLooks) : null);

    /// <summary>
    /// After the plan's blocks have run: a look (recorded, then <see cref="AfterLook"/>), and true when the rule wants
    /// another block, which is then added to the plan and the ledger's order. A resumed run that already looked at
    /// these blocks does not look again: it keeps that look's decision.
    /// </summary>
    private async Task<bool> AnotherBlockAsync()
    {
        if (Precision is not { } record)
        {
            return false;
        }

        if (Looker is null)
        {
            throw new InvalidOperationException("A precision run needs a Looker.");
        }

        if (record.Looks.LastOrDefault(l => l.Blocks == _plan.Blocks) is { } earlier)
        {
            Say(earlier.Stop is null ? $"precision: the look after block {earlier.Blocks} went on; block {earlier.Blocks + 1} next" : $"precision: stopped after block {earlier.Blocks}: {earlier.Stop}");
            if (earlier.Stop is not null)
            {
                return false;
            }
        }
        else
        {
            var (spent, block) = Spending();
            var comparisons = Looker();
            var look = new PrecisionLook(_plan.Blocks, DateTimeOffset.UtcNow, Math.Round(spent, 1), Math.Round(block, 1), comparisons,
                PrecisionStop.Reason(record.Rule, _plan.Blocks, comparisons, spent, block));
            _precision = record with { Looks = [.. record.Looks, look] };
            SayLook(record.Rule, look);
            AfterLook?.Invoke();
            if (look.Stop is not null)
            {
                return false;
            }
        }

        _plan = _plan.WithAnotherBlock();
        _ledger = _ledger with { Order = _plan.Order };
        await _ledger.SaveAsync(_settings.RunDirectory, CancellationToken.None);
        Say($"precision: {_plan.Order.Describe().Last()}");
        return true;
    }

    /// <summary>
    /// The lab time spent (every boot and quiet-gate wait in the ledger, over every start) and the expected time of
    /// one more block: the mean of the blocks so far, or the plan's estimate of a block before any boot was recorded.
    /// </summary>
    private (double Spent, double Block) Spending()
    {
        var spent = _ledger.Boots.Values.Sum(b => b.Seconds + (b.Quiet?.WaitedSeconds ?? 0));
        var estimate = _plan.Boots(_ => true).Where(b => b.Repeat == 1).Sum(b => _plan.Estimate(b).TotalSeconds);
        return (spent, spent > 0 ? spent / _plan.Blocks : estimate);
    }

    private void SayLook(PrecisionRule rule, PrecisionLook look)
    {
        var what = rule.StopOn == PrecisionStopOn.Precision ? "precise" : "decided (the first rule: it stops when every comparison is decided)";
        Say(string.Create(CultureInfo.InvariantCulture,
            $"precision look after block {look.Blocks}: {look.Met(rule).Count} of {look.Comparisons.Count} {what}; spent {RunPlan.FormatDuration(TimeSpan.FromSeconds(look.SpentSeconds))}, a block about {RunPlan.FormatDuration(TimeSpan.FromSeconds(look.BlockSeconds))}"));
        foreach (var c in look.Comparisons)
        {
            Say(string.Create(CultureInfo.InvariantCulture,
                $"  {c.Question} {c.Output}: B/A {c.Ratio:0.###} (95% CI {c.CiLow:0.###}–{c.CiHigh:0.###}, p {c.P:0.####}, Holm p {c.PAdjusted:0.####}) {c.Status}"));
        }

        Say(look.Stop is null ? $"precision: comparisons not yet {rule.Condition} remain and another block fits the budget: one more block" : $"precision: stop: {look.Stop}");
    }
}
