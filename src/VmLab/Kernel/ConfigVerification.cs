namespace VmLab.Kernel;

/// <summary>An option a fragment asked for that the final <c>.config</c> does not have.</summary>
/// <param name="Symbol">The symbol, without <c>CONFIG_</c>.</param>
/// <param name="Requested">What the fragment asked for (<c>n</c> for "is not set").</param>
/// <param name="Actual">What olddefconfig produced, or null when the symbol is absent (a dependency is missing).</param>
/// <param name="Fragment">The fragment that asked (the last one, when several did).</param>
public sealed record ConfigMismatch(string Symbol, string Requested, string? Actual, string Fragment)
{
    public override string ToString() =>
        $"CONFIG_{Symbol}: {Fragment} asks for {Requested}, the .config has {Actual ?? "nothing (not visible: a dependency is off)"}";
}

/// <summary>
/// Checks that olddefconfig kept every option the fragments request. Kconfig silently drops an option whose
/// dependencies are off (VIRTIO_BLK without BLK_DEV); this catches it at build time instead of at boot.
/// </summary>
public static class ConfigVerification
{
    /// <summary>The mismatches, sorted by symbol; empty when the config is what was asked for.</summary>
    /// <param name="fragments">In merge order: a later fragment's value wins, as in merge_config.sh.</param>
    /// <param name="config">The final .config.</param>
    public static IReadOnlyList<ConfigMismatch> Check(IEnumerable<ConfigFragment> fragments, Kconfig config)
    {
        var wanted = new SortedDictionary<string, (string Value, string Fragment)>(StringComparer.Ordinal);
        foreach (var fragment in fragments)
        {
            foreach (var (symbol, value) in fragment.Requested.Values)
            {
                wanted[symbol] = (value, fragment.Name);
            }
        }

        var mismatches = new List<ConfigMismatch>();
        foreach (var (symbol, (value, fragment)) in wanted)
        {
            var actual = config[symbol];
            // "Not set" is satisfied by a symbol this kernel does not offer at all (one fragment, two kernel versions).
            var satisfied = value == "n" ? actual is null or "n" : actual == value;
            if (!satisfied)
            {
                mismatches.Add(new ConfigMismatch(symbol, value, actual, fragment));
            }
        }

        return mismatches;
    }
}
