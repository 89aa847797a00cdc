using System.Globalization;
using System.Text.RegularExpressions;

namespace VmLab.Suites;

/// <summary>One kernbench figure: the value, and its standard deviation when kernbench averaged several runs.</summary>
/// <param name="Value">The single run's value, or the mean over the runs.</param>
/// <param name="StandardDeviation">kernbench's sample standard deviation; null for a single run.</param>
public readonly record struct KernbenchFigure(double Value, double? StandardDeviation);

/// <summary>Where a kernbench result came from.</summary>
public enum KernbenchSource
{
    /// <summary>kernbench's own summary ("Elapsed Time ...", optionally under "Average ... Run (std deviation):").</summary>
    Summary,

    /// <summary>The raw line of <c>/usr/bin/time -f "%e %U %S %P %c %w" make -j N</c>, the measurement kernbench itself takes.</summary>
    TimeLine,
}

/// <summary>One kernbench result (a single build or kernbench's average over several).</summary>
/// <param name="Source">kernbench summary or raw GNU time line.</param>
/// <param name="RunName">kernbench's run name, e.g. <c>Optimal load -j 4</c>, when the averaged header is present.</param>
public sealed record KernbenchResult(
    KernbenchSource Source,
    string? RunName,
    KernbenchFigure Elapsed,
    KernbenchFigure User,
    KernbenchFigure System,
    KernbenchFigure CpuPercent,
    KernbenchFigure ContextSwitches,
    KernbenchFigure Sleeps)
{
    /// <summary>
    /// The result in the lab's metric names: <c>elapsed_s</c>, <c>user_s</c>, <c>system_s</c>, <c>cpu_percent</c>,
    /// <c>context_switches</c>, <c>sleeps</c>, and <c>&lt;metric&gt;_sd</c> for averaged blocks.
    /// </summary>
    public SortedDictionary<string, MetricValue> ToMetrics()
    {
        var metrics = RawOutput.NewMetrics();
        foreach (var (name, figure) in Named())
        {
            metrics[name] = figure.Value;
            if (figure.StandardDeviation is { } sd)
            {
                metrics[name + "_sd"] = sd;
            }
        }

        return metrics;
    }

    internal IEnumerable<(string Name, KernbenchFigure Figure)> Named() =>
    [
        ("elapsed_s", Elapsed), ("user_s", User), ("system_s", System),
        ("cpu_percent", CpuPercent), ("context_switches", ContextSwitches), ("sleeps", Sleeps),
    ];
}

/// <summary>
/// Parses kernbench output: its summary for one run (<c>-n 1</c>: "Elapsed Time 5410.880000") or averaged runs
/// ("Average Optimal load -j 4 Run (std deviation):" then "Elapsed Time 65.79 (0.565685)"), or the raw GNU time
/// line kernbench reads (<c>%e %U %S %P %c %w</c>). A summary missing any of its six lines was cut off: unrecognised.
/// See kernbench's <c>do_log</c> (LTP utils/benchmark/kernbench-0.42) for the format.
/// </summary>
public sealed partial class KernbenchParser : ISuiteParser
{
    /// <summary>The suite id: on the command line, in raw/ paths, in results.json and in lab/profiles.json.</summary>
    public const string Id = "kernbench";

    /// <inheritdoc />
    public string Suite => Id;

    private static readonly string[] SummaryLabels =
        ["Elapsed Time", "User Time", "System Time", "Percent CPU", "Context Switches", "Sleeps"];

    private const string Expected =
        "expected kernbench's six lines (Elapsed Time, User Time, System Time, Percent CPU, Context Switches, Sleeps) " +
        "or a '/usr/bin/time -f \"%e %U %S %P %c %w\"' line such as '12.34 20.01 3.10 187% 4242 1234'";

    /// <inheritdoc />
    public ParseResult Parse(string text, ParseContext? context = null) => RawOutput.Guard(() => ReadOutput(text));

    private ParseResult ReadOutput(string text)
    {
        if (RawOutput.Reject(text) is { } rejected)
        {
            return ParseResult.Unrecognised(rejected);
        }

        var lines = RawOutput.Lines(text);
        if (lines.FirstOrDefault(l => l.Trim() is "ABORTING" or "No kernel source found; exiting") is { } abort)
        {
            return ParseResult.Unrecognised($"kernbench did not finish: \"{abort.Trim()}\"");
        }

        var scan = new Scan();
        var (result, refusal) = scan.Read(lines) is { } noData ? (null, noData) : Result(scan);
        if (result is null)
        {
            return ParseResult.Unrecognised(refusal!);
        }

        var problems = scan.Problems;
        if (result.Elapsed.Value <= 0)
        {
            problems.Add($"the build took {RawOutput.Show(result.Elapsed.Value)} s: nothing was built");
        }

        return ParseResult.Ok(new Measurement(Suite, result.ToMetrics(), problems));
    }

    /// <summary>What one pass over the output found: summary blocks (with their run names), GNU time lines, problems.</summary>
    private sealed class Scan
    {
        private Dictionary<string, KernbenchFigure>? current;

        public List<Dictionary<string, KernbenchFigure>> Summaries { get; } = [];
        public List<string?> RunNames { get; } = [];
        public List<KernbenchResult> TimeLines { get; } = [];
        public List<string> Problems { get; } = [];

        /// <summary>The name of an "Average … Run" header no summary line has followed yet.</summary>
        public string? PendingName { get; private set; }

