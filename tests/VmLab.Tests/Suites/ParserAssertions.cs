using VmLab.Suites;

namespace VmLab.Tests.Suites;

/// <summary>Parses a fixture and insists it was recognised, so each test can go straight to the numbers.</summary>
internal static class ParserAssertions
{
    public static Measurement Recognised(this ISuiteParser parser, string text, ParseContext? context = null)
    {
        var result = parser.Parse(text, context);
        Assert.True(result.Recognised, $"expected {parser.Suite} output, got: {result.UnrecognisedReason}");
        return result.Measurement!;
    }

    public static Measurement ParseFixture(this ISuiteParser parser, string file, ParseContext? context = null) =>
        parser.Recognised(SuiteFixtures.Read(file), context);

    public static string Unrecognised(this ISuiteParser parser, string text, ParseContext? context = null)
    {
        var result = parser.Parse(text, context);
        Assert.False(result.Recognised, $"expected {parser.Suite} to refuse the text, but it parsed: {result.Measurement?.ToJson()}");
        Assert.False(string.IsNullOrWhiteSpace(result.UnrecognisedReason));
        Assert.DoesNotContain('\n', result.UnrecognisedReason!);
        return result.UnrecognisedReason!;
    }
}
