using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VmLab.Suites;

/// <summary>
/// One parsed value: a number (most metrics) or a text (netperf's <c>test</c>, hackbench's <c>mode</c>).
/// Serialises as a bare JSON number or string so results.json reads naturally.
/// </summary>
[JsonConverter(typeof(MetricValueJsonConverter))]
public readonly record struct MetricValue
{
    private MetricValue(double? number, string? text) => (Number, Text) = (number, text);

    /// <summary>The numeric value, when this metric is a number.</summary>
    public double? Number { get; }

    /// <summary>The text value, when this metric is a label.</summary>
    public string? Text { get; }

    public bool IsNumber => Number.HasValue;

    public static MetricValue Of(double number) => new(number, null);

    public static MetricValue Of(string text) => new(null, text ?? throw new ArgumentNullException(nameof(text)));

    public static implicit operator MetricValue(double number) => Of(number);

    public static implicit operator MetricValue(string text) => Of(text);

    public override string ToString() =>
        Number is { } n ? n.ToString("R", CultureInfo.InvariantCulture) : Text!;
}

internal sealed class MetricValueJsonConverter : JsonConverter<MetricValue>
{
    public override MetricValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            // 1e400 or a 400-digit number reads as infinity, which no statistic can use and JSON cannot write back.
            JsonTokenType.Number => reader.TryGetDouble(out var number) && double.IsFinite(number)
                ? MetricValue.Of(number)
                : throw new JsonException($"A metric is a finite number or a string; {RawOutput.Shorten(Encoding.UTF8.GetString(reader.ValueSpan))} is out of range."),
            JsonTokenType.String => MetricValue.Of(reader.GetString()!),
            _ => throw new JsonException($"A metric is a number or a string, not {reader.TokenType}."),
        };

    public override void Write(Utf8JsonWriter writer, MetricValue value, JsonSerializerOptions options)
    {
        if (value.Number is { } n)
        {
            writer.WriteNumberValue(n);
        }
        else
        {
            writer.WriteStringValue(value.Text);
        }
    }
}
