using System.Globalization;
using System.Text;

namespace VmLab.Common;

/// <summary>
/// Text from files or directory names a user did not write (a run directory from elsewhere, an edited ledger), made
/// safe to print on one terminal line: control and format characters (newline, ESC, NUL, a right-to-left override)
/// become visible escapes instead of moving the cursor, hiding text or starting a new line.
/// </summary>
public static class Printable
{
    /// <summary><paramref name="text"/> with every control or format character written as <c>\n</c>, <c>\t</c>, <c>\r</c> or <c>\uXXXX</c>.</summary>
    public static string Escape(string text)
    {
        if (!text.Any(IsHidden))
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            escaped.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when IsHidden(c) => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }

        return escaped.ToString();
    }

    private static bool IsHidden(char c) =>
        char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
