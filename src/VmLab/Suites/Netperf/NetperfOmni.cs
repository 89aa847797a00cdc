using System.Globalization;
using System.Text.RegularExpressions;

namespace VmLab.Suites;

/// <summary>
/// netperf's omni output (netperf 2.5 and later): <c>-t omni</c>, or a migrated classic test given an omni output
/// selector after <c>--</c>. Three styles carry the same values: keyval (<c>-k</c>: <c>THROUGHPUT=5091.38</c>), CSV
/// (<c>-o</c>: a line of column names, then a line of values) and human (<c>-O</c>, and <c>-t omni</c>'s default: columns
/// whose names stand stacked over their values). Values are read by output selector (<c>LOCAL_CPU_UTIL</c>), the CSV and
/// human column names mapped back to their selectors; the result needs <c>THROUGHPUT</c> and <c>THROUGHPUT_UNITS</c>.
/// </summary>
internal static partial class NetperfOmni
{
    /// <summary>The CSV and human column names of the selectors the lab reads (netperf's own names, spaces collapsed).</summary>
    private static readonly Dictionary<string, string> Selectors = new(StringComparer.Ordinal)
    {
        ["Throughput"] = "THROUGHPUT",
        ["Throughput Units"] = "THROUGHPUT_UNITS",
        ["Elapsed Time (sec)"] = "ELAPSED_TIME",
        ["Local CPU Util %"] = "LOCAL_CPU_UTIL",
        ["Remote CPU Util %"] = "REMOTE_CPU_UTIL",
        ["Local Service Demand"] = "LOCAL_SD",
        ["Remote Service Demand"] = "REMOTE_SD",
        ["Service Demand Units"] = "SD_UNITS",
        ["Request Size Bytes"] = "REQUEST_SIZE",
        ["Response Size Bytes"] = "RESPONSE_SIZE",
        ["Local Send Size"] = "LOCAL_SEND_SIZE",
        ["Remote Send Size"] = "REMOTE_SEND_SIZE",
        ["Protocol"] = "PROTOCOL",
        ["Direction"] = "DIRECTION",
    };

    /// <summary>
    /// True when <paramref name="lines"/> hold keyval or CSV omni output (the human style is tried last, by the caller):
    /// a <c>KEY=value</c> line, or a comma-separated line naming an omni column or a throughput unit (other tools'
    /// prose has commas too).
    /// </summary>
    public static bool IsKeyvalOrCsv(IReadOnlyList<string> lines) => lines.Any(l => KeyValue().IsMatch(l)) || lines.Any(IsCsv);

    private static bool IsCsv(string line) =>
        line.Contains(',', StringComparison.Ordinal)
        && line.Split(',').Select(f => f.Trim()).Any(f => Selectors.ContainsKey(f) || f == "Trans/s" || NetperfUnits.MbpsPer(f) is not null);

    /// <summary>
    /// The selector values of omni output <paramref name="lines"/> (after the banner), or why they cannot be read: a cut
    /// header, CSV values without their names (<c>-P 0</c>), a human block without its value line.
    /// </summary>
    public static (Dictionary<string, string>? Values, string? Refusal) Values(IReadOnlyList<string> lines)
    {
        if (lines.Any(l => KeyValue().IsMatch(l)))
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var match in lines.Select(l => KeyValue().Match(l)).Where(m => m.Success))
            {
                values[match.Groups["key"].Value] = match.Groups["value"].Value.Trim();
            }

