using System.Text.RegularExpressions;

namespace VmLab.Suites;

/// <summary>One netperf test result (netperf 2.7's classic TCP_STREAM / TCP_MAERTS / TCP_RR output).</summary>
/// <param name="Test">TCP_STREAM, TCP_MAERTS or TCP_RR; null for <c>-P 0</c> stream output when the caller did not say which.</param>
/// <param name="ElapsedSeconds">The test's measured duration.</param>
/// <param name="ThroughputMbps">Stream tests: throughput in 10^6 bits/s, converted when <c>-f</c> chose another unit.</param>
/// <param name="TransactionsPerSecond">Request/response tests: transactions per second.</param>
/// <param name="SocketAndMessageBytes">The socket and message sizes of the result line, by metric name.</param>
public sealed record NetperfResult(
    string? Test,
    double ElapsedSeconds,
    double? ThroughputMbps,
    double? TransactionsPerSecond,
    IReadOnlyDictionary<string, double> SocketAndMessageBytes)
{
    /// <summary>
    /// The result in the lab's metric names: <c>test</c>, <c>elapsed_s</c>, <c>throughput_mbps</c> (stream) or
    /// <c>transactions_per_s</c> (RR), and the sizes (<c>recv_socket_bytes</c>, <c>send_socket_bytes</c>,
    /// <c>send_message_bytes</c> for stream tests; <c>local_send_socket_bytes</c>, <c>local_recv_socket_bytes</c>,
    /// <c>remote_send_socket_bytes</c>, <c>remote_recv_socket_bytes</c>, <c>request_bytes</c>, <c>response_bytes</c> for RR).
    /// </summary>
    public SortedDictionary<string, MetricValue> ToMetrics()
    {
        var metrics = RawOutput.NewMetrics();
        if (Test is { } test)
        {
            metrics["test"] = test;
        }

        metrics["elapsed_s"] = ElapsedSeconds;
        if (ThroughputMbps is { } mbps)
        {
            metrics["throughput_mbps"] = mbps;
        }

        if (TransactionsPerSecond is { } tps)
        {
            metrics["transactions_per_s"] = tps;
        }

        foreach (var (name, bytes) in SocketAndMessageBytes)
        {
            metrics[name] = bytes;
        }

        return metrics;
    }
}

