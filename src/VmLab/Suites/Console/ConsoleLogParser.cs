using System.Text.RegularExpressions;

namespace VmLab.Suites;

/// <summary>What can go wrong in a kernel that invalidates the benchmarks it ran.</summary>
public enum ConsoleFindingKind
{
    /// <summary>"rcu: INFO: rcu_preempt detected stalls on CPUs/tasks" (the 2023 hackbench run had one).</summary>
    RcuStall,

    /// <summary>"watchdog: BUG: soft lockup - CPU#0 stuck for 22s!"</summary>
    SoftLockup,

    /// <summary>"Out of memory: Killed process 1234 (...)"</summary>
    OomKill,

    /// <summary>"Call trace:" (arm64) or "Call Trace:" (x86): a warning, oops or BUG dumped its stack.</summary>
    CallTrace,

    /// <summary>"Kernel panic - not syncing: ..."</summary>
    Panic,

    /// <summary>"Watchdog detected hard LOCKUP on cpu 1" (a CPU stopped taking interrupts).</summary>
    HardLockup,

    /// <summary>"INFO: task kworker/0:1:12 blocked for more than 120 seconds." (the hung-task detector).</summary>
    HungTask,
}

/// <summary>One console line that marks the run.</summary>
/// <param name="Kind">What kind of trouble.</param>
/// <param name="LineNumber">1-based line in the log.</param>
/// <param name="Line">The line as logged.</param>
public sealed record ConsoleFinding(ConsoleFindingKind Kind, int LineNumber, string Line);

/// <summary>Everything found in one console log or dmesg.</summary>
public sealed record ConsoleLogResult(IReadOnlyList<ConsoleFinding> Findings)
{
    /// <summary>How many findings of <paramref name="kind"/>.</summary>
    public int Count(ConsoleFindingKind kind) => Findings.Count(f => f.Kind == kind);

    /// <summary>The result in the lab's metric names: <c>rcu_stalls</c>, <c>soft_lockups</c>, <c>oom_kills</c>, <c>call_traces</c>, <c>panics</c>.</summary>
    public SortedDictionary<string, MetricValue> ToMetrics()
    {
        var metrics = RawOutput.NewMetrics();
        foreach (var (kind, metric, _) in ConsoleLogParser.Kinds)
        {
            metrics[metric] = Count(kind);
        }

        return metrics;
    }
}

/// <summary>
/// Scans a kernel console log or <c>dmesg</c> for RCU stalls, soft lockups, OOM kills, call traces and panics.
/// Every finding is a problem: a benchmark that ran while the kernel stalled or killed tasks measured that, not
/// the configuration. Each problem quotes the first such line so a reader can find it.
/// </summary>
public sealed partial class ConsoleLogParser : ISuiteParser
{
    /// <summary>The pseudo-suite id of the console scan, in results.json and on the command line.</summary>
    public const string Id = "console";

    /// <inheritdoc />
    public string Suite => Id;

    internal static readonly (ConsoleFindingKind Kind, string Metric, string Words)[] Kinds =
    [
        (ConsoleFindingKind.RcuStall, "rcu_stalls", "RCU stall"),
        (ConsoleFindingKind.SoftLockup, "soft_lockups", "soft lockup"),
        (ConsoleFindingKind.OomKill, "oom_kills", "OOM kill"),
        (ConsoleFindingKind.CallTrace, "call_traces", "call trace"),
        (ConsoleFindingKind.Panic, "panics", "kernel panic"),
        (ConsoleFindingKind.HardLockup, "hard_lockups", "hard lockup"),
        (ConsoleFindingKind.HungTask, "hung_tasks", "hung task"),
    ];

    /// <inheritdoc />
    public ParseResult Parse(string text, ParseContext? context = null)
    {
        if (RawOutput.Reject(text) is { } rejected)
        {
            return ParseResult.Unrecognised(rejected);
        }

        // Any text is a console log: a quiet boot (or a kernel without printk timestamps) may leave nothing but
        // userspace lines on the console, and that is a clean log, not an unreadable one.
        var lines = RawOutput.Lines(text);
        var findings = new List<ConsoleFinding>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (Classify(lines[i]) is { } kind)
            {
                findings.Add(new ConsoleFinding(kind, i + 1, lines[i].Trim()));
            }
        }

        var result = new ConsoleLogResult(findings);
        var problems = new List<string>();
        foreach (var (kind, _, words) in Kinds)
        {
            var count = result.Count(kind);
            if (count > 0)
            {
                var first = findings.First(f => f.Kind == kind);
                problems.Add($"{count} {words}{(count == 1 ? "" : "s")} in the console log, first at line {first.LineNumber}: \"{first.Line}\"");
            }
        }

        return ParseResult.Ok(new Measurement(Suite, result.ToMetrics(), problems));
    }

    private static ConsoleFindingKind? Classify(string line) =>
        RcuStall().IsMatch(line) ? ConsoleFindingKind.RcuStall
        : SoftLockup().IsMatch(line) ? ConsoleFindingKind.SoftLockup
        : OomKill().IsMatch(line) ? ConsoleFindingKind.OomKill
        : HardLockup().IsMatch(line) ? ConsoleFindingKind.HardLockup
        : HungTask().IsMatch(line) ? ConsoleFindingKind.HungTask
        : CallTrace().IsMatch(line) ? ConsoleFindingKind.CallTrace
        : Panic().IsMatch(line) ? ConsoleFindingKind.Panic
        : null;

    // Since 5.0 the kernel prefixes "rcu: INFO:"; older ones print "INFO: rcu_sched detected stalls ...".
    [GeneratedRegex(@"\brcu_\w+ (?:detected (?:expedited )?stalls?|self-detected stall) on CPU")]
    private static partial Regex RcuStall();

    [GeneratedRegex(@"BUG: soft lockup - CPU#\d+ stuck for")]
    private static partial Regex SoftLockup();

    [GeneratedRegex(@"[Oo]ut of memory: Kill(?:ed)? process")]
    private static partial Regex OomKill();

    [GeneratedRegex(@"Watchdog detected hard LOCKUP on cpu")]
    private static partial Regex HardLockup();

    [GeneratedRegex(@"INFO: task \S+ blocked for more than \d+ seconds")]
    private static partial Regex HungTask();

    [GeneratedRegex(@"\bCall [Tt]race:")]
    private static partial Regex CallTrace();

    // panic() prints the message twice: "Kernel panic - not syncing: ..." and, last, "---[ end Kernel panic - not syncing: ... ]---".
    [GeneratedRegex(@"(?<!end )Kernel panic - not syncing")]
    private static partial Regex Panic();

}