            return (values, null);
        }

        var rows = lines.Where(l => l.Trim().Length > 0).ToList();
        if (rows.Any(IsCsv))
        {
            return Csv(rows);
        }

        return Human(lines);
    }

    /// <summary>The result in <paramref name="values"/>: a rate with its unit, CPU figures, sizes; or why it is none.</summary>
    public static (NetperfResult? Result, string? Refusal) Result(Dictionary<string, string> values, string? test)
    {
        var present = $"it has {(values.Count == 0 ? "no values" : string.Join(", ", values.Keys.Take(12)) + (values.Count > 12 ? ", …" : ""))}";
        if (values.GetValueOrDefault("PROTOCOL") is { Length: > 0 } protocol && !protocol.Equals("TCP", StringComparison.OrdinalIgnoreCase))
        {
            return (null, $"an omni test over {protocol}: the lab parses TCP tests (TCP_STREAM, TCP_MAERTS, TCP_RR)");
        }

        if (Number(values, "THROUGHPUT") is not { } throughput || values.GetValueOrDefault("THROUGHPUT_UNITS") is not { Length: > 0 } units)
        {
            return (null, $"the omni output has no THROUGHPUT with its THROUGHPUT_UNITS ({present}): it was cut off, or its output selectors left them out");
        }

        var isRequestResponse = units.Equals("Trans/s", StringComparison.Ordinal);
        test ??= Direction(values.GetValueOrDefault("DIRECTION")) ?? (isRequestResponse ? "TCP_RR" : null);
        if (test is not null && (test == "TCP_RR") != isRequestResponse)
        {
            return (null, $"the omni output is a {test} test but its throughput is in {units}");
        }

        var toMbps = isRequestResponse ? 1 : NetperfUnits.MbpsPer(units);
        if (toMbps is null)
        {
            return (null, $"the omni throughput unit '{units}' is not one netperf prints (10^6bits/s, 10^9bits/s, MBytes/s, …)");
        }

        var sdUnits = values.GetValueOrDefault("SD_UNITS");
        if (sdUnits is { Length: > 0 } && sdUnits != (isRequestResponse ? "usec/Tran" : "usec/KB"))
        {
            return (null, $"the omni service demand is in '{sdUnits}', not the {(isRequestResponse ? "usec/Tran" : "usec/KB")} of a {(isRequestResponse ? "request/response" : "stream")} test");
        }

        var cpu = values.Keys.Any(k => k is "LOCAL_CPU_UTIL" or "REMOTE_CPU_UTIL" or "LOCAL_SD" or "REMOTE_SD")
            ? new NetperfCpu(Measured(values, "LOCAL_CPU_UTIL"), Measured(values, "REMOTE_CPU_UTIL"), Measured(values, "LOCAL_SD"), Measured(values, "REMOTE_SD"))
            : null;
        return (new NetperfResult(
            test,
            Number(values, "ELAPSED_TIME"),
            isRequestResponse ? null : Math.Round(throughput * toMbps.Value, 6),
            isRequestResponse ? throughput : null,
            Sizes(values, test, isRequestResponse),
            cpu), null);
    }

    // The sizes whose meaning matches the classic result line's: the sizes when the data socket was made (the classic
    // line's), not the "_END" ones the default omni output shows; request and response sizes; the sender's message size.
    private static Dictionary<string, double> Sizes(Dictionary<string, string> values, string? test, bool isRequestResponse)
    {
        var names = isRequestResponse
            ? new Dictionary<string, string>
            {
                ["LSS_SIZE"] = "local_send_socket_bytes", ["LSR_SIZE"] = "local_recv_socket_bytes",
                ["RSS_SIZE"] = "remote_send_socket_bytes", ["RSR_SIZE"] = "remote_recv_socket_bytes",
                ["REQUEST_SIZE"] = "request_bytes", ["RESPONSE_SIZE"] = "response_bytes",
            }
            : test == "TCP_MAERTS"
                ? new Dictionary<string, string> { ["LSR_SIZE"] = "recv_socket_bytes", ["RSS_SIZE"] = "send_socket_bytes", ["REMOTE_SEND_SIZE"] = "send_message_bytes" }
                : new Dictionary<string, string> { ["RSR_SIZE"] = "recv_socket_bytes", ["LSS_SIZE"] = "send_socket_bytes", ["LOCAL_SEND_SIZE"] = "send_message_bytes" };
        var sizes = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (selector, metric) in names)
        {
            if (Measured(values, selector) is { } bytes)
            {
                sizes[metric] = bytes;
            }
        }

        return sizes;
    }

    private static string? Direction(string? direction) => direction switch
    {
        "Send" => "TCP_STREAM",
        "Recv" or "Receive" => "TCP_MAERTS",
        "Send|Recv" => "TCP_RR",
        _ => null,
    };

    // CSV (-o): the column names, then the values. With -P 0 netperf prints the values alone: which is which is unknown.
    private static (Dictionary<string, string>? Values, string? Refusal) Csv(List<string> rows)
    {
        var first = rows.FindIndex(IsCsv);
        var names = rows[first].Split(',');
        if (names.Any(IsNumber))
        {
            return (null, $"omni CSV values without their line of column names (-P 0), {names.Length} columns: which is which cannot be told; keep the banner and names (no -P 0) or use -k");
        }

        if (first + 1 >= rows.Count)
        {
            return (null, $"the omni CSV output stops after its column names ({names.Length} columns): the run was cut off before its values");
        }

        var cells = rows[first + 1].Split(',');
        if (cells.Length != names.Length)
        {
            return (null, $"the omni CSV values have {cells.Length} columns, their names {names.Length}: the output was cut off");
        }

        return (Named(names.Zip(cells)), null);
    }

    // Human (-O): one or more blocks, each of header lines and a line of values (the first line with a number in it:
    // a column name never is one); a column's name is the text of the header lines above its value (netperf pads names
    // and values to one width per column). Header lines with no values after them are a run cut off before its result.
    private static (Dictionary<string, string>? Values, string? Refusal) Human(IReadOnlyList<string> lines)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var header = new List<string>();
        foreach (var line in lines.Where(l => l.Trim().Length > 0))
        {
            var tokens = Token().Matches(line);
            if (!tokens.Any(t => IsNumber(t.Value)))
            {
                header.Add(line);
                continue;
            }

            if (header.Count == 0)
            {
                return (null, $"omni values without their column names (-P 0): \"{Preview(line.Trim())}\"; which is which cannot be told; keep the names (no -P 0) or use -k");
            }

            var starts = tokens.Select(m => m.Index).ToList();
            var columns = starts.Select((start, i) =>
            {
                var end = i + 1 < starts.Count ? starts[i + 1] : int.MaxValue;
                return (string.Join(' ', header.Select(h => Slice(h, start, end)).Where(p => p.Length > 0)), Slice(line, start, end));
            });
            foreach (var (name, value) in Named(columns))
            {
                values[name] = value;
            }

            header.Clear();
        }

        return header.Count > 0 && values.Count == 0
            ? (null, $"the omni output stops after its {header.Count} lines of column names (\"{Preview(header[0].Trim())}\" …): the run was cut off before its values")
            : (values, null);
    }

    /// <summary>A line as a refusal quotes it: trimmed, spaces collapsed, at most 60 characters.</summary>
    public static string Preview(string line)
    {
        var text = Spaces().Replace(line.Trim(), " ");
        return text.Length <= 60 ? text : text[..59] + "…";
    }

    private static bool IsNumber(string text) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static Dictionary<string, string> Named(IEnumerable<(string Name, string Value)> columns)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in columns)
        {
            if (Selectors.TryGetValue(Spaces().Replace(name.Trim(), " "), out var selector))
            {
                values[selector] = value.Trim();
            }
        }

        return values;
    }

    private static string Slice(string line, int start, int end) =>
        start >= line.Length ? "" : line[start..Math.Min(end, line.Length)].Trim();

    private static double? Number(Dictionary<string, string> values, string selector) =>
        values.TryGetValue(selector, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n)
            ? n
            : null;

    private static double? Measured(Dictionary<string, string> values, string selector) => NetperfCpu.Measured(Number(values, selector));

    [GeneratedRegex(@"^(?<key>[A-Z][A-Z0-9_]*)=(?<value>.*)$")]
    private static partial Regex KeyValue();

    [GeneratedRegex(@"\S+")]
    private static partial Regex Token();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
