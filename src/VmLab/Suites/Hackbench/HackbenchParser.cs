using System.Text.RegularExpressions;

namespace VmLab.Suites;

/// <summary>Which hackbench printed the output: the two differ in their header line.</summary>
public enum HackbenchDialect
{
    /// <summary>LTP's hackbench (the study's <c>./hackbench 50 process 50</c>): "Running with 50*40 (== 2000) tasks."</summary>
    Ltp,

    /// <summary>rt-tests' hackbench (Debian's): "Running in process mode with 4 groups using 40 file descriptors each (== 160 tasks)".</summary>
    RtTests,
}

/// <summary>One hackbench run.</summary>
/// <param name="Dialect">Which hackbench printed it.</param>
/// <param name="Tasks">Senders plus receivers over all groups.</param>
/// <param name="TimeSeconds">The wall time hackbench reports for passing all messages.</param>
/// <param name="Groups">Number of groups (both dialects print it).</param>
/// <param name="Mode"><c>process</c> or <c>thread</c>; only rt-tests prints it.</param>
/// <param name="Loops">
/// How many times each sender writes to each of its group's receivers ("Each sender will pass 10 messages", rt-tests'
/// words for its <c>-l</c>); only rt-tests prints it.
/// </param>
public sealed record HackbenchResult(HackbenchDialect Dialect, int Tasks, double TimeSeconds, int? Groups, string? Mode, int? Loops = null)
{
    /// <summary>
    /// The messages passed in all: every sender writes <see cref="Loops"/> messages to each receiver of its group, and a
    /// group has as many senders as receivers (tasks / groups / 2; rt-tests' <c>sender()</c> and <c>group()</c>), so
    /// groups × (senders per group)² × loops. Null when the output does not say the loops (LTP's).
    /// </summary>
    public long? Messages => Loops is { } loops && Groups is { } groups && groups > 0 && Tasks % (2 * groups) == 0
        ? (long)groups * (Tasks / (2 * groups)) * (Tasks / (2 * groups)) * loops
        : null;

    /// <summary>The result in the lab's metric names: <c>tasks</c>, <c>time_s</c>, and <c>groups</c>, <c>mode</c>, <c>loops</c>, <c>messages</c> when known.</summary>
    public SortedDictionary<string, MetricValue> ToMetrics()
    {
        var metrics = RawOutput.NewMetrics();
        metrics["tasks"] = Tasks;
        metrics["time_s"] = TimeSeconds;
        if (Groups is { } groups)
        {
            metrics["groups"] = groups;
        }

        if (Loops is { } loops)
        {
            metrics["loops"] = loops;
        }

        if (Messages is { } messages)
        {
            metrics["messages"] = messages;
        }

        if (Mode is { } mode)
        {
            metrics["mode"] = mode;
        }

        return metrics;
    }
}

/// <summary>
/// Parses hackbench output in both dialects (LTP and rt-tests). A header without a <c>Time:</c> line is a run
/// that was cut off (killed, hung guest) and is unrecognised, never a result.
/// </summary>
public sealed partial class HackbenchParser : ISuiteParser
{
    /// <summary>The suite id: on the command line, in raw/ paths, in results.json and in lab/profiles.json.</summary>
    public const string Id = "hackbench";

    /// <inheritdoc />
    public string Suite => Id;

    private const string Expected =
        "expected hackbench's 'Running with G*40 (== N) tasks.' or 'Running in process mode with G groups ... (== N tasks)' line followed by 'Time: <seconds>'";

    /// <inheritdoc />
    public ParseResult Parse(string text, ParseContext? context = null) => RawOutput.Guard(() => ReadOutput(text));

