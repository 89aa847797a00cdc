using VmLab.Suites;

namespace VmLab.Tests.Suites;

/// <summary>
/// netperf with <c>-c -C</c> (CPU utilisation and service demand) in its classic and omni outputs (issue 24): the
/// lab's own captures (fixtures/l0/README.md) and outputs others published from other machines and netperf versions
/// (fixtures/published/README.md).
/// </summary>
public sealed class NetperfCpuAndOmniTests
{
    private readonly NetperfParser parser = new();
    private readonly MetricCatalog catalog = SuiteRegistry.Catalog("netperf");

    [Theory]
    [InlineData("l0/netperf-tcp-stream-cC.txt", "TCP_STREAM", 5489.27, 100.0, 100.0, 2.985, 2.985)]
    [InlineData("l0/netperf-tcp-stream-cC-p0.txt", null, 5797.36, 100.0, 100.0, 2.826, 2.826)]
    [InlineData("l0/netperf-tcp-maerts-cC.txt", "TCP_MAERTS", 9814.96, 100.0, 100.0, 1.669, 1.669)]
    [InlineData("l0/netperf-tcp-stream-cC-human.txt", "TCP_STREAM", 5837.83, 100.0, 100.0, 2.807, 2.807)]
    [InlineData("l0/netperf-tcp-stream-cC-keyval.txt", "TCP_STREAM", 4938.64, 99.75, 99.75, 3.309, 3.309)]
    [InlineData("l0/netperf-omni-cC.txt", "TCP_STREAM", 3774.95, 100.0, 100.0, 4.340, 4.340)]
    [InlineData("l0/netperf-omni-recv-cC.txt", "TCP_MAERTS", 7560.22, 99.75, 99.75, 2.162, 2.162)]
    [InlineData("l0/netperf-omni-stream-cC-human.txt", "TCP_STREAM", 5091.38, 100.0, 100.0, 3.218, 3.218)]
    [InlineData("l0/netperf-omni-stream-cC-csv.txt", "TCP_STREAM", 6532.30, 99.75, 99.75, 2.502, 2.502)]
    [InlineData("l0/netperf-omni-stream-cC-keyval.txt", "TCP_STREAM", 6085.12, 100.0, 100.0, 2.692, 2.692)]
    [InlineData("published/netperf-elatov-2016-tcp-stream-cC.txt", "TCP_STREAM", 8114.30, 4.48, 31.14, 0.181, 1.257)]
    [InlineData("published/netperf-vxlan-offload-tcp-stream-cC-confidence.txt", "TCP_STREAM", 9591.78, 1.18, 0.93, 0.483, 0.383)]
    [InlineData("published/netperf-manual-tcp-stream-p0-cC.txt", null, 235.47, 3.67, 5.09, 10.226, 14.180)]
    public void A_stream_test_with_cpu_columns_gives_both_sides_utilisation_and_cpu_per_kib(
        string file, string? test, double mbps, double local, double remote, double localDemand, double remoteDemand)
    {
        var m = parser.ParseFixture(file);

        Assert.True(m.Valid, string.Join("; ", m.Problems));
        Assert.Equal(test, m.Metrics.GetValueOrDefault("test").Text);
        Assert.Equal(mbps, m.Number("throughput_mbps"));
        Assert.Equal(local, m.Number("local_cpu_percent"));
        Assert.Equal(remote, m.Number("remote_cpu_percent"));
        Assert.Equal(localDemand, m.Number("local_service_demand_us_per_kb"));
        Assert.Equal(remoteDemand, m.Number("remote_service_demand_us_per_kb"));
        Assert.Null(m.Number("local_service_demand_us_per_tr"));
        Assert.Equal("throughput_mbps", catalog.Headline(m.Metrics));
    }

    [Theory]
    [InlineData("l0/netperf-tcp-rr-cC.txt", 26585.25, 100.0, 100.0, 75.230, 75.230)]
    [InlineData("l0/netperf-tcp-rr-cC-p0.txt", 37459.53, 100.0, 100.0, 53.391, 53.391)]
    [InlineData("l0/netperf-tcp-rr-cC-keyval.txt", 35821.05, 100.0, 100.0, 55.833, 55.833)]
    [InlineData("l0/netperf-tcp-rr-cC-csv.txt", 20631.30, 100.0, 100.0, 96.940, 96.940)]
    [InlineData("l0/netperf-omni-rr-cC.txt", 20813.00, 100.0, 100.0, 96.094, 96.094)]
    [InlineData("l0/netperf-omni-rr-cC-p0-keyval.txt", 30359.84, 99.75, 99.75, 65.711, 65.711)]
    public void A_request_response_test_with_cpu_columns_gives_cpu_per_transaction(
        string file, double tps, double local, double remote, double localDemand, double remoteDemand)
    {
        var m = parser.ParseFixture(file);

        Assert.True(m.Valid, string.Join("; ", m.Problems));
        Assert.Equal("TCP_RR", m.Metrics["test"].Text);
        Assert.Equal(tps, m.Number("transactions_per_s"));
        Assert.Equal(local, m.Number("local_cpu_percent"));
        Assert.Equal(remote, m.Number("remote_cpu_percent"));
        Assert.Equal(localDemand, m.Number("local_service_demand_us_per_tr"));
        Assert.Equal(remoteDemand, m.Number("remote_service_demand_us_per_tr"));
        Assert.Null(m.Number("local_service_demand_us_per_kb"));
        Assert.Equal("transactions_per_s", catalog.Headline(m.Metrics));
    }

