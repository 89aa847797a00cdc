using VmLab.Report;

namespace VmLab.Tests.Report;

/// <summary>
/// The report's tables as their cells read, formatted by the same <see cref="Cells"/> functions the templates call:
/// what a test compares with the numbers of an independent computation, and what the tables' snapshot holds.
/// </summary>
internal static class ShownTables
{
    /// <summary>One metric row's cells, named as the report's columns.</summary>
    public sealed record Row(
        string Metric, bool Headline, string Better, string A, string CountA, string CvA, string B, string CountB, string CvB,
        string Ratio, string RatioCi, string P, string HolmP, string Mde, string Verdict, string Reason);

    /// <summary>One reference row's cells.</summary>
    public sealed record ReferenceCells(string Question, string Suite, string Metric, string ThisRun, string ThisVerdict, string Reference, string ReferenceVerdict);

    public static Row Of(MetricRow r) => new(
        r.Metric, r.Headline, Cells.Arrow(r.Better),
        Cells.MeanSd(r.A), r.A.N.ToString(System.Globalization.CultureInfo.InvariantCulture), Cells.Cv(r.A.Cv),
        Cells.MeanSd(r.B), r.B.N.ToString(System.Globalization.CultureInfo.InvariantCulture), Cells.Cv(r.B.Cv),
        Cells.Ratio(r.Ratio), Cells.Interval(r.RatioCiLow, r.RatioCiHigh), Cells.P(r.P), Cells.P(r.HolmP), Cells.Mde(r.Mde),
        Cells.Verdict(r.Verdict), r.Reason);

    public static ReferenceCells Of(ReferenceRow r) => new(
        r.Question, r.Suite, r.Metric, Cells.Ratio(r.ThisRun), Cells.Verdict(r.ThisVerdict), Cells.Ratio(r.Reference), Cells.Verdict(r.ReferenceVerdict));

    /// <summary>The questions' sections with every table's rows as cells (the shape the tables' snapshot keeps).</summary>
    public static object Of(IReadOnlyList<QuestionSection> questions) => questions.Select(q => new
    {
        q.Question,
        q.Title,
        q.Factor,
        q.A,
        q.B,
        Suites = q.Suites.Select(t => new { t.Suite, t.Workload, t.Chart, Rows = t.Rows.Select(Of).ToList(), t.Missing }).ToList(),
        q.Findings,
        q.Family,
    }).ToList();

    /// <summary>The reference section with its rows as cells.</summary>
    public static object Of(ReferenceSection reference) => new { reference.Text, Rows = reference.Rows.Select(Of).ToList() };
}
