using VmLab.Common;

namespace VmLab.Release;

/// <summary>
/// The summary section of a REPORT.md: the text between the markers docs/CONTRACTS.md defines.
/// The report stage decides what a summary says; the release publishes exactly that as its body.
/// </summary>
public static class ReportSummary
{
    public const string StartMarker = "<!-- vmlab:summary:start -->";
    public const string EndMarker = "<!-- vmlab:summary:end -->";

    /// <summary>The summary's Markdown, without the markers and surrounding blank lines, line endings normalised to \n.</summary>
    /// <param name="report">The whole REPORT.md.</param>
    /// <param name="reportPath">For the error message.</param>
    /// <exception cref="LabException">The markers are missing, repeated, out of order, or enclose nothing.</exception>
    public static string Extract(string report, string reportPath)
    {
        var text = report.ReplaceLineEndings("\n");
        var start = text.IndexOf(StartMarker, StringComparison.Ordinal);
        var end = text.IndexOf(EndMarker, StringComparison.Ordinal);
        if (start < 0 || end < 0)
        {
            throw new LabException(
                $"{reportPath} has no summary section (expected the lines {StartMarker} and {EndMarker}); the release body is that section.",
                "re-render the report with the current vmlab, which writes the markers");
        }

        if (end < start
            || text.IndexOf(StartMarker, start + StartMarker.Length, StringComparison.Ordinal) >= 0
            || text.IndexOf(EndMarker, end + EndMarker.Length, StringComparison.Ordinal) >= 0)
        {
            throw new LabException(
                $"{reportPath}: the summary markers must appear once each, start before end.",
                "re-render the report; if REPORT.md was edited by hand, fix the markers");
        }

        var summary = text[(start + StartMarker.Length)..end].Trim('\n', ' ', '\t');
        if (summary.Length == 0)
        {
            throw new LabException($"{reportPath}: the summary section is empty.", "re-render the report");
        }

        return summary;
    }
}
