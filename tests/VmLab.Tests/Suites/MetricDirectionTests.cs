using VmLab.Suites;

namespace VmLab.Tests.Suites;

public sealed class MetricDirectionTests
{
    [Theory]
    [InlineData("hackbench", "time_s", MetricDirection.LowerIsBetter)]
    [InlineData("hackbench", "tasks", MetricDirection.None)]
    [InlineData("hackbench", "mode", MetricDirection.None)]
    [InlineData("kernbench", "elapsed_s", MetricDirection.LowerIsBetter)]
    [InlineData("kernbench", "user_s", MetricDirection.LowerIsBetter)]
    [InlineData("kernbench", "elapsed_s_sd", MetricDirection.None)]
    [InlineData("kernbench", "cpu_percent", MetricDirection.None)]
    [InlineData("netperf", "throughput_mbps", MetricDirection.HigherIsBetter)]
    [InlineData("netperf", "transactions_per_s", MetricDirection.HigherIsBetter)]
    [InlineData("netperf", "test", MetricDirection.None)]
    [InlineData("netperf", "elapsed_s", MetricDirection.None)]
    [InlineData("ab", "requests_per_s", MetricDirection.HigherIsBetter)]
    [InlineData("ab", "transfer_rate_kbps", MetricDirection.HigherIsBetter)]
    [InlineData("ab", "time_per_request_ms", MetricDirection.LowerIsBetter)]
    [InlineData("ab", "total_mean", MetricDirection.LowerIsBetter)]
    [InlineData("ab", "p99_ms", MetricDirection.LowerIsBetter)]
    [InlineData("ab", "connect_sd", MetricDirection.None)]
    [InlineData("ab", "document_length", MetricDirection.None)]
    [InlineData("ab", "non2xx_responses", MetricDirection.LowerIsBetter)]
    [InlineData("unixbench", "index_score", MetricDirection.HigherIsBetter)]
    [InlineData("unixbench", "c2_index_score", MetricDirection.HigherIsBetter)]
    [InlineData("unixbench", "shell_scripts_8_concurrent_index", MetricDirection.HigherIsBetter)]
    [InlineData("unixbench", "execl_throughput_result", MetricDirection.HigherIsBetter)]
    [InlineData("console", "rcu_stalls", MetricDirection.LowerIsBetter)]
    [InlineData("console", "panics", MetricDirection.LowerIsBetter)]
    [InlineData("console", "no_such_metric", MetricDirection.None)]
    public void Each_metric_says_which_way_is_better(string suite, string metric, MetricDirection expected) =>
        Assert.Equal(expected, SuiteParsers.Direction(suite, metric));

    [Fact]
    public void Every_suite_has_a_performance_metric_with_a_direction_in_its_fixtures()
    {
        var directed = SuiteFixtures.Results
            .Select(r => (string)r.Data)
            .SelectMany(f =>
            {
                var parser = SuiteParsers.Get(SuiteFixtures.SuiteOf(f));
                return parser.ParseFixture(f).Metrics.Keys.Where(k => SuiteParsers.Direction(parser.Suite, k) != MetricDirection.None).Select(_ => parser.Suite);
            })
            .ToHashSet();

        Assert.Equal(SuiteParsers.Names.ToHashSet(), directed);
    }

    [Fact]
    public void Unknown_suites_are_named_in_the_error()
    {
        var e = Assert.Throws<ArgumentException>(() => SuiteParsers.Get("lmbench"));
        Assert.Contains("hackbench, kernbench, netperf, ab, unixbench, console", e.Message);
        Assert.Null(SuiteParsers.Find("lmbench"));
        Assert.Same(SuiteParsers.Get("ab"), SuiteParsers.Find("AB"));
    }
}
