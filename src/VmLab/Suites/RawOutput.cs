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

    /// <summary>Parses a number as the tools print it (C locale, '.' decimal point).</summary>
    public static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Formats a number for a problem message the way a person would write it.</summary>
    public static string Show(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>An empty metric map in the order results.json uses (ordinal by name).</summary>
    public static SortedDictionary<string, MetricValue> NewMetrics() => new(StringComparer.Ordinal);
}