/// <summary>
/// Parses netperf output with or without the "MIGRATED ... TEST from" banner (and the banner shortened to
/// "MIGRATED TCP STREAM" as in the 2023 report), and with <c>-P 0</c> (result line only). A banner without its
/// result line is a cut-off run; a netperf error (no netserver, "connect_data_socket failed") is no result at all.
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
        "expected a netperf TCP_STREAM/TCP_MAERTS result line (5 numbers: sockets, message, seconds, throughput) " +
        "or a TCP_RR result (6 numbers, then the remote socket sizes)";

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

        var banners = lines.Select(l => Banner().Match(l)).Where(m => m.Success).ToArray();
        if (banners.Length > 1)
        {
            return ParseResult.Unrecognised($"{banners.Length} netperf tests in one file; expected exactly one test per file");
        }

        string? bannerTest = banners.Length == 1 ? TestName(banners[0]) : null;
        if (banners.Length == 1 && bannerTest is null)
        {
            return ParseResult.Unrecognised($"netperf test \"{banners[0].Value.Trim()}\" is not one the lab parses (TCP_STREAM, TCP_MAERTS, TCP_RR)");
        }

        var test = bannerTest ?? Normalise(context?.Text(Test));
        var rows = NumericRows(lines);
        if (rows.Length == 0)
        {
            return ParseResult.Unrecognised(banners.Length == 1
                ? $"the output stops after the {bannerTest} header: the run was cut off before its result line"
                : $"no netperf result found; {Expected}");
        }

        var first = rows[0].Numbers;
        test ??= first.Length == 6 ? "TCP_RR" : null;
        var isRequestResponse = first.Length == 6;
        if (first.Length is not (5 or 6) || (test is not null && (test == "TCP_RR") != isRequestResponse))
        {
            return ParseResult.Unrecognised(
                $"the result line has {first.Length} numbers, {(test is null ? "neither 5 nor 6" : $"not the {(test == "TCP_RR" ? 6 : 5)} of {test}")}: the output was cut off or is not netperf's; {Expected}");
        }

        var (result, refusal) = isRequestResponse ? RequestResponse(test, rows) : Stream(test, rows, MbpsPerPrintedUnit(lines));
        return result is null
            ? ParseResult.Unrecognised(refusal!)
            : ParseResult.Ok(new Measurement(Suite, result.ToMetrics(), Problems(result)));
    }

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
                toMbps = MbpsPerUnit(unit.Groups["unit"].Value);
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

        var (first, remote) = (rows[0].Numbers, rows[1].Numbers);
        return (new NetperfResult(test, first[4], null, first[5], new Dictionary<string, double>
        {
            ["local_send_socket_bytes"] = first[0],
            ["local_recv_socket_bytes"] = first[1],
            ["request_bytes"] = first[2],
            ["response_bytes"] = first[3],
            ["remote_send_socket_bytes"] = remote[0],
            ["remote_recv_socket_bytes"] = remote[1],
        }), null);
    }

    /// <summary>A TCP_STREAM or TCP_MAERTS result: one result line, its throughput converted to 10^6 bits/s.</summary>
    private static (NetperfResult? Result, string? Refusal) Stream(string? test, (int Index, double[] Numbers)[] rows, double toMbps)
    {
        if (rows.Length > 1)
        {
            return (null, $"{rows.Length} netperf results in one file; expected exactly one test per file");
        }

        // Columns are the receiver's socket, the sender's socket and the sender's message size, whichever way data flows.
        // Rounded to 6 decimals so a unit conversion does not print binary-float noise (29915.621621759998).
        var first = rows[0].Numbers;
        return (new NetperfResult(test, first[3], Math.Round(first[4] * toMbps, 6), null, new Dictionary<string, double>
        {
            ["recv_socket_bytes"] = first[0],
            ["send_socket_bytes"] = first[1],
            ["send_message_bytes"] = first[2],
        }), null);
    }

    /// <summary>Why this run's numbers cannot be trusted; empty when they can.</summary>
    private static List<string> Problems(NetperfResult result)
    {
        var problems = new List<string>();
        if (result.ElapsedSeconds <= 0)
        {
            problems.Add($"netperf measured for {RawOutput.Show(result.ElapsedSeconds)} s: the test did not run");
        }

        if (result.ThroughputMbps is <= 0 || result.TransactionsPerSecond is <= 0)
        {
            problems.Add($"{result.Test ?? "netperf"} moved no data (rate 0): the connection to netserver stalled");
        }

        return problems;
    }

    private static string? TestName(Match banner) =>
        (banner.Groups["proto"].Value, banner.Groups["kind"].Value) switch
        {
            ("TCP", "STREAM") => "TCP_STREAM",
            ("TCP", "MAERTS") => "TCP_MAERTS",
            ("TCP", "REQUEST/RESPONSE") => "TCP_RR",
            _ => null,
        };

    private static string? Normalise(string? test) =>
        test?.Trim().ToUpperInvariant() is { Length: > 0 } t ? t : null;

    // netperf -f: k/m/g are 10^3/10^6/10^9 bits, K/M/G are 2^10/2^20/2^30 bytes.
    private static double MbpsPerUnit(string unit) => unit switch
    {
        "10^0bits" => 1e-6,
        "10^3bits" => 1e-3,
        "10^6bits" => 1,
        "10^9bits" => 1e3,
        "KBytes" => 1024 * 8 / 1e6,
        "MBytes" => 1024 * 1024 * 8 / 1e6,
        "GBytes" => 1024.0 * 1024 * 1024 * 8 / 1e6,
        _ => 1,
    };

    [GeneratedRegex(@"^\s*(?:MIGRATED\s+)?(?<proto>TCP|UDP|SCTP|DLCO|DLCL|STCP)\s+(?<kind>STREAM|MAERTS|REQUEST/RESPONSE|Connect/Request/Response|SENDFILE)\b")]
    private static partial Regex Banner();

    [GeneratedRegex(@"(?<unit>10\^\dbits|[KMG]Bytes)/s")]
    private static partial Regex ThroughputUnit();

    [GeneratedRegex(@"^\s*\d+(?:\.\d+)?(?:\s+\d+(?:\.\d+)?)*\s*$")]
    private static partial Regex NumericRow();

    // What netperf 2.7 prints instead of results: no netserver, refused or reset data connections, remote errors.
    [GeneratedRegex(@"establish[ _]control|connect_data_socket failed|send_data failed|recv_response|remote error|netperf: .*(?:failed|error|refused)|Connection refused|Connection reset by peer", RegexOptions.IgnoreCase)]
    private static partial Regex ErrorLine();
}
