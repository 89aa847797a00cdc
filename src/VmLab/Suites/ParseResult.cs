namespace VmLab.Suites;

/// <summary>
/// The outcome of parsing one output file: either it was recognised as the suite's output
/// (valid or not, see <see cref="Measurement.Problems"/>), or it was not, with a one-line reason
/// (empty, truncated, binary, a tool error message instead of results).
/// </summary>
public sealed record ParseResult
{
    private ParseResult(Measurement? measurement, string? unrecognisedReason) =>
        (Measurement, UnrecognisedReason) = (measurement, unrecognisedReason);

    public Measurement? Measurement { get; }

    /// <summary>Why the text is not this suite's output; null when recognised.</summary>
    public string? UnrecognisedReason { get; }

    public bool Recognised => Measurement is not null;

    public static ParseResult Ok(Measurement measurement) => new(measurement, null);

    public static ParseResult Unrecognised(string reason) => new(null, reason);
}
