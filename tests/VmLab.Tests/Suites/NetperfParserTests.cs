using VmLab.Suites;

namespace VmLab.Tests.Suites;

public sealed class NetperfParserTests
{
    private readonly NetperfParser parser = new();

    [Theory]
    [InlineData("seed-2023/q3-guest-vhost-off-netperf-tcp-stream.txt", 10.04, 914.60)]
    [InlineData("seed-2023/q3-baseline-netperf-tcp-stream.txt", 10.06, 779.52)]
    [InlineData("seed-2023/q4-host-netperf-tcp-stream.txt", 10.02, 213.18)]
    [InlineData("l0/netperf-tcp-stream.txt", 2.00, 17861.38)]
    public void Stream_with_full_or_shortened_banner(string file, double seconds, double mbps)
    {
        var m = parser.ParseFixture(file);

        Assert.True(m.Valid);
        Assert.Equal("TCP_STREAM", m.Metrics["test"].Text);
        Assert.Equal(seconds, m.Number("elapsed_s"));
        Assert.Equal(mbps, m.Number("throughput_mbps"));
        Assert.Equal(131072, m.Number("recv_socket_bytes"));
        Assert.Equal(16384, m.Number("send_socket_bytes"));
        Assert.Equal(16384, m.Number("send_message_bytes"));
        Assert.Null(m.Number("transactions_per_s"));
    }

    [Theory]
    [InlineData("seed-2023/q3-guest-vhost-off-netperf-tcp-rr.txt", 413.50)]
    [InlineData("seed-2023/q3-baseline-netperf-tcp-rr.txt", 616.62)]
    [InlineData("seed-2023/q4-host-netperf-tcp-rr.txt", 588.80)]
    [InlineData("seed-2023/q4-baseline-netperf-tcp-rr.txt", 612.39)]
    [InlineData("l0/netperf-tcp-rr.txt", 73590.98)]
    [InlineData("l0/netperf-tcp-rr-p0.txt", 72910.35)]
    public void Request_response_with_banner_or_p0_gives_the_transaction_rate(string file, double tps)
    {
        var m = parser.ParseFixture(file);

        Assert.True(m.Valid);
        Assert.Equal("TCP_RR", m.Metrics["test"].Text);
        Assert.Equal(tps, m.Number("transactions_per_s"));
        Assert.Equal(16384, m.Number("local_send_socket_bytes"));
        Assert.Equal(131072, m.Number("local_recv_socket_bytes"));
        Assert.Equal(1, m.Number("request_bytes"));
        Assert.Equal(1, m.Number("response_bytes"));
        Assert.Equal(16384, m.Number("remote_send_socket_bytes"));
        Assert.Equal(131072, m.Number("remote_recv_socket_bytes"));
        Assert.Null(m.Number("throughput_mbps"));
    }

    [Fact]
    public void Maerts_is_named_from_its_banner()
    {
        var m = parser.ParseFixture("l0/netperf-tcp-maerts.txt");

        Assert.Equal("TCP_MAERTS", m.Metrics["test"].Text);
        Assert.Equal(19524.97, m.Number("throughput_mbps"));
    }

    [Fact]
    public void P0_stream_output_cannot_tell_stream_from_maerts_so_the_test_comes_from_the_caller()
    {
        var text = SuiteFixtures.Read("l0/netperf-tcp-maerts-p0.txt");

        var unnamed = parser.Recognised(text);
        var named = parser.Recognised(text, ParseContext.None.With(NetperfParser.Test, "tcp_maerts"));

        Assert.False(unnamed.Metrics.ContainsKey("test"));
        Assert.Equal(19880.96, unnamed.Number("throughput_mbps"));
        Assert.Equal("TCP_MAERTS", named.Metrics["test"].Text);
    }

    [Fact]
    public void A_caller_naming_rr_for_a_stream_line_is_contradicted_by_the_columns()
    {
        var reason = parser.Unrecognised(SuiteFixtures.Read("l0/netperf-tcp-stream-p0.txt"), ParseContext.None.With(NetperfParser.Test, "TCP_RR"));

        Assert.Contains("5 numbers", reason);
    }

    [Theory]
    [InlineData("l0/netperf-tcp-stream-fg.txt", 29000.0)]          // 29.00 10^9bits/s
    [InlineData("l0/netperf-tcp-stream-fM.txt", 29915.621622)]     // 3566.22 MBytes/s × 2^20 × 8 / 10^6
    public void Other_units_are_converted_to_megabits(string file, double mbps)
    {
        Assert.Equal(mbps, parser.ParseFixture(file).Number("throughput_mbps"));
    }

    [Fact]
    public void A_banner_without_its_result_line_is_a_cut_off_run()
    {
        var text = SuiteFixtures.Read("l0/netperf-tcp-stream.txt");
        var cut = text[..text.IndexOf("131072  16384", StringComparison.Ordinal)];

        Assert.Contains("cut off", parser.Unrecognised(cut));
    }

    [Fact]
    public void A_result_line_cut_mid_way_is_unrecognised()
    {
        var text = SuiteFixtures.Read("l0/netperf-tcp-stream.txt");
        var cut = text[..(text.LastIndexOf("2.00", StringComparison.Ordinal) + 4)];

        Assert.Contains("4 numbers", parser.Unrecognised(cut));
    }

    [Fact]
    public void An_rr_result_without_its_remote_socket_line_is_cut_off()
    {
        var text = SuiteFixtures.Read("seed-2023/q3-baseline-netperf-tcp-rr.txt").TrimEnd();
        var cut = text[..text.LastIndexOf('\n')];

        Assert.Contains("remote socket line", parser.Unrecognised(cut));
    }

    [Fact]
    public void No_netserver_is_an_error_not_a_result()
    {
        var reason = parser.Unrecognised(SuiteFixtures.Read("l0/netperf-closed-port.txt"));

        Assert.Contains("are you sure there is a netserver listening on 127.0.0.1 at port 12866?", reason);
    }

    [Fact]
    public void A_data_connection_failure_after_the_banner_is_an_error_not_a_result()
    {
        // netperf 2.7 prints the banner, then perror("netperf: send_omni: connect_data_socket failed") and exits 1
        // (nettest_omni.c) when the data connection is refused; loopback cannot be made to refuse it, so the real
        // banner is followed by that line here.
        var banner = SuiteFixtures.Read("l0/netperf-tcp-stream.txt");
        var text = banner[..banner.IndexOf("131072  16384", StringComparison.Ordinal)]
                   + "netperf: send_omni: connect_data_socket failed: Connection refused\n";

        Assert.Contains("connect_data_socket failed", parser.Unrecognised(text));
    }

    [Fact]
    public void A_test_the_lab_does_not_parse_is_refused_by_name()
    {
        Assert.Contains("UDP STREAM", parser.Unrecognised(SuiteFixtures.Read("l0/netperf-udp-stream.txt")));
    }

    [Fact]
    public void Two_tests_in_one_file_are_refused()
    {
        var text = SuiteFixtures.Read("l0/netperf-tcp-stream.txt") + SuiteFixtures.Read("l0/netperf-tcp-rr.txt");

        Assert.Contains("2 netperf tests", parser.Unrecognised(text));
    }
}