        /// <summary>Reads every line; a reason when kernbench printed 'No data' (no build completed), else null.</summary>
        public string? Read(IEnumerable<string> lines)
        {
            foreach (var line in lines)
            {
                if (AverageHeader().Match(line) is { Success: true } average)
                {
                    PendingName = average.Groups["name"].Value;
                    current = null;
                }
                else if (SummaryLine().Match(line) is { Success: true } summary)
                {
                    if (ReadSummaryLine(summary) is { } noData)
                    {
                        return noData;
                    }
                }
                else if (TimeFormatLine().Match(line) is { Success: true } time)
                {
                    TimeLines.Add(FromTimeLine(time, Problems));
                }
                else if (TimeFailure().Match(line) is { Success: true } failure)
                {
                    // GNU time says so before its format line when make fails or is killed; the time is then not a build time.
                    Problems.Add($"the timed build failed (\"{failure.Value.Trim()}\"): its time is not a kernbench result");
                }
            }

            return null;
        }

        private string? ReadSummaryLine(Match summary)
        {
            var label = summary.Groups["label"].Value;
            var valueText = summary.Groups["value"].Value;
            if (valueText == "No data")
            {
                return $"kernbench printed 'No data' for {label}: no build completed";
            }

            // A label seen again starts the next block (the 2023 report lists blocks without headers).
            if (current is null || current.ContainsKey(label))
            {
                current = [];
                Summaries.Add(current);
                RunNames.Add(PendingName);
                PendingName = null;
            }

            double? sd = summary.Groups["sd"].Success ? ParseStatistic(summary.Groups["sd"].Value) : null;
            current[label] = new KernbenchFigure(RawOutput.Number(valueText), sd);
            return null;
        }
    }

    /// <summary>The one result the output holds: its summary block or its GNU time line; a reason when there is not exactly one.</summary>
    private static (KernbenchResult? Result, string? Refusal) Result(Scan scan)
    {
        if (scan.Summaries.Count > 0)
        {
            return scan.Summaries.Count > 1 || scan.TimeLines.Count > 0
                ? (null, $"{scan.Summaries.Count + scan.TimeLines.Count} kernbench results in one file; expected exactly one (run kernbench with -H -M, one load per file)")
                : FromSummary(scan.Summaries[0], scan.RunNames[0]);
        }

        return scan.TimeLines.Count switch
        {
            1 => (scan.TimeLines[0], null),
            > 1 => (null, $"{scan.TimeLines.Count} GNU time lines in one file; expected exactly one timed build per file"),
            _ => (null, scan.PendingName is not null
                ? $"the output stops after 'Average {scan.PendingName} Run (std deviation):': it was cut off; {Expected}"
                : $"no kernbench result found; {Expected}"),
        };
    }

    private static (KernbenchResult? Result, string? Refusal) FromSummary(Dictionary<string, KernbenchFigure> figures, string? runName)
    {
        var missing = SummaryLabels.Where(l => !figures.ContainsKey(l)).ToArray();
        if (missing.Length > 0)
        {
            return (null, $"the kernbench summary lacks {string.Join(", ", missing)}: the output was cut off; {Expected}");
        }

        return (new KernbenchResult(
            KernbenchSource.Summary, runName,
            figures["Elapsed Time"], figures["User Time"], figures["System Time"],
            figures["Percent CPU"], figures["Context Switches"], figures["Sleeps"]), null);
    }

    private static KernbenchResult FromTimeLine(Match time, List<string> problems)
    {
        // GNU time prints "?%" for the CPU share when the elapsed time rounds to zero.
        var percentText = time.Groups["percent"].Value;
        var percent = percentText == "?" ? 0 : RawOutput.Number(percentText);
        if (percentText == "?")
        {
            problems.Add("GNU time could not compute the CPU percentage (printed '?%'): the build took no measurable time");
        }

        KernbenchFigure F(string group) => new(RawOutput.Number(time.Groups[group].Value), null);
        return new KernbenchResult(
            KernbenchSource.TimeLine, null,
            F("elapsed"), F("user"), F("system"), new KernbenchFigure(percent, null), F("switches"), F("sleeps"));
    }

    // awk prints "nan"/"-nan" for the deviation of identical values on some platforms; that is a zero spread.
    private static double ParseStatistic(string text) =>
        text.Contains("nan", StringComparison.OrdinalIgnoreCase) ? 0 : RawOutput.Number(text);

    [GeneratedRegex(@"^\s*Average (?<name>.+?) Run \(std deviation\):\s*$")]
    private static partial Regex AverageHeader();

    [GeneratedRegex(@"^\s*(?<label>Elapsed Time|User Time|System Time|Percent CPU|Context Switches|Sleeps)\s+(?<value>No data|[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?:\s+\((?<sd>[-+]?(?:nan|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?))\))?\s*$")]
    private static partial Regex SummaryLine();

    [GeneratedRegex(@"^\s*(?<elapsed>\d+(?:\.\d+)?) (?<user>\d+(?:\.\d+)?) (?<system>\d+(?:\.\d+)?) (?<percent>\d+|\?)% (?<switches>\d+) (?<sleeps>\d+)\s*$")]
    private static partial Regex TimeFormatLine();

    [GeneratedRegex(@"^\s*Command (?:exited with non-zero status \d+|terminated by signal \d+)\s*$")]
    private static partial Regex TimeFailure();
}
