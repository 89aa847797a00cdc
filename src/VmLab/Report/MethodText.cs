using System.Globalization;
using VmLab.Results;
using VmLab.Statistics;

namespace VmLab.Report;

/// <summary>
/// How a run's comparisons were tested and read, in words for "How to read the tables": the test and its rule for
/// degrees of freedom, the equivalence margin the run declared (or that it declared none), and per headline row what
/// the test left out.
/// </summary>
public static class MethodText
{
    /// <summary>The test this run's comparisons use.</summary>
    public static string Test(Manifest m, IReadOnlyList<QuestionAnalysis> analyses)
    {
        var tests = analyses.SelectMany(q => q.Tables).Select(t => t.Test).OfType<MetricComparison>().ToList();
        if (tests.All(c => c.Design == TestDesign.Welch))
        {
            return "This run has no repeat blocks (it was not made by the lab's seeded order), so the test is Welch's t-test of log(B/A), with B/A = mean(B) / mean(A): by the delta method the standard error of log(B/A) is √(CV_A²/n_A + CV_B²/n_B); the Welch–Satterthwaite degrees of freedom come from the same two terms; p is the two-sided p of t = log(B/A) / se, and the 95% CI is exp(log(B/A) ± t₀.₉₇₅·se). So the interval excludes 1 exactly when p < 0.05.";
        }

        var text = "The run ran in repeat blocks (each a seeded permutation of the scenarios; a block may run on another machine or at another time), so the test pairs them: per complete block b, d_b = mean log B − mean log A over the block's units; t = mean(d) / (sd(d)/√k) on **df = k − 1** for k complete blocks; B/A (in every row, shown metrics too) is exp(mean d), the geometric mean of the blocks' ratios, and the 95% CI is exp(mean d ± t₀.₉₇₅,df·sd(d)/√k), so it excludes 1 exactly when p < 0.05. A speed factor that multiplies every output of a block cancels in d_b: it cannot move a verdict. Only blocks with both scenarios enter; a block left out is named in the why cell. (For two scenarios this equals a linear mixed model with scenario fixed and block random.)";
        if (m.Analysis?.ProbeCovariate == true)
        {
            text += " The run declared the calibration probe a covariate before it started: d_b is regressed on the difference of the log L1 probe rates of the block's two boots, and B/A is the intercept (the ratio at equal boot speed), on **df = k − 2**; where the probe cannot be used the why cell says why and the plain paired test is used.";
        }
        else
        {
            text += " The calibration probe is not a covariate here: the run did not declare it one before it started.";
        }

        return text;
    }

    /// <summary>What the run declared about equivalence, and what it means here.</summary>
    public static string Equivalence(Manifest m) => m.Analysis is { } plan
        ? string.Create(CultureInfo.InvariantCulture,
            $"Declared before the run (lab/profiles.json, recorded in manifest.json): a change within ±{plan.EquivalenceMargin * 100:0.#}% does not matter. A comparison without a significant change is *no meaningful difference* only when its whole 95% CI lies within {Numbers.Change(1 / (1 + plan.EquivalenceMargin))} to +{plan.EquivalenceMargin * 100:0.#}% (the margin on the log scale, as two one-sided tests at 2.5% each); otherwise it is *undecided*.")
        : "This run's manifest declares no equivalence margin (runs made before such declarations, and imported data, have none): no comparison can be called *no meaningful difference*, and every comparison without a significant change is *undecided*.";

    /// <summary>The why cell of a headline: the test's reason, then the blocks it left out and a declared covariate it could not use.</summary>
    public static string Why(MetricComparison c)
    {
        var parts = new List<string>();
        if (c.Reason is { } reason)
        {
            parts.Add(reason);
        }

        if (c.LeftOutBlocks.Count > 0)
        {
            parts.Add($"block{(c.LeftOutBlocks.Count == 1 ? "" : "s")} {string.Join(", ", c.LeftOutBlocks)} left out: incomplete (a side has no value there)");
        }

        if (c.ProbeNotUsed is { } probe)
        {
            parts.Add($"probe covariate not used: {probe}");
        }

        return string.Join("; ", parts);
    }
}
