using VmLab.Sources;

namespace VmLab.Kernel;

/// <summary>A built file: where it is, its size and sha256.</summary>
public sealed record ArtifactFile(string File, long Size, string Sha256);

/// <summary>How much ccache contributed to one build.</summary>
public sealed record CcacheUse(bool Enabled, long Hits, long Misses);

/// <summary>
/// <c>metadata.json</c> of one kernel (tuxmake style): every input, the tools, how long it took, what came out, and
/// the commands that reproduce it. Written last, so its presence marks a finished build.
/// </summary>
public sealed record KernelMetadata(
    string Flavor,
    string Key,
    IReadOnlyDictionary<string, string> KeyInputs,
    FetchedSource Source,
    string PinnedVersion,
    string PinnedSha256,
    bool FallbackUsed,
    string? FallbackWarning,
    string KernelVersion,
    string Base,
    IReadOnlyList<FragmentUse> Fragments,
    Toolchain Toolchain,
    IReadOnlyDictionary<string, string> Environment,
    double ConfigSeconds,
    double BuildSeconds,
    CcacheUse Ccache,
    IReadOnlyDictionary<string, ArtifactFile> Outputs,
    IReadOnlyList<string> Reproduce);

/// <summary>A fragment as used: name, path relative to the repository, sha256.</summary>
public sealed record FragmentUse(string Name, string Path, string Sha256);
