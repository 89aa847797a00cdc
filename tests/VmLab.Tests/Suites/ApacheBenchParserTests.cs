using VmLab.Suites;

namespace VmLab.Tests.Suites;

public sealed class ApacheBenchParserTests
{
    private readonly ApacheBenchParser parser = new();

    [Theory]
    [InlineData("seed-2023/q3-guest-vhost-off-ab.txt")]
    [InlineData("seed-2023/q3-baseline-ab.txt")]
    [InlineData("seed-2023/q4-baseline-ab.txt")]
    public void The_2023_guest_results_were_404_pages_and_are_invalid(string file)
    {
        var m = parser.ParseFixture(file);

        Assert.False(m.Valid);
        Assert.Equal(["100000 of 100000 responses were non-2xx: the document is missing on the server"], m.Problems);
        Assert.Equal(100000, m.Number("non2xx_responses"));
        Assert.Equal(278, m.Number("document_length"));
    }

    [Fact]
    public void The_vhost_off_block_keeps_every_number_even_though_it_is_invalid()
    {
        var m = parser.ParseFixture("seed-2023/q3-guest-vhost-off-ab.txt");

        Assert.Equal(100000, m.Number("complete_requests"));
        Assert.Equal(0, m.Number("failed_requests"));
        Assert.Equal(151.84, m.Number("requests_per_s"));
        Assert.Equal(658.589, m.Number("time_per_request_ms"));
        Assert.Equal(67.91, m.Number("transfer_rate_kbps"));
        Assert.Equal(2, m.Number("connect_min"));
        Assert.Equal(28, m.Number("connect_mean"));
        Assert.Equal(30.0, m.Number("connect_sd"));
        Assert.Equal(17, m.Number("connect_median"));
        Assert.Equal(580, m.Number("connect_max"));
        Assert.Equal(495.1, m.Number("total_sd"));
        Assert.Equal(544, m.Number("p50_ms"));
        Assert.Equal(2576, m.Number("p99_ms"));
        Assert.Equal(7570, m.Number("p100_ms"));
    }

    [Fact]
    public void The_host_served_the_real_document_and_is_valid_also_against_its_expected_length()
    {
        var m = parser.ParseFixture("seed-2023/q4-host-ab.txt", ParseContext.None.With(ApacheBenchParser.ExpectedLength, 41288));

        Assert.True(m.Valid, string.Join("; ", m.Problems));
        Assert.Equal(0, m.Number("non2xx_responses"));
        Assert.Equal(71.48, m.Number("requests_per_s"));
        Assert.Equal(1398.901, m.Number("time_per_request_ms"));
        Assert.Equal(10317, m.Number("total_max"));
        Assert.Null(m.Number("p50_ms"));
    }

    [Fact]
    public void A_document_length_other_than_the_expected_one_makes_the_run_invalid()
    {
        var m = parser.ParseFixture("seed-2023/q3-guest-vhost-off-ab.txt", ParseContext.None.With(ApacheBenchParser.ExpectedLength, 41288));

        Assert.Contains("the server sent a 278-byte document, expected 41288 bytes: it served something else (an error page?)", m.Problems);
        Assert.Equal(2, m.Problems.Count);
    }

    [Fact]
    public void A_stray_summary_line_appended_to_a_real_run_is_not_accepted()
    {
        // ab output with a stray 'Requests per second:' line appended was accepted as valid (issue 16, item 8).
        var text = Fixture.Read("l0", "ab-n2000-c20-document.txt") + "Requests per second:    99999.99 [#/sec] (mean)\n";

        var result = parser.Parse(text);

        Assert.False(result.Recognised && result.Measurement!.Problems.Count == 0);
        Assert.Contains("Requests per second", result.UnrecognisedReason);
    }

    [Fact]
    public void A_real_local_run_against_an_existing_document_is_valid()
    {
        var m = parser.ParseFixture("l0/ab-n2000-c20-document.txt", ParseContext.None.With(ApacheBenchParser.ExpectedLength, 10701));

        Assert.True(m.Valid, string.Join("; ", m.Problems));
        Assert.Equal(2000, m.Number("complete_requests"));
        Assert.Equal(10701, m.Number("document_length"));
        Assert.All(new[] { 50, 66, 75, 80, 90, 95, 98, 99, 100 }, p => Assert.NotNull(m.Number($"p{p}_ms")));
    }

    [Fact]
    public void A_real_local_run_against_a_missing_document_repeats_the_2023_mistake_and_is_invalid()
    {
        var m = parser.ParseFixture("l0/ab-n2000-c20-missing-404.txt");

        Assert.Equal(["2000 of 2000 responses were non-2xx: the document is missing on the server"], m.Problems);
    }

    [Fact]
    public void Failed_requests_make_the_run_invalid_with_abs_breakdown()
    {
        var m = parser.ParseFixture("l0/ab-n2000-c20-changing-document.txt");

        Assert.Equal(["1026 of 2000 requests failed (Connect: 0, Receive: 0, Length: 1026, Exceptions: 0)"], m.Problems);
        Assert.Equal(1026, m.Number("failed_requests"));
    }

    [Theory]
    [InlineData("seed-2023/q2-baseline-ab-1.txt", 868)]
    [InlineData("seed-2023/q2-guest-thp-never-ab-3.txt", 830)]
    [InlineData("seed-2023/q3-baseline-ab-c1.txt", 11)]
    public void Partial_outputs_with_only_the_connection_times_are_read_but_cannot_be_trusted(string file, double totalMean)
    {
        var m = parser.ParseFixture(file);

        Assert.False(m.Valid);
        Assert.Single(m.Problems);
        Assert.StartsWith("partial ab output", m.Problems[0]);
        Assert.Equal(totalMean, m.Number("total_mean"));
        Assert.Equal(20, m.Metrics.Count);
        Assert.Null(m.Number("complete_requests"));
    }

    [Theory]
    [InlineData("Requests per second:")]
    [InlineData("Connection Times (ms)")]
    [InlineData("Waiting:")]
    [InlineData(" 100%")]
    public void Output_cut_anywhere_in_the_summary_or_tables_is_unrecognised(string cutBefore)
    {
        var text = SuiteFixtures.Read("l0/ab-n2000-c20-document.txt");
        var cut = text[..text.IndexOf(cutBefore, StringComparison.Ordinal)];

        Assert.Contains("cut off", parser.Unrecognised(cut));
    }

    [Fact]
    public void Output_cut_while_benchmarking_is_unrecognised()
    {
        var text = SuiteFixtures.Read("l0/ab-n2000-c20-document.txt");
        var cut = text[..text.IndexOf("Completed 1000 requests", StringComparison.Ordinal)];

        Assert.Contains("stopped before its summary", parser.Unrecognised(cut));
    }

    [Fact]
    public void A_refused_connection_is_an_error_not_a_result()
    {
        var reason = parser.Unrecognised(SuiteFixtures.Read("l0/ab-connection-refused.txt"));

        Assert.Contains("apr_socket_recv: Connection refused (111)", reason);
    }

    [Fact]
    public void Two_runs_in_one_file_are_refused_rather_than_mixed()
    {
        var text = SuiteFixtures.Read("seed-2023/q2-baseline-ab-1.txt") + "\n" + SuiteFixtures.Read("seed-2023/q2-baseline-ab-2.txt");

        Assert.Contains("2 ab runs", parser.Unrecognised(text));
    }
}
