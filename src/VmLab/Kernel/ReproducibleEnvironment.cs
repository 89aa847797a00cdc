using System.Globalization;

namespace VmLab.Kernel;

/// <summary>
/// The environment that makes the Image depend only on its inputs (kernel docs, "Reproducible builds"):
/// fixed build timestamp, user, host and build number, and file paths mapped out of the compiler's output.
/// </summary>
/// <param name="Timestamp">The build date: the source's own (its top-level Makefile's mtime in the tarball), never "now".</param>
/// <param name="SourceDir">The absolute source path, mapped to <c>.</c> by <c>-ffile-prefix-map</c>.</param>
public sealed record ReproducibleEnvironment(DateTimeOffset Timestamp, string SourceDir)
{
    public const string User = "vmlab";
    public const string Host = "vmlab";

    /// <summary>The variables, as passed to every make of the build.</summary>
    public IReadOnlyDictionary<string, string> Variables => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["KBUILD_BUILD_TIMESTAMP"] = Timestamp.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture),
        ["KBUILD_BUILD_USER"] = User,
        ["KBUILD_BUILD_HOST"] = Host,
        // Else init/version.c's "#N" counts the builds made in the same output directory.
        ["KBUILD_BUILD_VERSION"] = "1",
        ["KCFLAGS"] = $"-ffile-prefix-map={SourceDir}=.",
        ["SOURCE_DATE_EPOCH"] = Timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        ["LC_ALL"] = "C",
        ["TZ"] = "UTC",
    };

    /// <summary>What enters the cache key: everything except the machine-specific source path.</summary>
    public string KeyText => string.Join(';', Variables.Where(v => v.Key != "KCFLAGS").Select(v => $"{v.Key}={v.Value}")) + ";KCFLAGS=-ffile-prefix-map=<src>=.";
}