    [Fact]
    public void A_side_netperf_did_not_measure_prints_minus_one_and_has_no_metric()
    {
        var local = parser.ParseFixture("l0/netperf-tcp-stream-c.txt");   // -c only: remote "-1.00 … -1.000", "% U"
        var remote = parser.ParseFixture("l0/netperf-tcp-rr-C.txt");      // -C only

        Assert.Equal((100.0, 3.538), (local.Number("local_cpu_percent"), local.Number("local_service_demand_us_per_kb")));
        Assert.Null(local.Number("remote_cpu_percent"));
        Assert.Null(local.Number("remote_service_demand_us_per_kb"));
        Assert.Equal(61.843, remote.Number("remote_service_demand_us_per_tr"));
        Assert.Null(remote.Number("local_cpu_percent"));
    }

    [Fact]
    public void Classic_and_omni_outputs_of_one_test_give_the_same_metric_names()
    {
        // Omni's default columns show the socket sizes at the end of the test, not the classic line's: those are left
        // out; -k all names the sizes at the start (LSS_SIZE, RSR_SIZE), which are the classic line's.
        var classic = parser.ParseFixture("l0/netperf-tcp-stream-cC.txt").Metrics.Keys.ToHashSet();
        var all = parser.ParseFixture("l0/netperf-omni-stream-keyval-all.txt");

        Assert.Subset(classic, parser.ParseFixture("l0/netperf-omni-cC.txt").Metrics.Keys.ToHashSet());
        Assert.Subset(classic, all.Metrics.Keys.ToHashSet());
        Assert.Equal((16384.0, 131072.0, 16384.0), (all.Number("send_socket_bytes")!.Value, all.Number("recv_socket_bytes")!.Value, all.Number("send_message_bytes")!.Value));
    }

    [Theory]
    [InlineData("published/netperf-manual-omni-rr-keyval.txt", 59092.65)]
    [InlineData("published/netperf-manual-omni-rr-csv.txt", 60999.07)]
    [InlineData("published/netperf-manual-omni-rr-human.txt", 60492.57)]
    public void Netperf_2_5_omni_outputs_without_a_direction_in_the_banner_are_read_by_their_unit(string file, double tps)
    {
        var m = parser.ParseFixture(file);

        Assert.Equal(("TCP_RR", tps), (m.Metrics["test"].Text, m.Number("transactions_per_s")));
        Assert.DoesNotContain(m.Metrics.Keys, k => catalog.IsMechanism(k));
    }

    [Theory]
    [InlineData("l0/netperf-omni-udp-cC-keyval.txt", "an omni test over UDP")]
    [InlineData("l0/netperf-omni-rr-cC-p0-csv.txt", "without their line of column names (-P 0), 26 columns")]
    [InlineData("l0/netperf-tcp-rr-cC-no-proc.txt", "netperf failed: \"Cannot open /proc/stat!\"")]
    [InlineData("published/netperf-manual-udp-rr-cC.txt", "netperf test \"UDP REQUEST/RESPONSE\" is not one the lab parses")]
    [InlineData("published/netperf-manual-four-tcp-stream-p0-cC.txt", "4 netperf results in one file")]
    public void Outputs_the_lab_does_not_read_are_refused_saying_what_is_there(string file, string reason)
    {
        Assert.Contains(reason, parser.Unrecognised(SuiteFixtures.Read(file)));
    }

    [Theory]
    [InlineData("l0/netperf-tcp-stream-cC.txt", "131072  16384", "stops after the TCP_STREAM header (with its CPU utilisation and service demand columns)")]
    [InlineData("l0/netperf-tcp-rr-cC.txt", "16384  131072 1", "stops after the TCP_RR header (with its CPU utilisation and service demand columns)")]
    [InlineData("l0/netperf-tcp-stream-cC.txt", "   2.985   2.985", "has 7 numbers, not the 5 or 9 of TCP_STREAM")]
    [InlineData("l0/netperf-omni-cC.txt", "4194304 ", "the omni output stops after its 4 lines of column names")]
    [InlineData("l0/netperf-tcp-stream-cC-human.txt", "4194304 ", "stops after the TCP_STREAM header")]
    [InlineData("l0/netperf-omni-stream-cC-csv.txt", "6532.30", "stops after its column names (8 columns)")]
    [InlineData("l0/netperf-omni-stream-cC-keyval.txt", "THROUGHPUT_UNITS", "no THROUGHPUT with its THROUGHPUT_UNITS (it has THROUGHPUT)")]
    [InlineData("l0/netperf-tcp-rr-cC-keyval.txt", "THROUGHPUT=", "no THROUGHPUT with its THROUGHPUT_UNITS (it has LSS_SIZE_END, LSR_SIZE_END")]
    public void A_cut_off_output_is_refused_saying_where_it_stops(string file, string cutBefore, string reason)
    {
        var text = SuiteFixtures.Read(file);
        var cut = text[..text.IndexOf(cutBefore, StringComparison.Ordinal)];

        Assert.Contains(reason, parser.Unrecognised(cut));
    }

    [Fact]
    public void Cpu_and_service_demand_are_mechanism_metrics_that_are_shown_but_never_the_headline()
    {
        var cpu = catalog.Metrics.Where(m => m.Group == "CPU columns (-c -C)").ToList();

        Assert.Equal(6, cpu.Count);
        Assert.All(cpu, m => Assert.Equal((MetricKind.Mechanism, MetricRole.Shown, MetricDirection.LowerIsBetter), (m.Kind, m.Role, m.Direction)));
        Assert.Equal("µs/KiB", catalog.Find("remote_service_demand_us_per_kb")!.Unit);
        Assert.Equal("µs/transaction", catalog.Find("remote_service_demand_us_per_tr")!.Unit);
        Assert.All(SuiteRegistry.All.SelectMany(s => s.Catalog.Metrics), m => Assert.False(
            m.IsMechanism && m.Role == MetricRole.Headline, $"{m.Id} is a mechanism metric and a headline"));
    }
}
