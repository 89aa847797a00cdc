using System.Globalization;

namespace VmLab.Suites;

/// <summary>
/// An option of <c>vmlab parse</c> that one suite declares with its registry entry (<see cref="SuiteDefinition.ParseOptions"/>),
/// e.g. ab's <c>--expected-length BYTES</c>: something the lab knew when the output was produced that the output
/// alone cannot say. The parser reads its value from the <see cref="ParseContext"/>; the command line takes it as
/// <see cref="Flag"/> and checks it with <see cref="Check"/>, so a new suite with an option touches only its own
/// folder and its registry line.
/// </summary>
/// <param name="Name">The option's name without dashes (<c>expected-length</c>).</param>
/// <param name="ValueName">What the value is, for the help (<c>BYTES</c>).</param>
/// <param name="Description">One line of help.</param>
/// <param name="Validate">Null when a value is acceptable, else why not.</param>
public sealed record ParseOption(string Name, string ValueName, string Description, Func<string, string?> Validate)
{
    /// <summary>The option as typed: <c>--expected-length</c>.</summary>
    public string Flag => "--" + Name;

    /// <summary>How the help shows it: <c>--expected-length &lt;BYTES&gt;</c>.</summary>
    public string Usage => $"{Flag} <{ValueName}>";

    /// <summary>Null when <paramref name="value"/> is acceptable, else one line saying what is expected.</summary>
    public string? Check(string value) => Validate(value) is { } why ? $"{Flag} {value}: {why}" : null;

    /// <summary>An option whose value is a whole number of at least <paramref name="minimum"/>.</summary>
    public static ParseOption Integer(string name, string valueName, string description, long minimum = 0) =>
        new(name, valueName, description, v =>
            long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= minimum
                ? null
                : $"expected a whole number of at least {minimum.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>An option whose value is free text (the parser says what it does not recognise).</summary>
    public static ParseOption Text(string name, string valueName, string description) =>
        new(name, valueName, description, v => string.IsNullOrWhiteSpace(v) ? "expected a value" : null);
}
