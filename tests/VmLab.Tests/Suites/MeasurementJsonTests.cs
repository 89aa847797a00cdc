using System.Text.Json;
using VmLab.Suites;

namespace VmLab.Tests.Suites;

public sealed class MeasurementJsonTests
{
    [Fact]
    public void A_measurement_reads_back_from_its_json_with_metrics_and_problems_intact()
    {
        var original = new ApacheBenchParser().ParseFixture("seed-2023/q3-guest-vhost-off-ab.txt");

        var back = JsonSerializer.Deserialize<Measurement>(original.ToJson())!;

        Assert.Equal(original.Suite, back.Suite);
        Assert.Equal(original.Metrics, back.Metrics);
        Assert.Equal(original.Problems, back.Problems);
        Assert.False(back.Valid);
    }

    [Fact]
    public void Problems_keep_their_quotes_readable()
    {
        var json = new ConsoleLogParser().ParseFixture("seed-2023/q1-console-rcu-stall.txt").ToJson();

        Assert.Contains("first at line 1: \\\"[  247.919034] rcu: INFO:", json);
        Assert.DoesNotContain("\\u0022", json);
    }
}
