using System.Text.RegularExpressions;

namespace VmLab.Suites;

/// <summary>One row of ab's "Connection Times (ms)" table.</summary>
/// <param name="Min">Fastest request, ms.</param>
/// <param name="Mean">Mean, ms.</param>
/// <param name="StandardDeviation">The <c>[+/-sd]</c> column; null when ab ran with <c>-S</c>.</param>
/// <param name="Median">Median, ms; null when ab ran with <c>-S</c>.</param>
/// <param name="Max">Slowest request, ms.</param>
public sealed record ConnectionTimes(double Min, double Mean, double? StandardDeviation, double? Median, double Max);

/// <summary>ab's request summary (absent from the partial outputs quoted in the 2023 report).</summary>
/// <param name="DocumentLength">The first response's body size; null when ab printed "Variable".</param>
/// <param name="FailedBreakdown">ab's "(Connect: 0, Receive: 0, Length: 5, Exceptions: 0)" line, when printed.</param>
public sealed record ApacheBenchSummary(
    long CompleteRequests,
    long FailedRequests,
    string? FailedBreakdown,
    long Non2xxResponses,
    long WriteErrors,
    long? DocumentLength,
    double RequestsPerSecond,
    double TimePerRequestMs,
    double TransferRateKbps);

/// <summary>One ApacheBench run: the summary when present, the connection-times table, the percentiles when printed.</summary>
/// <param name="Summary">Null for partial outputs that only quote the connection-times table.</param>
/// <param name="Times">Connect, Processing, Waiting, Total rows by lower-case name.</param>
/// <param name="Percentiles">Percent (50, 66, …, 100) → ms.</param>
public sealed record ApacheBenchResult(
    ApacheBenchSummary? Summary,
    IReadOnlyDictionary<string, ConnectionTimes> Times,
    IReadOnlyDictionary<int, double> Percentiles)
{
    /// <summary>
    /// The result in the lab's metric names: <c>complete_requests</c>, <c>failed_requests</c>, <c>non2xx_responses</c>,
    /// <c>document_length</c>, <c>requests_per_s</c>, <c>time_per_request_ms</c>, <c>transfer_rate_kbps</c>,
    /// <c>{connect,processing,waiting,total}_{min,mean,sd,median,max}</c> and <c>p50_ms</c> … <c>p100_ms</c>.
    /// </summary>
    public SortedDictionary<string, MetricValue> ToMetrics()
    {
        var metrics = RawOutput.NewMetrics();
        if (Summary is { } s)
        {
            metrics["complete_requests"] = s.CompleteRequests;
            metrics["failed_requests"] = s.FailedRequests;
            metrics["non2xx_responses"] = s.Non2xxResponses;
            if (s.DocumentLength is { } length)
            {
                metrics["document_length"] = length;
            }

            metrics["requests_per_s"] = s.RequestsPerSecond;
            metrics["time_per_request_ms"] = s.TimePerRequestMs;
            metrics["transfer_rate_kbps"] = s.TransferRateKbps;
        }

        foreach (var (row, t) in Times)
        {
            metrics[$"{row}_min"] = t.Min;
            metrics[$"{row}_mean"] = t.Mean;
            if (t.StandardDeviation is { } sd)
            {
                metrics[$"{row}_sd"] = sd;
            }

            if (t.Median is { } median)
            {
                metrics[$"{row}_median"] = median;
            }

            metrics[$"{row}_max"] = t.Max;
        }

        foreach (var (percent, ms) in Percentiles)
        {
            metrics[$"p{percent}_ms"] = ms;
        }

        return metrics;
    }
}

/// <summary>
/// Parses ApacheBench (<c>ab</c>) output, including the partial outputs of the 2023 report (only the
/// "Connection Times (ms)" table). Validity is the point: the 2023 study published 404 pages as results, so any
/// non-2xx response, failed request or unexpected document length makes the run invalid, and a partial output,
/// which cannot show those, is invalid too.
/// </summary>
public sealed partial class ApacheBenchParser : ISuiteParser
{
    /// <summary>The suite id: on the command line, in raw/ paths, in results.json and in lab/profiles.json.</summary>
    public const string Id = "ab";

