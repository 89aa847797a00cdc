using static VmLab.Suites.MetricDirection;
using static VmLab.Suites.MetricRole;

namespace VmLab.Suites;

/// <summary>
/// netperf's metrics (<see cref="NetperfParser"/>): one test per output, and its rate is the headline
/// (TCP_STREAM and TCP_MAERTS: throughput; TCP_RR: transactions per second).
/// </summary>
public sealed class NetperfCatalog : MetricCatalog
{
    private const string Stream = "stream result line";
    private const string Rr = "request/response result lines";
    private const string Test = "netperf test";

    /// <inheritdoc />
    public override string Suite => NetperfParser.Id;

    /// <inheritdoc />
    public override IReadOnlyList<MetricDefinition> Metrics { get; } =
    [
        new("throughput_mbps", "10^6 bit/s", HigherIsBetter, MetricRole.Headline, Stream, "TCP_STREAM / TCP_MAERTS throughput"),
        new("transactions_per_s", "transactions/s", HigherIsBetter, MetricRole.Headline, Rr, "TCP_RR request/response pairs per second"),
        new("test", "", None, Recorded, Test, "TCP_STREAM, TCP_MAERTS or TCP_RR: the workload"),
        new("elapsed_s", "s", None, Recorded, Test, "the test's measured duration"),
        new("recv_socket_bytes", "bytes", None, Recorded, Stream, "receiver's socket buffer"),
        new("send_socket_bytes", "bytes", None, Recorded, Stream, "sender's socket buffer"),
        new("send_message_bytes", "bytes", None, Recorded, Stream, "sender's message size"),
        new("local_send_socket_bytes", "bytes", None, Recorded, Rr, "client's send socket buffer"),
        new("local_recv_socket_bytes", "bytes", None, Recorded, Rr, "client's receive socket buffer"),
        new("remote_send_socket_bytes", "bytes", None, Recorded, Rr, "server's send socket buffer"),
        new("remote_recv_socket_bytes", "bytes", None, Recorded, Rr, "server's receive socket buffer"),
        new("request_bytes", "bytes", None, Recorded, Rr, "request size"),
        new("response_bytes", "bytes", None, Recorded, Rr, "response size"),
    ];
}
