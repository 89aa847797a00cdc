using System.Text.Json;
using System.Text.Json.Nodes;
using VmLab.Common;
using VmLab.Sources;

namespace VmLab.Kernel;

/// <summary>The kernel stage's key as a finished build left it: the key, or why it cannot be known here.</summary>
/// <param name="Key">The folder name under <c>artifacts/kernel/</c>; null when <paramref name="Problem"/> says why not.</param>
/// <param name="SourceSha256">The source the key was computed for (the pinned one, or the fallback fetched); null when none was fetched.</param>
/// <param name="SourcePath">That source's file (the kernbench tree's default).</param>
public sealed record KernelKeyResolution(string? Key, string? SourceSha256, string? SourcePath, string? Problem);

/// <summary>
/// The kernel stage's content key (<see cref="KernelPipeline.Key(string, KernelBase, IEnumerable{ConfigFragment}, Toolchain, string)"/>)
/// computed without running the stage, for the lab (which must boot exactly the current kernels) and the CI cache key.
/// </summary>
public static class KernelKey
{
    /// <summary>The three fragments every kernel key and build uses: lab.config (both), host.config, guest.config.</summary>
    public static (ConfigFragment[] Lab, ConfigFragment Host, ConfigFragment Guest) Fragments(RepoPaths paths)
    {
        var dir = Path.Combine(paths.KernelDir, "config");
        return ([ConfigFragment.Load(Path.Combine(dir, "lab.config"))], ConfigFragment.Load(Path.Combine(dir, "host.config")), ConfigFragment.Load(Path.Combine(dir, "guest.config")));
    }

    /// <summary>
    /// The key of everything the kernel key is made of that is known before any download: the source as declared
    /// (versions.json's entry: pin, mirrors, fallbacks), the base, the fragments, the toolchain and the pipeline version.
    /// The build environment is left out: it is a function of the source (its release date). What the CI cache key uses.
    /// </summary>
    public static ContentKey Declared(RepoPaths paths, KernelBase @base, Toolchain toolchain)
    {
        var (lab, host, guest) = Fragments(paths);
        var declared = JsonSerializer.Serialize(PinnedSource.Load(Path.Combine(paths.KernelDir, "versions.json"), "linux"), PinnedSource.Json);
        return KernelPipeline.Key("declared:" + Hashing.Sha256OfText(declared), @base, [.. lab, host, guest], toolchain, "a function of the source");
    }

    /// <summary>
    /// The key the kernel stage uses now: the source it has fetched (<see cref="SourceFetch.FindFetchedAsync"/>: nothing is
    /// downloaded), the build environment of that source (from its unpacked tree, else from the metadata of a kernel
    /// built from it), the base, fragments and toolchain.
    /// </summary>
    public static async Task<KernelKeyResolution> CurrentAsync(RepoPaths paths, KernelBase @base, LocalSource? local, Toolchain toolchain, CancellationToken cancellationToken)
    {
        var pinned = PinnedSource.Load(Path.Combine(paths.KernelDir, "versions.json"), "linux");
        using var http = new HttpClient();
        var fetched = await new SourceFetch(paths.Downloads, http) { Local = local, BaseDirectory = paths.Root }.FindFetchedAsync(pinned, cancellationToken);
        if (fetched is not { } source)
        {
            return new KernelKeyResolution(null, null, null, $"no kernel source in {paths.Downloads} (neither {pinned.FileName} nor a declared fallback): the kernels were not built with these artifacts");
        }

        var environment = EnvironmentOf(paths, source.Sha256);
        if (environment is null)
        {
            return new KernelKeyResolution(null, source.Sha256, source.Path, $"no kernel was built here from the source {source.Sha256[..16]}… ({Path.GetFileName(source.Path)})");
        }

        var (lab, host, guest) = Fragments(paths);
        return new KernelKeyResolution(KernelPipeline.Key(source.Sha256, @base, [.. lab, host, guest], toolchain, environment).ToString(), source.Sha256, source.Path, null);
    }

    /// <summary>The environment's key text for the source: its unpacked tree's release date, else what a build from it recorded.</summary>
    private static string? EnvironmentOf(RepoPaths paths, string sourceSha256)
    {
        var tree = Path.Combine(paths.Artifacts, "kernel-src", sourceSha256[..16]);
        if (File.Exists(Path.Combine(tree, ".vmlab-unpacked")))
        {
            return new ReproducibleEnvironment(KernelSourceTree.Open(tree).ReleaseTimestamp, tree).KeyText;
        }

        var kernels = Path.Combine(paths.Artifacts, "kernel");
        if (!Directory.Exists(kernels))
        {
            return null;
        }

        // The build environment is a function of the source's bytes (the release date its tarball carries), so any
        // build from the same source recorded the same text.
        foreach (var metadata in Directory.GetDirectories(kernels).Order(StringComparer.Ordinal).Select(d => Path.Combine(d, "host", "metadata.json")).Where(File.Exists))
        {
            try
            {
                // metadata.json is one flat object (KernelMetadataJsonConverter): keyInputs is at its top level.
                var inputs = JsonNode.Parse(File.ReadAllText(metadata))?["keyInputs"];
                if ((string?)inputs?["source.sha256"] == sourceSha256 && (string?)inputs?["environment"] is { } text)
                {
                    return text;
                }
            }
            catch (JsonException)
            {
                // an unreadable metadata.json is no evidence
            }
        }

        return null;
    }
}
