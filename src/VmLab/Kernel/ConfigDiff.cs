using System.Text;
using System.Text.RegularExpressions;

namespace VmLab.Kernel;

/// <summary>One symbol whose value differs between the host and the guest <c>.config</c> (null = absent).</summary>
public sealed record ConfigDifference(string Symbol, string? Guest, string? Host)
{
    /// <summary>In the form of the kernel's scripts/diffconfig: <c>-SYM old</c>, <c>+SYM new</c>, <c> SYM old -> new</c>.</summary>
    public override string ToString() => (Guest, Host) switch
    {
        (null, { } h) => $"+{Symbol} {h}",
        ({ } g, null) => $"-{Symbol} {g}",
        _ => $" {Symbol} {Guest} -> {Host}",
    };
}

/// <summary>
/// The host/guest config difference and the study's rule for it: the two kernels share one config "except
/// VHOST_NET", so the diff may hold VHOST_NET and symbols that exist only because of it (present in the host's
/// .config, absent from the guest's, e.g. VHOST and VHOST_IOTLB that VHOST_NET selects). A symbol present in both
/// with different values, or only in the guest, is a second difference and breaks the comparison.
/// </summary>
public sealed partial record ConfigDiff(IReadOnlyList<ConfigDifference> Differences, string Factor)
{
    /// <summary>The symbol the study varies between host and guest.</summary>
    public const string StudyFactor = "VHOST_NET";

    public static ConfigDiff Compute(Kconfig guest, Kconfig host, string factor = StudyFactor)
    {
        var symbols = new SortedSet<string>(guest.Values.Keys, StringComparer.Ordinal);
        symbols.UnionWith(host.Values.Keys);
        var differences = symbols
            .Select(s => new ConfigDifference(s, guest[s], host[s]))
            .Where(d => d.Guest != d.Host)
            .ToList();
        return new ConfigDiff(differences, factor);
    }

    /// <summary>Differences the rule does not allow; empty when the kernels differ only by the factor.</summary>
    public IReadOnlyList<ConfigDifference> Violations =>
        Differences.Where(d => d.Symbol != Factor && !(d.Guest is null && d.Host is not null)).ToList();

    /// <summary>True when the factor itself differs (a diff without it means the fragments did not apply).</summary>
    public bool HasFactor => Differences.Any(d => d.Symbol == Factor);

    /// <summary>
    /// Reads a <c>config.diff</c> back: <see cref="Render"/>'s scripts/diffconfig notation (<c>+SYM y</c>, <c>-SYM m</c>,
    /// <c> SYM n -> y</c>) or a unified diff of two <c>.config</c> files (<c>-CONFIG_SYM=m</c>,
    /// <c>+# CONFIG_SYM is not set</c>; <c>-</c> is the guest's side). Headers, hunks, comments and context lines are skipped.
    /// </summary>
    public static ConfigDiff Parse(string text, string factor = StudyFactor)
    {
        var differences = new Dictionary<string, ConfigDifference>(StringComparer.Ordinal);
        var (guest, host) = (new List<string>(), new List<string>());
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            if (line.StartsWith("---", StringComparison.Ordinal) || line.StartsWith("+++", StringComparison.Ordinal))
            {
                continue;
            }

            if (line.Length > 1 && line[0] is ('-' or '+') && line[1..].TrimStart() is var rest && (rest.StartsWith("CONFIG_", StringComparison.Ordinal) || rest.StartsWith('#')))
            {
                (line[0] == '-' ? guest : host).Add(rest);
            }
            else if (DiffconfigLine().Match(line) is { Success: true } m)
            {
                var symbol = m.Groups["symbol"].Value;
                differences[symbol] = m.Groups["sign"].Value switch
                {
                    "+" => new ConfigDifference(symbol, null, m.Groups["value"].Value),
                    "-" => new ConfigDifference(symbol, m.Groups["value"].Value, null),
                    _ => new ConfigDifference(symbol, m.Groups["value"].Value, m.Groups["to"].Value),
                };
            }
        }

        foreach (var difference in Compute(Kconfig.Parse(string.Join('\n', guest)), Kconfig.Parse(string.Join('\n', host)), factor).Differences)
        {
            differences[difference.Symbol] = difference;
        }

        return new ConfigDiff([.. differences.Values.OrderBy(d => d.Symbol, StringComparer.Ordinal)], factor);
    }

    /// <summary>The text saved as <c>config.diff</c> (guest → host), for the report.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        text.Append("# VmLab kernel config diff: guest .config -> host .config (scripts/diffconfig notation)\n");
        foreach (var difference in Differences)
        {
            text.Append(difference).Append('\n');
        }

        return text.ToString();
    }

    // ConfigDifference.ToString's three forms: "+SYM new", "-SYM old", " SYM old -> new".
    [GeneratedRegex(@"^(?:(?<sign>[-+])(?<symbol>[A-Za-z0-9_]+) (?<value>.*)|(?<sign> )(?<symbol>[A-Za-z0-9_]+) (?<value>\S*) -> (?<to>.*))$")]
    private static partial Regex DiffconfigLine();
}