    /// <summary>
    /// <c>--expected-length BYTES</c>: the size of the document the server should serve. A different length makes the
    /// run invalid (the 2023 study's ab runs measured a 404 page).
    /// </summary>
    public static readonly ParseOption ExpectedLength = ParseOption.Integer(
        "expected-length", "BYTES", "the size of the document the server should serve; a different length makes the run invalid");

    /// <inheritdoc />
    public string Suite => Id;

    private static readonly string[] TableRows = ["Connect", "Processing", "Waiting", "Total"];

    private const string Expected =
        "expected ab's summary ('Complete requests:', 'Requests per second:', ...) and its 'Connection Times (ms)' table";

    /// <inheritdoc />
    public ParseResult Parse(string text, ParseContext? context = null) => RawOutput.Guard(() => ReadOutput(text, context));

    private ParseResult ReadOutput(string text, ParseContext? context)
    {
        if (RawOutput.Reject(text) is { } rejected)
        {
            return ParseResult.Unrecognised(rejected);
        }

        var scan = new Scan();
        if ((scan.Read(RawOutput.Lines(text)) ?? Refusal(scan)) is { } refused)
        {
            return ParseResult.Unrecognised(refused);
        }

        ApacheBenchSummary? summary = null;
        if (scan.HasSummary)
        {
            if (SummaryGap(scan) is { } gap)
            {
                return ParseResult.Unrecognised(gap);
            }

            summary = Summary(scan);
        }

        var result = new ApacheBenchResult(summary, scan.Times, scan.Percentiles);
        return ParseResult.Ok(new Measurement(Suite, result.ToMetrics(), Problems(result, context)));
    }

