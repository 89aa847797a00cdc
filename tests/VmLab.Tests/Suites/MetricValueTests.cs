using System.Text.Json;
using VmLab.Suites;

namespace VmLab.Tests.Suites;

public sealed class MetricValueTests
{
    [Fact]
    public void Numbers_and_texts_serialise_as_bare_json_values_and_read_back()
    {
        var metrics = new SortedDictionary<string, MetricValue>(StringComparer.Ordinal)
        {
            ["test"] = "TCP_RR",
            ["transactions_per_s"] = 616.62,
        };

        var json = JsonSerializer.Serialize(metrics);
        Assert.Equal("""{"test":"TCP_RR","transactions_per_s":616.62}""", json);

        var back = JsonSerializer.Deserialize<SortedDictionary<string, MetricValue>>(json)!;
        Assert.Equal("TCP_RR", back["test"].Text);
        Assert.Equal(616.62, back["transactions_per_s"].Number);
    }

    [Fact]
    public void A_json_object_is_not_a_metric()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<MetricValue>("{}"));
    }
}
