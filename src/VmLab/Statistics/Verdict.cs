namespace VmLab.Statistics;

/// <summary>What a comparison of configuration B against configuration A concludes for one metric.</summary>
public enum Verdict
{
    /// <summary>The data cannot decide: fewer than 2 repeats on a side, invalid or reused data, or no spread to test.</summary>
    Inconclusive,

    /// <summary>The test finds no difference at the 5% level (after Holm's adjustment, in a report).</summary>
    NoSignificantDifference,

    /// <summary>B is significantly better than A (p &lt; 0.05, Holm-adjusted in a report) in the metric's own direction (lower time, higher rate).</summary>
    Faster,

    /// <summary>B is significantly worse than A (p &lt; 0.05).</summary>
    Slower,
}

/// <summary>The words the report uses for a <see cref="Verdict"/>.</summary>
public static class VerdictText
{
    public static string Of(Verdict verdict) => verdict switch
    {
        Verdict.Faster => "faster",
        Verdict.Slower => "slower",
        Verdict.NoSignificantDifference => "no significant difference",
        _ => "inconclusive",
    };
}
