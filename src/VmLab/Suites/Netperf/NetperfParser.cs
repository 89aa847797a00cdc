using System.Text.RegularExpressions;

namespace VmLab.Suites;

/// <summary>
/// Parses netperf output with or without the "MIGRATED ... TEST from" banner (and the banner shortened to
/// "MIGRATED TCP STREAM" as in the 2023 report), and with <c>-P 0</c> (result line only); with or without the CPU
/// columns of <c>-c</c>/<c>-C</c> (utilisation and service demand); and netperf's omni output (<c>-t omni</c>, or the
/// <c>-k</c>, <c>-o</c>, <c>-O</c> output selectors, <see cref="NetperfOmni"/>). A banner without its result line is a
/// cut-off run; a netperf error (no netserver, "connect_data_socket failed") is no result at all.
/// </summary>
public sealed partial class NetperfParser : ISuiteParser
{
    /// <summary>The suite id: on the command line, in raw/ paths, in results.json and in lab/profiles.json.</summary>
    public const string Id = "netperf";

    /// <summary>
    /// <c>--test TEST</c>: the test that was run (<c>TCP_STREAM</c>, <c>TCP_MAERTS</c>, <c>TCP_RR</c>), for <c>-P 0</c>
    /// output, which has no banner: a TCP_STREAM and a TCP_MAERTS result line look the same.
    /// </summary>
    public static readonly ParseOption Test = ParseOption.Text(
        "test", "TEST", "the test that was run (TCP_STREAM, TCP_MAERTS, TCP_RR), for -P 0 output without a banner");

    /// <inheritdoc />
    public string Suite => Id;

    private const string Expected =
        "expected a netperf TCP_STREAM/TCP_MAERTS result line (5 numbers: sockets, message, seconds, throughput; 9 with " +
        "-c/-C's CPU columns) or a TCP_RR result (6 numbers, 10 with CPU columns, then the remote socket sizes), or omni output";

    /// <inheritdoc />
    public ParseResult Parse(string text, ParseContext? context = null) => RawOutput.Guard(() => ReadOutput(text, context));

    private ParseResult ReadOutput(string text, ParseContext? context)
    {
        if (RawOutput.Reject(text) is { } rejected)
        {
            return ParseResult.Unrecognised(rejected);
        }

        var lines = RawOutput.Lines(text);
        if (lines.FirstOrDefault(l => ErrorLine().IsMatch(l)) is { } error)
        {
            return ParseResult.Unrecognised($"netperf failed: \"{error.Trim()}\"");
        }

        var banners = lines.Select((l, i) => (Match: Banner().Match(l), Index: i)).Where(b => b.Match.Success).ToArray();
        if (banners.Length > 1)
        {
            return ParseResult.Unrecognised($"{banners.Length} netperf tests in one file; expected exactly one test per file");
        }

        var banner = banners.Length == 1 ? banners[0].Match : null;
        var isOmni = banner?.Groups["omni"].Success == true;
        string? bannerTest = banner is null ? null : TestName(banner);
        if (banner is not null && bannerTest is null && !isOmni)
        {
            return ParseResult.Unrecognised($"netperf test \"{banner.Value.Trim()}\" is not one the lab parses (TCP_STREAM, TCP_MAERTS, TCP_RR)");
        }

        var test = bannerTest ?? Normalise(context?.Text(Test));
        var body = banners.Length == 1 ? lines.Skip(banners[0].Index + 1).ToList() : lines;
        var rows = NumericRows(lines);
        if (isOmni || NetperfOmni.IsKeyvalOrCsv(body) || (rows.Length == 0 && banner is not null && EndsInValues(body)))
        {
            return Omni(body, test, banner);
        }

        if (rows.Length == 0)
        {
            return ParseResult.Unrecognised(banner is not null
                ? $"the output stops after the {bannerTest} header{(HasCpuColumns(lines) ? " (with its CPU utilisation and service demand columns)" : "")}: the run was cut off before its result line"
                : $"no netperf result found; {Expected}");
        }

        var first = rows[0].Numbers;
        test ??= first.Length is 6 or 10 ? "TCP_RR" : null;
        var isRequestResponse = first.Length is 6 or 10;
        if (first.Length is not (5 or 6 or 9 or 10) || (test is not null && (test == "TCP_RR") != isRequestResponse))
        {
            var expected = test is null ? "5 or 9 (a stream test), 6 or 10 (TCP_RR)" : test == "TCP_RR" ? $"6 or 10 of {test}" : $"5 or 9 of {test}";
            return ParseResult.Unrecognised(
                $"the result line \"{NetperfOmni.Preview(lines[rows[0].Index])}\" has {first.Length} numbers, not the {expected} (9 and 10 with -c/-C's CPU columns): the output was cut off or is not netperf's");
        }

        var (result, refusal) = isRequestResponse ? RequestResponse(test, rows) : Stream(test, rows, MbpsPerPrintedUnit(lines));
        return Measured(result, refusal);
    }

