namespace VmLab.Why;

/// <summary>Which way a hypothesis expects a metric to move from scenario A to scenario B of its question.</summary>
public enum Change
{
    /// <summary>B/A &gt; 1.</summary>
    Up,

    /// <summary>B/A &lt; 1.</summary>
    Down,
}

/// <summary>
/// One metric a hypothesis expects to move, in the suite outputs named (all of the question's outputs that have the
/// metric when none are named).
/// </summary>
/// <param name="Metric">A derived metric (<see cref="DerivedMetrics"/>) or a suite's own (<c>system_s</c>, a UnixBench test's index).</param>
/// <param name="Expected">Its direction from A to B.</param>
/// <param name="Outputs">
/// Suite outputs as the report labels them (<c>netperf TCP_RR</c>, <c>kernbench</c>), or a suite for all of its outputs
/// (<c>hackbench</c> for <c>hackbench process</c>); empty: every output.
/// </param>
public sealed record Prediction(string Metric, Change Expected, params string[] Outputs)
{
    /// <summary>True when the prediction is about <paramref name="output"/> (a table's label: suite, then its workload).</summary>
    public bool Covers(string output) =>
        Outputs.Length == 0 || Outputs.Any(o => output == o || output.StartsWith(o + " ", StringComparison.Ordinal));
}

/// <summary>Where a hypothesis comes from.</summary>
public enum HypothesisSource
{
    /// <summary>The 2023 report's own explanation, quoted from the seed.</summary>
    Study2023,

    /// <summary>What the textbook account of the mechanism predicts.</summary>
    Textbook,
}

/// <summary>
/// An explanation of a question's answer, declared in code before any run (<see cref="Hypotheses.All"/>): what it
/// claims, where it comes from, which metrics would move and which way if it holds, and what refutes it. A run's data
/// decide it (<see cref="HypothesisVerdict"/>); nothing about the outcome is written here.
/// </summary>
/// <param name="Id">A short stable name (<c>2023-vring</c>).</param>
/// <param name="Question">The question it explains (<c>Q3</c>).</param>
/// <param name="Source">The 2023 report or the textbook.</param>
/// <param name="Claim">What it says, in English.</param>
/// <param name="Quote">The 2023 report's sentence, verbatim (Chinese), for a <see cref="HypothesisSource.Study2023"/> one; null otherwise.</param>
/// <param name="SeedLine">The quote's line in the seed (<c>shared/seeds/000_3c724d184192970a.txt</c>).</param>
/// <param name="Gloss">The quote in English.</param>
/// <param name="Predictions">The metrics that would support it, and which way.</param>
/// <param name="Refutes">What refutes it, in words.</param>
public sealed record Hypothesis(
    string Id, string Question, HypothesisSource Source, string Claim, string? Quote, int? SeedLine, string? Gloss,
    IReadOnlyList<Prediction> Predictions, string Refutes);

/// <summary>What a run's data say about a hypothesis.</summary>
public enum HypothesisOutcome
{
    /// <summary>The run has none of the metrics it names on both sides (no counters, or not those outputs).</summary>
    NotMeasured,

    /// <summary>Neither supported nor refuted: nothing significant, or predictions that disagree.</summary>
    Undecided,

    /// <summary>A predicted metric differs significantly (Holm in the question's hypotheses family) in the predicted direction, and none against it.</summary>
    Supported,

    /// <summary>A predicted metric differs significantly the other way, or lies within the equivalence margin, and none holds.</summary>
    Refuted,
}

/// <summary>One prediction in one suite output, as the run's hypotheses family decided it.</summary>
public enum PredictionOutcome
{
    /// <summary>Measured on both sides but not decided: not significant and not within the margin, or not testable.</summary>
    Open,

    /// <summary>Significant after the family's Holm adjustment, in the predicted direction.</summary>
    Holds,

    /// <summary>Significant the other way.</summary>
    Opposite,

    /// <summary>No significant change and the whole 95% interval within the declared margin: the difference it needs is not there.</summary>
    Equivalent,
}

/// <summary>How a hypothesis's verdict follows from its predictions' outcomes.</summary>
public static class HypothesisVerdict
{
    /// <summary>
    /// <see cref="HypothesisOutcome.NotMeasured"/> when no prediction was measured on both sides; supported when one
    /// holds and none goes against it (opposite or equivalent); refuted when one goes against it and none holds;
    /// undecided otherwise (nothing decided, or predictions that disagree).
    /// </summary>
    public static HypothesisOutcome Of(IReadOnlyCollection<PredictionOutcome> measured)
    {
        if (measured.Count == 0)
        {
            return HypothesisOutcome.NotMeasured;
        }

        var holds = measured.Any(o => o == PredictionOutcome.Holds);
        var against = measured.Any(o => o is PredictionOutcome.Opposite or PredictionOutcome.Equivalent);
        return holds && !against ? HypothesisOutcome.Supported
            : against && !holds ? HypothesisOutcome.Refuted
            : HypothesisOutcome.Undecided;
    }

    /// <summary>The words the report uses for an outcome.</summary>
    public static string Text(HypothesisOutcome outcome) => outcome switch
    {
        HypothesisOutcome.Supported => "supported",
        HypothesisOutcome.Refuted => "refuted",
        HypothesisOutcome.Undecided => "undecided",
        _ => "not measured",
    };
}
