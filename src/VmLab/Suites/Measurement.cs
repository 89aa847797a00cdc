using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VmLab.Suites;

/// <summary>
/// What one benchmark output says, in the lab's metric names, plus everything that makes it untrustworthy.
/// A measurement with problems is still kept (raw data is never thrown away) but is <see cref="Valid"/> = false.
/// Serialises as <c>{"suite": ..., "metrics": {...}, "valid": ..., "problems": [...]}</c>.
/// </summary>
/// <param name="Suite">The suite name as used on the command line and in results.json (e.g. <c>ab</c>).</param>
/// <param name="Metrics">Metric name → value, names exactly as documented per suite, ordinal-sorted.</param>
/// <param name="Problems">Validity problems in plain words; empty when the run can be trusted.</param>
public sealed record Measurement(
    [property: JsonPropertyName("suite"), JsonPropertyOrder(0)] string Suite,
    [property: JsonPropertyName("metrics"), JsonPropertyOrder(1)] IReadOnlyDictionary<string, MetricValue> Metrics,
    [property: JsonPropertyName("problems"), JsonPropertyOrder(3)] IReadOnlyList<string> Problems)
{
    // Relaxed escaping keeps quotes and non-ASCII readable in problems ("\u0022" helps nobody reading results.json).
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>True when nothing makes the numbers untrustworthy.</summary>
    [JsonPropertyName("valid")]
    [JsonPropertyOrder(2)]
    public bool Valid => Problems.Count == 0;

    /// <summary>The numeric value of <paramref name="metric"/>, or null when absent or not a number.</summary>
    public double? Number(string metric) => Metrics.TryGetValue(metric, out var v) ? v.Number : null;

    /// <summary>The measurement as indented JSON, the shape <c>vmlab parse --json</c> prints.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Indented);
}
