using System.Text.Json.Serialization;

namespace VmLab.Counters;

/// <summary>
/// One unit's counters in every layer (docs/PROTOCOL.md, "Counters"): each a difference between the unit's start and
/// its end, by name (<see cref="CounterCatalog"/> says what each name is and its unit). A counter the kernel lacks, a
/// thread that ended during the unit, a layer that could not be read, is in <see cref="Unavailable"/> with the
/// reason, never in <see cref="Values"/>: every name the catalog expects for the unit's layers is in one of the two.
/// </summary>
/// <param name="Values">Name → the difference over the unit (or, for a level such as <c>sys.anon_huge_kb</c>, its value at the end).</param>
/// <param name="Unavailable">Name → why it has no value.</param>
public sealed record UnitCounters(IReadOnlyDictionary<string, double> Values, IReadOnlyDictionary<string, string> Unavailable)
{
    /// <summary>The counters of both, <paramref name="other"/>'s winning where a name is in both.</summary>
    public UnitCounters With(UnitCounters? other)
    {
        if (other is null)
        {
            return this;
        }

        var set = new CounterSet();
        foreach (var (name, value) in Values)
        {
            set.Add(name, value);
        }

        foreach (var (name, why) in Unavailable)
        {
            set.Missing(name, why);
        }

        foreach (var (name, value) in other.Values)
        {
            set.Add(name, value);
        }

        foreach (var (name, why) in other.Unavailable)
        {
            set.Missing(name, why);
        }

        return set.ToCounters();
    }

    /// <summary>How many counters have a value and how many do not, for the lab's log.</summary>
    [JsonIgnore]
    public string Summary => $"{Values.Count} counters, {Unavailable.Count} unavailable";
}

/// <summary>Collects a unit's counters: a value replaces a reason for the same name, and the other way round.</summary>
public sealed class CounterSet
{
    private readonly SortedDictionary<string, double> _values = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, string> _unavailable = new(StringComparer.Ordinal);

    public void Add(string name, double value)
    {
        _values[name] = Math.Round(value, 6);
        _unavailable.Remove(name);
    }

    public void Missing(string name, string why)
    {
        _unavailable[name] = why;
        _values.Remove(name);
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public double? Get(string name) => _values.TryGetValue(name, out var v) ? v : null;

    public UnitCounters ToCounters() => new(
        new SortedDictionary<string, double>(_values, StringComparer.Ordinal),
        new SortedDictionary<string, string>(_unavailable, StringComparer.Ordinal));
}