    private ParseResult Omni(IReadOnlyList<string> body, string? test, Match? banner)
    {
        var (values, refusal) = NetperfOmni.Values(body);
        if (values is null)
        {
            return ParseResult.Unrecognised(refusal!);
        }

        if (values.Count == 0)
        {
            return ParseResult.Unrecognised(banner is not null
                ? $"the output stops after the {(banner.Groups["omni"].Success ? "omni" : TestName(banner))} banner: the run was cut off before its result"
                : $"no netperf result found; {Expected}");
        }

        var (result, why) = NetperfOmni.Result(values, test);
        return Measured(result, why);
    }

    // A migrated test given -- -O prints omni's human columns: its last line mixes numbers and units ("5091.38
    // 10^6bits/s 2.00 …"), where a classic header cut before its result line ends in words ("bytes … us/KB").
    private static bool EndsInValues(IReadOnlyList<string> body) =>
        body.LastOrDefault(l => l.Trim().Length > 0) is { } last
        && !last.StartsWith("Interim result", StringComparison.Ordinal) && !last.StartsWith("!!!", StringComparison.Ordinal)
        && last.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Any(t => double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _));

    private ParseResult Measured(NetperfResult? result, string? refusal) =>
        result is null
            ? ParseResult.Unrecognised(refusal!)
            : ParseResult.Ok(new Measurement(Suite, result.ToMetrics(), Problems(result)));

    /// <summary>The lines that hold only numbers (result lines), with their line index.</summary>
    private static (int Index, double[] Numbers)[] NumericRows(IReadOnlyList<string> lines) =>
        lines
            .Select((line, index) => (Index: index, Numbers: NumericRow().IsMatch(line)
                ? line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(RawOutput.Number).ToArray()
                : null))
            .Where(r => r.Numbers is not null)
            .Select(r => (r.Index, Numbers: r.Numbers!))
            .ToArray();

    /// <summary>The factor from the throughput unit netperf printed (the last one named) to 10^6 bits/s; 1 when none is.</summary>
    private static double MbpsPerPrintedUnit(IReadOnlyList<string> lines)
    {
        var toMbps = 1.0;
        foreach (var line in lines)
        {
            if (ThroughputUnit().Match(line) is { Success: true } unit)
            {
                toMbps = NetperfUnits.MbpsPer(unit.Groups["unit"].Value) ?? 1;
            }
        }

        return toMbps;
    }

    /// <summary>A TCP_RR result: its result line and the remote socket line right after it.</summary>
    private static (NetperfResult? Result, string? Refusal) RequestResponse(string? test, (int Index, double[] Numbers)[] rows)
    {
        // netperf prints the remote socket sizes on the line after the RR result; without it the output was cut.
        if (rows.Length < 2 || rows[1].Index != rows[0].Index + 1 || rows[1].Numbers.Length != 2)
        {
            return (null, "the TCP_RR result has no remote socket line after it: the output was cut off");
        }

        if (rows.Length > 2)
        {
            return (null, $"{rows.Length / 2} netperf results in one file; expected exactly one test per file");
        }

        // With -c/-C the line goes on: local and remote CPU %, local and remote µs of CPU per transaction.
        var (first, remote) = (rows[0].Numbers, rows[1].Numbers);
        var cpu = first.Length == 10 ? NetperfCpu.Of(first[6], first[7], first[8], first[9]) : null;
        return (new NetperfResult(test, first[4], null, first[5], new Dictionary<string, double>
        {
            ["local_send_socket_bytes"] = first[0],
            ["local_recv_socket_bytes"] = first[1],
            ["request_bytes"] = first[2],
            ["response_bytes"] = first[3],
            ["remote_send_socket_bytes"] = remote[0],
            ["remote_recv_socket_bytes"] = remote[1],
        }, cpu), null);
    }

    /// <summary>A TCP_STREAM or TCP_MAERTS result: one result line, its throughput converted to 10^6 bits/s.</summary>
    private static (NetperfResult? Result, string? Refusal) Stream(string? test, (int Index, double[] Numbers)[] rows, double toMbps)
    {
        if (rows.Length > 1)
        {
            return (null, $"{rows.Length} netperf results in one file; expected exactly one test per file");
        }

        // Columns are the receiver's socket, the sender's socket and the sender's message size, whichever way data flows.
        // Rounded to 6 decimals so a unit conversion does not print binary-float noise (29915.621621759998). With -c/-C
        // the line goes on: local and remote CPU %, local and remote µs of CPU per KiB (the header's "us/KB", K = 1024).
        var first = rows[0].Numbers;
        var cpu = first.Length == 9 ? NetperfCpu.Of(first[5], first[6], first[7], first[8]) : null;
        return (new NetperfResult(test, first[3], Math.Round(first[4] * toMbps, 6), null, new Dictionary<string, double>
        {
            ["recv_socket_bytes"] = first[0],
            ["send_socket_bytes"] = first[1],
            ["send_message_bytes"] = first[2],
        }, cpu), null);
    }

    /// <summary>Why this run's numbers cannot be trusted; empty when they can.</summary>
    private static List<string> Problems(NetperfResult result)
    {
        var problems = new List<string>();
        if (result.ElapsedSeconds is { } elapsed and <= 0)
        {
            problems.Add($"netperf measured for {RawOutput.Show(elapsed)} s: the test did not run");
        }

        if (result.ThroughputMbps is <= 0 || result.TransactionsPerSecond is <= 0)
        {
            problems.Add($"{result.Test ?? "netperf"} moved no data (rate 0): the connection to netserver stalled");
        }

        return problems;
    }

    private static string? TestName(Match banner) =>
        (banner.Groups["proto"].Value, banner.Groups["kind"].Value, banner.Groups["direction"].Value) switch
        {
            ("", "", "Send") => "TCP_STREAM",
            ("", "", "Receive" or "Recv") => "TCP_MAERTS",
            ("", "", "Send|Recv") => "TCP_RR",
            ("TCP", "STREAM", _) => "TCP_STREAM",
            ("TCP", "MAERTS", _) => "TCP_MAERTS",
            ("TCP", "REQUEST/RESPONSE", _) => "TCP_RR",
            _ => null,
        };

    private static string? Normalise(string? test) =>
        test?.Trim().ToUpperInvariant() is { Length: > 0 } t ? t : null;

    private static bool HasCpuColumns(IReadOnlyList<string> lines) =>
        lines.Any(l => l.Contains("Service Demand", StringComparison.Ordinal) || l.Contains("S.dem", StringComparison.Ordinal));

    // Classic and migrated banners ("MIGRATED TCP STREAM TEST from …"), and omni's: "OMNI Send TEST", "OMNI Receive
    // TEST", "OMNI Send|Recv TEST" (netperf 2.6 and later), "OMNI TEST" (2.5).
    [GeneratedRegex(@"^\s*(?:(?:MIGRATED\s+)?(?<proto>TCP|UDP|SCTP|DLCO|DLCL|STCP)\s+(?<kind>STREAM|MAERTS|REQUEST/RESPONSE|Connect/Request/Response|SENDFILE)\b|(?<omni>OMNI)\s+(?:(?<direction>Send\|Recv|Send|Receive|Recv)\s+)?TEST\b)")]
    private static partial Regex Banner();

    [GeneratedRegex(@"(?<unit>10\^\dbits|[KMG]Bytes)/s")]
    private static partial Regex ThroughputUnit();

    // Result lines: numbers only; with -c/-C a side netperf did not measure prints -1 ("-1.00", "-1.000").
    [GeneratedRegex(@"^\s*-?\d+(?:\.\d+)?(?:\s+-?\d+(?:\.\d+)?)*\s*$")]
    private static partial Regex NumericRow();

    // What netperf 2.7 prints instead of results: no netserver, refused or reset data connections, remote errors, and
    // -c/-C without a /proc/stat to read (a chroot without /proc: "Cannot open /proc/stat!", exit 1).
    [GeneratedRegex(@"Cannot open /proc/stat|establish[ _]control|connect_data_socket failed|send_data failed|recv_response|remote error|netperf: .*(?:failed|error|refused)|Connection refused|Connection reset by peer", RegexOptions.IgnoreCase)]
    private static partial Regex ErrorLine();
}

/// <summary>netperf's throughput units (<c>-f</c>): k/m/g are 10^3/10^6/10^9 bits, K/M/G are 2^10/2^20/2^30 bytes.</summary>
internal static class NetperfUnits
{
    /// <summary>The factor from <paramref name="unit"/> (<c>10^9bits</c>, <c>MBytes/s</c>, omni's <c>10^6bits/s</c>) to 10^6 bits/s; null for no such unit.</summary>
    public static double? MbpsPer(string unit) => unit.Replace("/sec", "", StringComparison.Ordinal).Replace("/s", "", StringComparison.Ordinal) switch
    {
        "10^0bits" => 1e-6,
        "10^3bits" => 1e-3,
        "10^6bits" => 1,
        "10^9bits" => 1e3,
        "KBytes" => 1024 * 8 / 1e6,
        "MBytes" => 1024 * 1024 * 8 / 1e6,
        "GBytes" => 1024.0 * 1024 * 1024 * 8 / 1e6,
        _ => null,
    };
}