    /// <summary>What one pass over ab's output found: summary fields, tables, and what shows a second run or an abort.</summary>
    private sealed class Scan
    {
        public Dictionary<string, string> Fields { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, int> Seen { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, ConnectionTimes> Times { get; } = new(StringComparer.Ordinal);
        public SortedDictionary<int, double> Percentiles { get; } = new();
        public string? FailedBreakdown { get; private set; }
        public string? Abort { get; private set; }
        public bool TableHeader { get; private set; }
        public bool PercentileHeader { get; private set; }
        public bool Benchmarking { get; private set; }
        public int Tables { get; private set; }
        public int Summaries { get; private set; }

        public bool HasSummary => Fields.ContainsKey("Complete requests") || Fields.ContainsKey("Document Path") || Fields.ContainsKey("Concurrency Level");

        /// <summary>Reads every line; a reason when a table row shows the output was cut off, else null.</summary>
        public string? Read(IEnumerable<string> lines)
        {
            foreach (var line in lines)
            {
                if (ReadLine(line) is { } cutOff)
                {
                    return cutOff;
                }
            }

            return null;
        }

        private string? ReadLine(string line)
        {
            if (line.StartsWith("Benchmarking ", StringComparison.Ordinal))
            {
                Benchmarking = true;
            }

            // ab prints its socket errors on the "Benchmarking host (be patient)..." line itself.
            if (Abort is null && AbortLine().Match(line) is { Success: true } aborted)
            {
                Abort = line[aborted.Index..].Trim();
            }
            else if (line.StartsWith("Connection Times (ms)", StringComparison.Ordinal))
            {
                TableHeader = true;
                Tables++;
            }
            else if (line.StartsWith("Percentage of the requests served", StringComparison.Ordinal))
            {
                PercentileHeader = true;
            }
            else if (TableHeader && TableRow().Match(line) is { Success: true } row)
            {
                return ReadTableRow(row);
            }
            else if (PercentileHeader && PercentileRow().Match(line) is { Success: true } p)
            {
                Percentiles[RawOutput.Count(p.Groups["pct"].Value)] = RawOutput.Number(p.Groups["ms"].Value);
            }
            else if (Field().Match(line) is { Success: true } field)
            {
                ReadField(field.Groups["key"].Value, field.Groups["value"].Value);
            }
            else if (FailedBreakdownLine().Match(line) is { Success: true } breakdown && Fields.ContainsKey("Failed requests"))
            {
                FailedBreakdown = breakdown.Groups["detail"].Value;
            }

            return null;
        }

        private string? ReadTableRow(Match row)
        {
            var n = row.Groups["n"].Captures.Select(c => RawOutput.Number(c.Value)).ToArray();
            if (n.Length is not (5 or 3))
            {
                return $"the '{row.Groups["row"].Value}:' row of the connection times has {n.Length} numbers, not 5: the output was cut off";
            }

            // ab -S prints only min, avg and max.
            Times[row.Groups["row"].Value.ToLowerInvariant()] = n.Length == 5
                ? new ConnectionTimes(n[0], n[1], n[2], n[3], n[4])
                : new ConnectionTimes(n[0], n[1], null, null, n[2]);
            return null;
        }

        private void ReadField(string key, string value)
        {
            if (key == "Complete requests")
            {
                Summaries++;
            }

            // "Time per request" appears twice; the first is the mean per request, the lab's metric.
            Fields.TryAdd(key, value);
            Seen[key] = Seen.GetValueOrDefault(key) + 1;
        }
    }

    /// <summary>Why the scanned output is not one whole ab run (two runs, an edited summary, an abort, a cut); null when it is.</summary>
    private static string? Refusal(Scan scan)
    {
        // Two runs pasted together would otherwise mix one run's summary with the other's tables.
        if (Math.Max(scan.Tables, scan.Summaries) > 1)
        {
            return $"{Math.Max(scan.Tables, scan.Summaries)} ab runs in one file; expected exactly one run per file";
        }

        // A summary line ab prints once, found again, was added to the output: which of the two is ab's is unknown.
        if (scan.Seen.FirstOrDefault(f => f.Value > (f.Key == "Time per request" ? 2 : 1)) is { Key: { } repeated } again)
        {
            return $"'{repeated}:' appears {again.Value} times; ab prints it {(repeated == "Time per request" ? "twice" : "once")}: the output was edited or two outputs were mixed";
        }

        if (!scan.HasSummary && !scan.TableHeader)
        {
            return scan.Abort is not null
                ? $"ab stopped before its summary: \"{scan.Abort}\""
                : scan.Benchmarking
                    ? $"ab stopped before its summary (the output ends during 'Benchmarking'); {Expected}"
                    : $"no ab result found; {Expected}";
        }

        if (scan.Abort is not null)
        {
            return $"ab aborted: \"{scan.Abort}\"";
        }

        if (scan.TableHeader && TableRows.FirstOrDefault(r => !scan.Times.ContainsKey(r.ToLowerInvariant())) is { } missingRow)
        {
            return $"the connection times table has no '{missingRow}:' row: the output was cut off";
        }

        return scan.PercentileHeader && !scan.Percentiles.ContainsKey(100)
            ? "the percentile table has no '100%' line: the output was cut off"
            : null;
    }

    /// <summary>What a summary lacks that ab always prints (a required line, the connection times); null when whole.</summary>
    private static string? SummaryGap(Scan scan)
    {
        string[] required = ["Complete requests", "Failed requests", "Requests per second", "Time per request", "Transfer rate"];
        var missing = required.Where(k => !scan.Fields.ContainsKey(k)).ToArray();
        if (missing.Length == 0 && scan.TableHeader)
        {
            return null;
        }

        var what = missing.Length > 0 ? string.Join(", ", missing.Select(m => $"'{m}:'")) : "the 'Connection Times (ms)' table";
        return $"the ab summary lacks {what}: the output was cut off";
    }

    private static ApacheBenchSummary Summary(Scan scan)
    {
        var fields = scan.Fields;
        return new ApacheBenchSummary(
            CompleteRequests: Long(fields["Complete requests"]),
            FailedRequests: Long(fields["Failed requests"]),
            FailedBreakdown: scan.FailedBreakdown,
            Non2xxResponses: fields.TryGetValue("Non-2xx responses", out var non2xx) ? Long(non2xx) : 0,
            WriteErrors: fields.TryGetValue("Write errors", out var writeErrors) ? Long(writeErrors) : 0,
            DocumentLength: fields.TryGetValue("Document Length", out var length) && LeadingNumber().Match(length) is { Success: true } l
                ? RawOutput.Integer(l.Value)
                : null,
            RequestsPerSecond: Lead(fields["Requests per second"]),
            TimePerRequestMs: Lead(fields["Time per request"]),
            TransferRateKbps: Lead(fields["Transfer rate"]));
    }

    /// <summary>Why this run's numbers cannot be trusted; empty when they can.</summary>
    private static List<string> Problems(ApacheBenchResult result, ParseContext? context)
    {
        var problems = new List<string>();
        if (result.Summary is not { } s)
        {
            problems.Add("partial ab output (only the connection times): without 'Complete requests' and 'Non-2xx responses' " +
                         "nothing shows the server answered with the document");
            return problems;
        }

        if (s.CompleteRequests == 0)
        {
            problems.Add("ab completed no requests");
        }

        if (s.Non2xxResponses > 0)
        {
            var why = s.Non2xxResponses >= s.CompleteRequests
                ? "the document is missing on the server"
                : "the server answered some requests with an error";
            problems.Add($"{s.Non2xxResponses} of {s.CompleteRequests} responses were non-2xx: {why}");
        }

        if (s.FailedRequests > 0)
        {
            var detail = s.FailedBreakdown is null ? "" : $" ({s.FailedBreakdown})";
            problems.Add($"{s.FailedRequests} of {s.CompleteRequests} requests failed{detail}");
        }

        if (s.WriteErrors > 0)
        {
            problems.Add($"ab hit {s.WriteErrors} write errors: requests were not sent");
        }

        if (context?.Integer(ExpectedLength) is { } expected)
        {
            if (s.DocumentLength is not { } actual)
            {
                problems.Add($"the document length varied between responses; expected {expected} bytes every time");
            }
            else if (actual != expected)
            {
                problems.Add($"the server sent a {actual}-byte document, expected {expected} bytes: it served something else (an error page?)");
            }
        }

        return problems;
    }

    private static long Long(string value) => RawOutput.Integer(LeadingNumber().Match(value) is { Success: true, Value: var n } && !n.Contains('.', StringComparison.Ordinal) ? n : value);

    private static double Lead(string value) => RawOutput.Number(LeadingNumber().Match(value) is { Success: true, Value: var n } ? n : value);

    [GeneratedRegex(@"^(?<key>[A-Za-z][A-Za-z0-9 /-]*?):\s+(?<value>\S.*)$")]
    private static partial Regex Field();

    [GeneratedRegex(@"^\s+\((?<detail>Connect: \d+, Receive: \d+, Length: \d+, Exceptions: \d+)\)\s*$")]
    private static partial Regex FailedBreakdownLine();

    [GeneratedRegex(@"^(?<row>Connect|Processing|Waiting|Total):(?:\s+(?<n>\d+(?:\.\d+)?))*\s*$")]
    private static partial Regex TableRow();

    [GeneratedRegex(@"^\s*(?<pct>\d{1,3})%\s+(?<ms>\d+(?:\.\d+)?)(?:\s+\(longest request\))?\s*$")]
    private static partial Regex PercentileRow();

    [GeneratedRegex(@"^\d+(?:\.\d+)?")]
    private static partial Regex LeadingNumber();

    // ab's ways of giving up: socket errors (apr_*), timeouts, too many failures, a bad URL.
    [GeneratedRegex(@"\bapr_\w+(?:\(\))?: .*|^(?:Total of \d+ requests completed|Test aborted after|ab: invalid URL|ab: Could not|Invalid (?:URL|Concurrency)).*")]
    private static partial Regex AbortLine();
}
