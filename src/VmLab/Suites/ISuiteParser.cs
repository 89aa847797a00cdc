namespace VmLab.Suites;

/// <summary>Turns one suite's raw output into a <see cref="Measurement"/>. One implementation per suite, one file each.</summary>
public interface ISuiteParser
{
    /// <summary>The suite name: <c>hackbench</c>, <c>kernbench</c>, <c>netperf</c>, <c>ab</c>, <c>unixbench</c> or <c>console</c>.</summary>
    string Suite { get; }

    /// <summary>Parses <paramref name="text"/>; never throws on bad input, answers <see cref="ParseResult.Unrecognised"/> instead.</summary>
    ParseResult Parse(string text, ParseContext? context = null);
}

/// <summary>What the lab knew when the output was produced, for checks the output alone cannot make.</summary>
/// <param name="ExpectedDocumentLength">ab: the size in bytes of the document the server should serve, when known.</param>
public sealed record ParseContext(long? ExpectedDocumentLength = null);
