using System.Text.RegularExpressions;

namespace VmLab.Tests.Suites;

/// <summary>
/// The real tool outputs under fixtures/seed-2023, fixtures/l0, fixtures/arm64 and fixtures/published (netperf outputs
/// others published), with the suite each belongs to.
/// </summary>
internal static partial class SuiteFixtures
{
    /// <summary>Files that are a tool's error output, or a result the lab does not read (a UDP test, several results, CSV values without names), not a result: the parser must refuse them.</summary>
    public static readonly IReadOnlySet<string> ToolErrors = new HashSet<string>(StringComparer.Ordinal)
    {
        "l0/ab-connection-refused.txt",
        "l0/hackbench-error-ulimit-n16.txt",
        "l0/kernbench-no-kernel-source.txt",
        "l0/ltp-hackbench-error-ulimit-n16.txt",
        "l0/netperf-closed-port.txt",
        "l0/netperf-udp-stream.txt",
        "l0/netperf-omni-udp-cC-keyval.txt",
        "l0/netperf-tcp-rr-cC-no-proc.txt",
        "l0/netperf-omni-rr-cC-p0-csv.txt",
        "published/netperf-manual-udp-rr-cC.txt",
        "published/netperf-manual-four-tcp-stream-p0-cC.txt",
    };

    /// <summary>Every fixture file as "dir/name", ordinal order.</summary>
    public static IReadOnlyList<string> Files { get; } =
        new[] { "seed-2023", "l0", "arm64", "published" }
            .SelectMany(dir => Directory.GetFiles(Fixture.Path(dir), "*.txt").Select(f => $"{dir}/{Path.GetFileName(f)}"))
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>Fixtures that hold a result (valid or not), for theories.</summary>
    public static TheoryData<string> Results => [.. Files.Where(f => !ToolErrors.Contains(f))];

    /// <summary>The suite a fixture belongs to, from its name (seed: <c>q3-baseline-ab.txt</c>; l0: <c>ab-n2000-...</c>).</summary>
    public static string SuiteOf(string file)
    {
        var name = Path.GetFileName(file);
        if (name.StartsWith("dmesg", StringComparison.Ordinal))
        {
            return "console";
        }

        // GNU time lines are what kernbench measures; the kernbench parser reads them.
        if (name.StartsWith("time-", StringComparison.Ordinal))
        {
            return "kernbench";
        }

        return SuiteInName().Match(name) is { Success: true } m
            ? m.Groups["suite"].Value
            : throw new InvalidOperationException($"fixture {file} names no suite");
    }

    public static string Read(string file) => Fixture.Read(file.Split('/'));

    [GeneratedRegex(@"(?:^|-)(?<suite>hackbench|kernbench|netperf|ab|unixbench|console)(?:-|\.txt$)")]
    private static partial Regex SuiteInName();
}
