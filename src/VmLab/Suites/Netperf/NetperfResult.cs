namespace VmLab.Suites;

/// <summary>
/// netperf's CPU figures (<c>-c</c> local, <c>-C</c> remote): utilisation of the whole system in percent (0–100 whatever
/// the CPU count) and service demand, the µs of CPU time per unit of work (per KiB for stream tests, per transaction for
/// request/response). Each is null when netperf did not measure it (it prints -1 for a side not asked for).
/// </summary>
/// <param name="LocalPercent">The netperf side's CPU utilisation (in the lab: L0, the client).</param>
/// <param name="RemotePercent">The netserver side's CPU utilisation (in the lab: the measured system).</param>
/// <param name="LocalServiceDemand">µs of the netperf side's CPU per KiB or per transaction.</param>
/// <param name="RemoteServiceDemand">µs of the netserver side's CPU per KiB or per transaction.</param>
public sealed record NetperfCpu(double? LocalPercent, double? RemotePercent, double? LocalServiceDemand, double? RemoteServiceDemand)
{
    /// <summary>The figures as printed, a negative one (netperf's -1 for "not measured") read as none.</summary>
    public static NetperfCpu Of(double localPercent, double remotePercent, double localDemand, double remoteDemand) =>
        new(Measured(localPercent), Measured(remotePercent), Measured(localDemand), Measured(remoteDemand));

    /// <summary>A figure netperf measured, or null for its "not measured" value (negative, in practice -1).</summary>
    public static double? Measured(double? value) => value is >= 0 ? value : null;
}

/// <summary>One netperf test result (netperf 2.x's classic TCP_STREAM / TCP_MAERTS / TCP_RR output, or its omni output).</summary>
/// <param name="Test">TCP_STREAM, TCP_MAERTS or TCP_RR; null for <c>-P 0</c> stream output when the caller did not say which.</param>
/// <param name="ElapsedSeconds">The test's measured duration; null when an omni output did not select it.</param>
/// <param name="ThroughputMbps">Stream tests: throughput in 10^6 bits/s, converted when <c>-f</c> chose another unit.</param>
/// <param name="TransactionsPerSecond">Request/response tests: transactions per second.</param>
/// <param name="SocketAndMessageBytes">The socket and message sizes of the result line, by metric name.</param>
/// <param name="Cpu">The CPU columns (<c>-c</c>, <c>-C</c>); null when the output has none.</param>
public sealed record NetperfResult(
    string? Test,
    double? ElapsedSeconds,
    double? ThroughputMbps,
    double? TransactionsPerSecond,
    IReadOnlyDictionary<string, double> SocketAndMessageBytes,
    NetperfCpu? Cpu = null)
{
    /// <summary>
    /// The result in the lab's metric names: <c>test</c>, <c>elapsed_s</c>, <c>throughput_mbps</c> (stream) or
    /// <c>transactions_per_s</c> (RR), and the sizes (<c>recv_socket_bytes</c>, <c>send_socket_bytes</c>,
    /// <c>send_message_bytes</c> for stream tests; <c>local_send_socket_bytes</c>, <c>local_recv_socket_bytes</c>,
    /// <c>remote_send_socket_bytes</c>, <c>remote_recv_socket_bytes</c>, <c>request_bytes</c>, <c>response_bytes</c> for RR).
    /// With CPU columns: <c>local_cpu_percent</c>, <c>remote_cpu_percent</c> and the service demands,
    /// <c>local_/remote_service_demand_us_per_kb</c> (stream) or <c>local_/remote_service_demand_us_per_tr</c> (RR).
    /// </summary>
    public SortedDictionary<string, MetricValue> ToMetrics()
    {
        var metrics = RawOutput.NewMetrics();
        if (Test is { } test)
        {
            metrics["test"] = test;
        }

        if (ElapsedSeconds is { } elapsed)
        {
            metrics["elapsed_s"] = elapsed;
        }

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

        var per = TransactionsPerSecond is null ? "kb" : "tr";
        Add(metrics, "local_cpu_percent", Cpu?.LocalPercent);
        Add(metrics, "remote_cpu_percent", Cpu?.RemotePercent);
        Add(metrics, $"local_service_demand_us_per_{per}", Cpu?.LocalServiceDemand);
        Add(metrics, $"remote_service_demand_us_per_{per}", Cpu?.RemoteServiceDemand);
        return metrics;
    }

    private static void Add(SortedDictionary<string, MetricValue> metrics, string name, double? value)
    {
        if (value is { } v)
        {
            metrics[name] = v;
        }
    }
}
