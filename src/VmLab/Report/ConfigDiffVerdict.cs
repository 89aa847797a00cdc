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

        var diff = ConfigDiff.Parse(diffText);
        var others = diff.Differences.Select(d => d.Symbol).Where(s => s != diff.Factor).ToList();
        return diff.Differences.Count == 0 ? $"The host and guest kernel configs are identical: {diff.Factor} does not differ, contrary to the study's setup."
            : others.Count == 0 ? $"Only CONFIG_{diff.Factor} differs between the host and guest kernels, as the study requires."
            : $"Options other than {diff.Factor} differ between host and guest: {string.Join(", ", others)}.";
    }
}