    private ParseResult ReadOutput(string text)
    {
        if (RawOutput.Reject(text) is { } rejected)
        {
            return ParseResult.Unrecognised(rejected);
        }

        var runs = new List<HackbenchResult>();
        RunHeader? header = null;
        string? error = null;
        foreach (var line in RawOutput.Lines(text))
        {
            if (Header(line) is { } next)
            {
                if (header is not null)
                {
                    return ParseResult.Unrecognised($"a hackbench run has no 'Time:' line before the next run starts: it was cut off; {Expected}");
                }

                header = next;
            }
            else if (TimeLine().Match(line) is { Success: true } time)
            {
                if (header is not { } h)
                {
                    return ParseResult.Unrecognised($"a 'Time:' line without the 'Running ...' header before it; {Expected}");
                }

                runs.Add(new HackbenchResult(h.Dialect, h.Tasks, RawOutput.Number(time.Groups["time"].Value), h.Groups, h.Mode, h.Loops));
                header = null;
            }
            else if (header is { Dialect: HackbenchDialect.RtTests } rtHeader && SenderLine().Match(line) is { Success: true } sender)
            {
                header = rtHeader with { Loops = Int(sender, "loops") };
            }
            else if (error is null && ErrorLine().IsMatch(line))
            {
                error = line.Trim();
            }
        }

        return Refusal(runs, header is not null, error) is { } refused
            ? ParseResult.Unrecognised(refused)
            : ParseResult.Ok(new Measurement(Suite, runs[0].ToMetrics(), Problems(runs[0], error)));
    }

    /// <summary>A run's "Running ..." line, in either dialect.</summary>
    private readonly record struct RunHeader(HackbenchDialect Dialect, int Tasks, int Groups, string? Mode, int? Loops = null);

    private static RunHeader? Header(string line)
    {
        if (LtpHeader().Match(line) is { Success: true } ltp)
        {
            return new RunHeader(HackbenchDialect.Ltp, Int(ltp, "tasks"), Int(ltp, "groups"), null);
        }

        if (RtTestsHeader().Match(line) is { Success: true } rt)
        {
            // rt-tests says "threaded mode"; the lab's metric uses the command-line words process/thread.
            var mode = rt.Groups["mode"].Value == "threaded" ? "thread" : "process";
            return new RunHeader(HackbenchDialect.RtTests, Int(rt, "tasks"), Int(rt, "groups"), mode);
        }

        return null;
    }

    /// <summary>Why the output is not exactly one whole run (an error, a cut-off run, none or several); null when it is.</summary>
    private static string? Refusal(List<HackbenchResult> runs, bool cutOff, string? error)
    {
        if (error is not null && runs.Count == 0)
        {
            return $"hackbench failed: \"{error}\"";
        }

        if (cutOff)
        {
            return $"the output stops after the 'Running ...' header: the run was cut off before its 'Time:' line; {Expected}";
        }

        return runs.Count switch
        {
            1 => null,
            0 => $"no hackbench result found; {Expected}",
            _ => $"{runs.Count} hackbench runs in one file; expected exactly one run per file",
        };
    }

    /// <summary>Why this run's numbers cannot be trusted; empty when they can.</summary>
    private static List<string> Problems(HackbenchResult run, string? error)
    {
        var problems = new List<string>();
        if (run.TimeSeconds <= 0)
        {
            problems.Add($"hackbench reported {RawOutput.Show(run.TimeSeconds)} s: the run is too short to measure; use more loops or groups");
        }

        if (error is not null)
        {
            problems.Add($"hackbench reported an error during the run: \"{error}\"");
        }

        return problems;
    }

    private static int Int(Match m, string group) => RawOutput.Count(m.Groups[group].Value);

    [GeneratedRegex(@"^\s*Running with (?<groups>\d+)\*(?<per>\d+) \(== (?<tasks>\d+)\) tasks\.\s*$")]
    private static partial Regex LtpHeader();

    [GeneratedRegex(@"^\s*Running in (?<mode>process|threaded) mode with (?<groups>\d+) groups using (?<fds>\d+) file descriptors each \(== (?<tasks>\d+) tasks\)\s*$")]
    private static partial Regex RtTestsHeader();

    // rt-tests: printf("Each sender will pass %d messages of %d bytes\n", loops, datasize); each sender writes that many to every receiver.
    [GeneratedRegex(@"^\s*Each sender will pass (?<loops>\d+) messages of \d+ bytes\s*$")]
    private static partial Regex SenderLine();

    [GeneratedRegex(@"^\s*Time: (?<time>\d+(?:\.\d+)?)\s*$")]
    private static partial Regex TimeLine();

    // rt-tests prints "SENDER: write (error: ...)" and "fork() (error: ...)" before exiting; LTP uses perror.
    [GeneratedRegex(@"\(error: |: Resource temporarily unavailable|Cannot allocate memory|^\s*(?:socketpair|fork|pipe)\b.*:", RegexOptions.IgnoreCase)]
    private static partial Regex ErrorLine();
}
