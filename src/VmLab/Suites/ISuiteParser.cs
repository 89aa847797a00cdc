using System.Collections.Immutable;
using System.Globalization;

namespace VmLab.Suites;

/// <summary>
/// Turns one suite's raw output into a <see cref="Measurement"/>. One implementation per suite, one file each; what
/// the metrics mean (unit, direction, headline) is the suite's <see cref="MetricCatalog"/> in <see cref="SuiteRegistry"/>.
/// </summary>
public interface ISuiteParser
{
    /// <summary>The suite name: <c>hackbench</c>, <c>kernbench</c>, <c>netperf</c>, <c>ab</c>, <c>unixbench</c> or <c>console</c>.</summary>
    string Suite { get; }

    /// <summary>Parses <paramref name="text"/>; never throws on bad input, answers <see cref="ParseResult.Unrecognised"/> instead.</summary>
    ParseResult Parse(string text, ParseContext? context = null);
}

/// <summary>
/// What the lab knew when an output was produced, for checks the output alone cannot make: the values of the
/// <see cref="ParseOption"/>s its suite declares (<see cref="SuiteDefinition.ParseOptions"/>), by option name.
/// </summary>
public sealed class ParseContext
{
    private readonly ImmutableDictionary<string, string> _values;

    private ParseContext(ImmutableDictionary<string, string> values) => _values = values;

    /// <summary>Nothing known beyond the output itself.</summary>
    public static ParseContext None { get; } = new(ImmutableDictionary.Create<string, string>(StringComparer.Ordinal));

    /// <summary>This context with <paramref name="option"/> set to <paramref name="value"/>; null leaves it unset.</summary>
    public ParseContext With(ParseOption option, string? value) =>
        value is null ? this : new ParseContext(_values.SetItem(option.Name, value));

    /// <inheritdoc cref="With(ParseOption, string?)"/>
    public ParseContext With(ParseOption option, long? value) =>
        With(option, value?.ToString(CultureInfo.InvariantCulture));

    /// <summary>The value given for <paramref name="option"/>, or null.</summary>
    public string? Text(ParseOption option) => _values.GetValueOrDefault(option.Name);

    /// <summary>The integer value given for <paramref name="option"/>, or null (values are checked when given: <see cref="ParseOption.Check"/>).</summary>
    public long? Integer(ParseOption option) =>
        Text(option) is { } text && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
