namespace VmLab.Suites;

/// <summary>
/// Turns one suite's raw output into a <see cref="Measurement"/>. One implementation per suite, one file each; what
/// the metrics mean (unit, direction, headline) is the suite's <see cref="MetricCatalog"/> in <see cref="SuiteRegistry"/>.
/// </summary>
public interface ISuiteParser
{
    /// <summary>The suite name: <c>hackbench</c>, <c>kernbench</c>, <c>netperf</c>, <c>ab</c>, <c>unixbench</c> or <c>console</c>.</summary>
    string Suite { get; }

    /// <summary>Parses <paramref name="text"/>; never throws on bad input, answers <see cref="ParseResult.Unrecognised"/> instead.</summary>
    ParseResult Parse(string text, ParseContext? context = null);
}

/// <summary>What the lab knew when the output was produced, for checks the output alone cannot make.</summary>
/// <param name="ExpectedDocumentLength">ab: the size in bytes of the document the server should serve, when known.</param>
/// <param name="NetperfTest">
/// netperf: the test that was run (<c>TCP_STREAM</c>, <c>TCP_MAERTS</c>, <c>TCP_RR</c>), when known. Needed for
/// <c>-P 0</c> output, which has no banner: a TCP_STREAM and a TCP_MAERTS result line look the same.
/// </param>
public sealed record ParseContext(long? ExpectedDocumentLength = null, string? NetperfTest = null);
