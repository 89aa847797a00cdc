using System.Globalization;
using System.Text.RegularExpressions;

namespace VmLab.Suites;

/// <summary>One line of UnixBench's "System Benchmarks Index Values" table.</summary>
/// <param name="Name">The test as UnixBench names it, e.g. <c>Shell Scripts (8 concurrent)</c>.</param>
/// <param name="Baseline">The reference machine's result (SPARCstation 20-61 = index 10).</param>
/// <param name="Result">This machine's result, in the test's unit (lps, KBps, MWIPS, lpm).</param>
/// <param name="Index">Result / baseline × 10.</param>
public sealed record UnixBenchIndexLine(string Name, double Baseline, double Result, double Index)
{
    /// <summary>
    /// The metric stem: lower-cased, every run of non-alphanumerics one <c>_</c>, trimmed
    /// (<c>Shell Scripts (8 concurrent)</c> → <c>shell_scripts_8_concurrent</c>).
    /// </summary>
    public string MetricStem => UnixBenchParser.Stem(Name);
}

/// <summary>One UnixBench index block (one per "running N parallel copies of tests" pass).</summary>
/// <param name="Copies">Parallel copies for this pass, when the header says so.</param>
/// <param name="Lines">The index table's lines in order.</param>
/// <param name="IndexScore">The geometric-mean "System Benchmarks Index Score".</param>
/// <param name="Partial">True for "System Benchmarks Index Score (Partial Only)" (a subset of the tests ran).</param>
public sealed record UnixBenchIndex(int? Copies, IReadOnlyList<UnixBenchIndexLine> Lines, double IndexScore, bool Partial);

/// <summary>A UnixBench run: its index blocks, the single-copy pass first.</summary>
public sealed record UnixBenchResult(IReadOnlyList<UnixBenchIndex> Passes)
{
    /// <summary>
    /// The result in the lab's metric names: <c>index_score</c> and, per index line, <c>&lt;name&gt;_result</c> and
    /// <c>&lt;name&gt;_index</c>. When UnixBench ran several passes (1 copy, then N copies), the first pass gets the
    /// plain names and every later pass the same names prefixed <c>c&lt;copies&gt;_</c> (e.g. <c>c2_index_score</c>).
    /// </summary>
    public SortedDictionary<string, MetricValue> ToMetrics()
    {
        var metrics = RawOutput.NewMetrics();
        for (var i = 0; i < Passes.Count; i++)
        {
            var pass = Passes[i];
            var prefix = i == 0 ? "" : $"c{pass.Copies?.ToString(CultureInfo.InvariantCulture) ?? (i + 1).ToString(CultureInfo.InvariantCulture)}_";
            metrics[prefix + "index_score"] = pass.IndexScore;
            foreach (var line in pass.Lines)
            {
                metrics[$"{prefix}{line.MetricStem}_result"] = line.Result;
                metrics[$"{prefix}{line.MetricStem}_index"] = line.Index;
            }
        }

        return metrics;
    }
}

/// <summary>
/// Parses UnixBench (5.1.x) output: the "System Benchmarks Index Values" table(s) and their index score.
/// A table without its "System Benchmarks Index Score" line was cut off: unrecognised.
/// </summary>
public sealed partial class UnixBenchParser : ISuiteParser
{
    /// <summary>The suite id: on the command line, in raw/ paths, in results.json and in lab/profiles.json.</summary>
    public const string Id = "unixbench";

    /// <inheritdoc />
    public string Suite => Id;

    private const string Expected =
        "expected UnixBench's 'System Benchmarks Index Values  BASELINE  RESULT  INDEX' table ending in 'System Benchmarks Index Score'";

    /// <inheritdoc />
    public ParseResult Parse(string text, ParseContext? context = null) => RawOutput.Guard(() => ReadOutput(text));

    private ParseResult ReadOutput(string text)
    {
        if (RawOutput.Reject(text) is { } rejected)
        {
            return ParseResult.Unrecognised(rejected);
        }

        var passes = new List<UnixBenchIndex>();
        List<UnixBenchIndexLine>? table = null;
        int? copies = null;
        var sawBanner = false;
        foreach (var line in RawOutput.Lines(text))
        {
            if (line.Contains("BYTE UNIX Benchmarks", StringComparison.Ordinal))
            {
                sawBanner = true;
            }
            else if (CopiesLine().Match(line) is { Success: true } c)
            {
                copies = RawOutput.Count(c.Groups["copies"].Value);
            }
            else if (TableHeader().IsMatch(line))
            {
                if (table is not null)
                {
                    return ParseResult.Unrecognised("an index table has no 'System Benchmarks Index Score' line before the next one: the output was cut off");
                }

                table = [];
            }
            else if (table is not null && ScoreLine().Match(line) is { Success: true } score)
            {
                passes.Add(new UnixBenchIndex(copies, table, RawOutput.Number(score.Groups["score"].Value), score.Groups["partial"].Success));
                table = null;
                copies = null;
            }
            else if (table is not null && IndexLine().Match(line) is { Success: true } row)
            {
                table.Add(IndexRow(row));
            }
        }

        if (table is not null)
        {
            return ParseResult.Unrecognised("the index table has no 'System Benchmarks Index Score' line: the output was cut off");
        }

        if (passes.Count == 0)
        {
            return ParseResult.Unrecognised(sawBanner
                ? $"UnixBench stopped before printing its index; {Expected}"
                : $"no UnixBench index found; {Expected}");
        }

        return ParseResult.Ok(new Measurement(Suite, new UnixBenchResult(passes).ToMetrics(), Problems(passes)));
    }

    private static UnixBenchIndexLine IndexRow(Match row) => new(
        row.Groups["name"].Value.Trim(),
        RawOutput.Number(row.Groups["baseline"].Value),
        RawOutput.Number(row.Groups["result"].Value),
        RawOutput.Number(row.Groups["index"].Value));

    /// <summary>Why these passes' numbers cannot be trusted; empty when they can.</summary>
    private static List<string> Problems(List<UnixBenchIndex> passes)
    {
        var problems = new List<string>();
        foreach (var pass in passes)
        {
            if (pass.Lines.Count == 0)
            {
                problems.Add("the index table lists no tests");
            }

            foreach (var line in pass.Lines.Where(l => l.Result <= 0))
            {
                problems.Add($"UnixBench test '{line.Name}' produced no result (0): it failed to run");
            }
        }

        return problems;
    }

    /// <summary>The metric stem of a UnixBench test name (see <see cref="UnixBenchIndexLine.MetricStem"/>).</summary>
    public static string Stem(string name) => NonAlphanumerics().Replace(name.ToLowerInvariant(), "_").Trim('_');

    [GeneratedRegex(@"^System Benchmarks (?:Index Values|Partial Index)\s+BASELINE\s+RESULT\s+INDEX\s*$")]
    private static partial Regex TableHeader();

    [GeneratedRegex(@"^(?<name>\S.*?)\s+(?<baseline>\d+(?:\.\d+)?)\s+(?<result>\d+(?:\.\d+)?)\s+(?<index>\d+(?:\.\d+)?)\s*$")]
    private static partial Regex IndexLine();

    [GeneratedRegex(@"^System Benchmarks Index Score(?<partial> \(Partial Only\))?\s+(?<score>\d+(?:\.\d+)?)\s*$")]
    private static partial Regex ScoreLine();

    [GeneratedRegex(@"running (?<copies>\d+) parallel cop(?:y|ies) of tests")]
    private static partial Regex CopiesLine();

    [GeneratedRegex(@"[^a-z0-9]+")]
    private static partial Regex NonAlphanumerics();
}
