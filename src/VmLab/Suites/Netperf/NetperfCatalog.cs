using static VmLab.Suites.MetricDirection;
using static VmLab.Suites.MetricKind;
using static VmLab.Suites.MetricRole;

namespace VmLab.Suites;

/// <summary>
/// netperf's metrics (<see cref="NetperfParser"/>): one test per output, and its rate is the headline
/// (TCP_STREAM and TCP_MAERTS: throughput; TCP_RR: transactions per second). With <c>-c -C</c> each output also has
/// both sides' CPU utilisation and service demand: mechanism metrics (<see cref="MetricKind.Mechanism"/>), never
/// headlines. netperf measures the whole system's CPU on each side ("lower is better" for both, its manual says); in the
/// lab the local side is L0 (the client, which also runs the TCG emulation of L1), the remote one the measured system.
/// </summary>
public sealed class NetperfCatalog : MetricCatalog
{
    private const string Stream = "stream result line";
    private const string Rr = "request/response result lines";
    private const string Test = "netperf test";
    private const string Cpu = "CPU columns (-c -C)";

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
        new("local_cpu_percent", "%", LowerIsBetter, Shown, Cpu, "netperf's side's CPU utilisation, all its CPUs (0-100 %): in the lab, L0's") { Kind = Mechanism },
        new("remote_cpu_percent", "%", LowerIsBetter, Shown, Cpu, "netserver's side's CPU utilisation, all its CPUs (0-100 %): the measured system's") { Kind = Mechanism },
        new("local_service_demand_us_per_kb", "µs/KiB", LowerIsBetter, Shown, Cpu, "netperf's side's CPU time per KiB moved (TCP_STREAM, TCP_MAERTS)") { Kind = Mechanism },
        new("remote_service_demand_us_per_kb", "µs/KiB", LowerIsBetter, Shown, Cpu, "netserver's side's CPU time per KiB moved (TCP_STREAM, TCP_MAERTS)") { Kind = Mechanism },
        new("local_service_demand_us_per_tr", "µs/transaction", LowerIsBetter, Shown, Cpu, "netperf's side's CPU time per transaction (TCP_RR)") { Kind = Mechanism },
        new("remote_service_demand_us_per_tr", "µs/transaction", LowerIsBetter, Shown, Cpu, "netserver's side's CPU time per transaction (TCP_RR)") { Kind = Mechanism },
    ];
}
