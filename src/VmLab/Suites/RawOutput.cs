using System.Globalization;

namespace VmLab.Suites;

/// <summary>Checks and splitting shared by every suite parser: what makes a file no tool output at all.</summary>
internal static class RawOutput
{
    /// <summary>
    /// Why <paramref name="text"/> cannot be any tool's output (empty, binary), or null when it is plausible text.
    /// A few stray control characters are tolerated because serial consoles emit them at boot; a file where more
    /// than 2% of the characters are NULs, undecodable bytes or control characters is binary.
    /// </summary>
    public static string? Reject(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "the file is empty";
        }

        var suspicious = 0;
        foreach (var c in text)
        {
            if (c is '\0' or '\uFFFD' || (char.IsControl(c) && c is not ('\n' or '\r' or '\t' or '\f' or '\b' or '\u001b')))
            {
                suspicious++;
            }
        }

        return suspicious * 50 > text.Length ? "the file is binary data, not text" : null;
    }

    /// <summary>The lines of <paramref name="text"/>, whatever its line endings, without trailing whitespace.</summary>
    public static IReadOnlyList<string> Lines(string text) =>
        text.ReplaceLineEndings("\n").Split('\n').Select(l => l.TrimEnd()).ToArray();

    /// <summary>
    /// Parses a number as the tools print it (C locale, '.' decimal point). One that no tool prints (400 digits, which a
    /// double holds only as infinity, and JSON cannot hold at all) throws <see cref="UnreadableNumberException"/>, which
    /// <see cref="Guard"/> turns into an unrecognised output.
    /// </summary>
    public static double Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            ? number
            : throw new UnreadableNumberException(text, "a finite number");

    /// <summary>Parses a whole number (a count, a size); one that does not fit 64 bits, or is no whole number, throws <see cref="UnreadableNumberException"/>.</summary>
    public static long Integer(string text) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new UnreadableNumberException(text, "a whole number of at most 18 digits");

    /// <summary><see cref="Integer"/> for counts held as <see cref="int"/> (tasks, groups, copies, percentiles).</summary>
    public static int Count(string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new UnreadableNumberException(text, "a whole number of at most 9 digits");

    /// <summary>
    /// Runs a parser's reading of one output. A number in it that no tool prints (<see cref="UnreadableNumberException"/>)
    /// makes the output unrecognised, with the number named: in a run, that unit is invalid and the others go on.
    /// </summary>
    public static ParseResult Guard(Func<ParseResult> read)
    {
        try
        {
            return read();
        }
        catch (UnreadableNumberException e)
        {
            return ParseResult.Unrecognised(e.Message);
        }
    }

    /// <summary>A number as a message shows it: a 400-digit one by its ends and length, not whole.</summary>
    public static string Shorten(string text) => text.Length <= 24 ? text : $"{text[..10]}…{text[^10..]} ({text.Length} characters)";

    /// <summary>Formats a number for a problem message the way a person would write it.</summary>
    public static string Show(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>An empty metric map in the order results.json uses (ordinal by name).</summary>
    public static SortedDictionary<string, MetricValue> NewMetrics() => new(StringComparer.Ordinal);
}

/// <summary>A number in an output that no tool prints: too many digits for any number type, or not a number where one belongs.</summary>
internal sealed class UnreadableNumberException(string text, string expected)
    : FormatException($"'{RawOutput.Shorten(text)}' is not {expected}: no tool prints it, so the output is damaged or edited");
