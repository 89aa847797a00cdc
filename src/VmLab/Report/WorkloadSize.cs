using System.Globalization;
using System.Text.RegularExpressions;
using VmLab.Results;
using VmLab.Suites;

namespace VmLab.Report;

/// <summary>
/// How much work one unit of a suite output does: this run's from the exact commands its manifest recorded, the 2023
/// study's as its report states them. A ratio B/A of a different workload size is a different quantity (a 47-minute
/// kernel build is not five compiled files; 100,000 requests at concurrency 100 are not 5,000 at 50), so a run is set
/// beside a 2023 figure only where the sizes are the same.
/// </summary>
public static partial class WorkloadSize
{
    /// <summary>
    /// The 2023 study's sizes by question and suite, in the words <see cref="OfRun"/> uses (the seed's lines): Q1
    /// <c>./hackbench 50 process 50</c> (72); Q4's hackbench ran 20 groups and its loops are not shown (335–337);
    /// kernbench was the kernbench script's whole kernel build, 2,824 s on 2 CPUs (82–98, 338); netperf ran its
    /// default 10 s (elapsed 10.0x in every output); ab <c>-n 100000 -c 100</c> (its outputs); Q2's ab quotes only
    /// connection times, so its size is not known; UnixBench ran the whole suite (the index lists all 12 tests).
    /// A missing entry is a size the report does not state.
    /// </summary>
    private static readonly Dictionary<(string Question, string Suite), string> Study = new()
    {
        [("Q1", HackbenchParser.Id)] = "50 groups × 50 loops",
        [("Q1", KernbenchParser.Id)] = "a whole kernel build",
        [("Q3", NetperfParser.Id)] = "10 s",
        [("Q3", ApacheBenchParser.Id)] = "100000 requests at concurrency 100",
        [("Q4", HackbenchParser.Id)] = "20 groups, loops not stated",
        [("Q4", KernbenchParser.Id)] = "a whole kernel build",
        [("Q4", NetperfParser.Id)] = "10 s",
        [("Q4", ApacheBenchParser.Id)] = "100000 requests at concurrency 100",
        [("Q4", UnixBenchParser.Id)] = "the whole suite",
    };

    /// <summary>The 2023 study's size of <paramref name="suite"/> in <paramref name="question"/>; null when its report does not state it.</summary>
    public static string? Of2023(string question, string suite) => Study.GetValueOrDefault((question, suite));

    /// <summary>
    /// This run's size of <paramref name="suite"/> (<paramref name="workload"/>: netperf's test) from the command its
    /// manifest recorded; null when the manifest has no command for it or the command is not one VmLab writes.
    /// </summary>
    public static string? OfRun(Manifest manifest, string suite, string workload)
    {
        var commands = manifest.Suites.Where(s => string.Equals(s.Id, suite, StringComparison.OrdinalIgnoreCase) || s.Id.StartsWith(suite + "-", StringComparison.OrdinalIgnoreCase)).ToList();
        var command = (commands.Count > 1 ? commands.FirstOrDefault(s => workload.Length > 0 && s.Command.Contains(workload, StringComparison.Ordinal)) : commands.FirstOrDefault())?.Command;
        if (command is null)
        {
            return null;
        }

        return suite switch
        {
            HackbenchParser.Id when Hackbench().Match(command) is { Success: true } m => $"{m.Groups[1].Value} groups × {m.Groups[2].Value} loops",
            KernbenchParser.Id when command.Contains("gcc -O2", StringComparison.Ordinal) => $"{Count(command, "gcc -O2")} files compiled",
            KernbenchParser.Id when command.Contains("make -s", StringComparison.Ordinal) => "a whole kernel build",
            NetperfParser.Id when NetperfSeconds().Match(command) is { Success: true } m => $"{m.Groups[1].Value} s",
            ApacheBenchParser.Id when Ab().Match(command) is { Success: true } m => $"{m.Groups[1].Value} requests at concurrency {m.Groups[2].Value}",
            UnixBenchParser.Id when UnixBench().Match(command) is { Success: true } m => m.Groups[1].Value.Trim().Length == 0 ? "the whole suite" : $"the tests {m.Groups[1].Value.Trim()}",
            _ => null,
        };
    }

    private static string Count(string text, string what) =>
        Regex.Matches(text, Regex.Escape(what)).Count.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"hackbench -g (\d+) -l (\d+)")]
    private static partial Regex Hackbench();

    [GeneratedRegex(@"netperf .*-l (\d+)")]
    private static partial Regex NetperfSeconds();

    [GeneratedRegex(@"ab -n (\d+) -c (\d+)")]
    private static partial Regex Ab();

    [GeneratedRegex(@"\./Run -q -i \d+ -c \d+(.*)$")]
    private static partial Regex UnixBench();
}
