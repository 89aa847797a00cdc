using VmLab.Common;
using VmLab.Sources;

namespace VmLab.CommandLine;

/// <summary>
/// The environment variables vmlab honours, read here once so the library is given their values and never reads
/// the process environment itself.
/// </summary>
/// <param name="Artifacts"><see cref="RepoPaths.ArtifactsVariable"/>: the artifact cache elsewhere (a bigger disk, a CI cache); null: <c>artifacts/</c>.</param>
/// <param name="Offline"><see cref="SourceFetch.OfflineVariable"/> is 1 or true: try no mirror.</param>
/// <param name="CcacheDir">CCACHE_DIR: ccache's folder for the kernel builds; null: <c>ccache/</c> in the artifacts.</param>
internal sealed record VmlabEnvironment(string? Artifacts, bool Offline, string? CcacheDir)
{
    public static VmlabEnvironment FromProcess() => new(
        NonEmpty(RepoPaths.ArtifactsVariable),
        Environment.GetEnvironmentVariable(SourceFetch.OfflineVariable) is "1" or "true",
        NonEmpty("CCACHE_DIR"));

    /// <summary>The checkout vmlab runs in, with the artifact cache this environment chose.</summary>
    public RepoPaths Repo() =>
        Artifacts is { } artifacts ? RepoPaths.Find() with { Artifacts = Path.GetFullPath(artifacts) } : RepoPaths.Find();

    private static string? NonEmpty(string variable) => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null;
}
