using VmLab.Kernel;

namespace VmLab.Report;

/// <summary>
/// Whether a run's kernels differ only in the study's factor, said from its <c>kernel/config.diff</c> as the kernel
/// stage wrote it (read back with <see cref="ConfigDiff.Parse"/>).
/// </summary>
public static class ConfigDiffVerdict
{
    /// <summary>The verdict on <paramref name="diffText"/>; null when the run directory has no config.diff.</summary>
    public static string Of(string? diffText)
    {
        if (diffText is null)
        {
            return $"This run directory has no kernel/config.diff, so it cannot show that host and guest kernels differ only in {ConfigDiff.StudyFactor}.";
        }

        // The kernel stage's own rule (ConfigDiff.Violations): options only the host has are what the factor selects
        // there (VHOST_NET selects VHOST and VHOST_IOTLB), not a second difference.
        var diff = ConfigDiff.Parse(diffText);
        var selected = diff.Differences.Where(d => d.Symbol != diff.Factor && !diff.Violations.Contains(d)).Select(d => "CONFIG_" + d.Symbol).ToList();
        return diff.Differences.Count == 0 ? $"The host and guest kernel configs are identical: {diff.Factor} does not differ, contrary to the study's setup."
            : diff.Violations.Count > 0 ? $"Options other than {diff.Factor} differ between host and guest: {string.Join(", ", diff.Violations.Select(d => d.Symbol))}."
            : !diff.HasFactor ? $"CONFIG_{diff.Factor} does not differ between host and guest, contrary to the study's setup (the only differences: {string.Join(", ", selected)})."
            : selected.Count == 0 ? $"Only CONFIG_{diff.Factor} differs between the host and guest kernels, as the study requires."
            : $"Only CONFIG_{diff.Factor} differs between the host and guest kernels, as the study requires, with what it selects on the host: {string.Join(", ", selected)}.";
    }
}
