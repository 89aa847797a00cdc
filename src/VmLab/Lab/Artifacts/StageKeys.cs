using System.Text.Json;
using VmLab.Common;
using VmLab.Kernel;
using VmLab.Rootfs;
using VmLab.Sources;

namespace VmLab.Lab.Artifacts;

/// <summary>
/// The content keys the kernel, rootfs and client-root stages use for the checkout as it is, computed by the stages'
/// own key functions without running them: what a lab run boots (exactly these, never a newer or older folder), what
/// <c>vmlab artifacts prune</c> keeps, and the CI cache key (<c>vmlab artifacts cache-key</c>), so the workflows and
/// the code cannot drift apart.
/// </summary>
/// <param name="Kernel">The kernel stage's key, or why it cannot be known (no source fetched, no kernel built from it).</param>
/// <param name="Images">Each image's key by image name (<c>host</c>, <c>guest</c>): <c>artifacts/rootfs/images/&lt;name&gt;/&lt;key&gt;/</c>.</param>
/// <param name="RootfsSet">The set folder's key (<c>artifacts/rootfs/&lt;key&gt;/</c>).</param>
/// <param name="ClientRoot">The client root's key (<c>artifacts/client/&lt;key&gt;/</c>; built on each machine, never cached).</param>
/// <param name="Cache">The key of every input the cached stages' keys are made of, as declared (see <see cref="CacheKeyOf"/>).</param>
public sealed record StageKeys(KernelKeyResolution Kernel, IReadOnlyDictionary<string, string> Images, string RootfsSet, string ClientRoot, string Cache)
{
    /// <summary>The stages whose outputs the CI cache holds: <c>artifacts/&lt;folder&gt;</c>.</summary>
    public static readonly string[] CachedFolders = ["downloads", "kernel", "rootfs"];

    /// <summary>Computes every key from the repository, the toolchain and what <c>artifacts/downloads</c> holds.</summary>
    /// <param name="kernelBase">The kernel base the kernels were built on (<c>--kernel-base</c>).</param>
    /// <param name="kernelSource">A local kernel tarball the kernels were built from (<c>--kernel-source</c>), if any.</param>
    public static async Task<StageKeys> ComputeAsync(RepoPaths paths, KernelBase kernelBase, LocalSource? kernelSource, CancellationToken cancellationToken)
    {
        var toolchain = await Toolchain.ProbeAsync(cancellationToken);
        var kernel = await KernelKey.CurrentAsync(paths, kernelBase, kernelSource, toolchain, cancellationToken);
        var definition = RootfsDefinition.Load(paths.RootfsDir);
        // As the Rootfs stage resolves UnixBench, but never downloading: the pinned file if fetched, else the declared copy.
        var unixBench = await SourceUse.ResolveUnixBenchAsync(definition.Sources.Unixbench, paths, null, mayDownload: false, null, cancellationToken);
        var rootfs = RootfsPlan.Create(definition, unixBench);
        var client = ClientRootPlan.Create(ClientRootDefinition.Load(paths.RootfsDir));
        return new StageKeys(
            kernel,
            rootfs.Images.ToDictionary(i => i.Recipe.Name, i => i.Key.ToString(), StringComparer.Ordinal),
            rootfs.SetKey.ToString(),
            client.Key.ToString(),
            CacheKeyOf(paths, kernelBase, toolchain, definition));
    }

    /// <summary>
    /// The CI cache key: a hash of the kernel key's declared inputs (<see cref="KernelKey.Declared"/>: versions.json's
    /// entry, base, fragments, toolchain versions, pipeline version) and of each image key with UnixBench as declared
    /// (recipes, overlay, hook, mirror, epoch, headroom, builder version). Computable on a fresh runner before anything
    /// is downloaded; any change to an input of a cached stage's key changes it.
    /// </summary>
    public static string CacheKeyOf(RepoPaths paths, KernelBase kernelBase, Toolchain toolchain, RootfsDefinition definition)
    {
        var pin = definition.Sources.Unixbench;
        var declared = new SourceUse($"{pin.Name} {pin.Version}", SourceStatus.Used, "as declared",
            "declared:" + Hashing.Sha256OfText(JsonSerializer.Serialize(pin, PinnedSource.Json)));
        var key = new ContentKey().Add("kernel", KernelKey.Declared(paths, kernelBase, toolchain).Sha256());
        foreach (var image in RootfsPlan.Create(definition, declared).Images)
        {
            key.Add("rootfs." + image.Recipe.Name, image.Key.Sha256());
        }

        return key.ToString();
    }

    /// <summary>The folders of the current keys under <paramref name="paths"/>' artifacts, which prune keeps.</summary>
    public IReadOnlyList<string> CurrentFolders(RepoPaths paths) =>
    [
        .. Kernel.Key is { } k ? [Path.Combine(paths.Artifacts, "kernel", k)] : Array.Empty<string>(),
        .. Images.Select(i => Path.Combine(paths.Artifacts, "rootfs", "images", i.Key, i.Value)),
        Path.Combine(paths.Artifacts, "rootfs", RootfsSet),
    ];

    /// <summary>
    /// Deletes the stage folders of other keys from the cached stages (<see cref="CachedFolders"/>): older kernels and
    /// images that a restored cache brought along, so the cache saved next holds the current keys only. Downloads are kept (named by sha256, small beside the images). With the kernel key
    /// unknown, no kernel is deleted. Returns what was (or, with <paramref name="dryRun"/>, would be) deleted.
    /// </summary>
    public IReadOnlyList<string> Prune(RepoPaths paths, bool dryRun)
    {
        var keep = CurrentFolders(paths).Select(Path.GetFullPath).ToHashSet(StringComparer.Ordinal);
        var stale = new List<string>();
        void Consider(string parent, Func<string, bool> skip)
        {
            if (Directory.Exists(parent))
            {
                stale.AddRange(Directory.GetDirectories(parent).Select(Path.GetFullPath).Where(d => !keep.Contains(d) && !skip(Path.GetFileName(d))).Order(StringComparer.Ordinal));
            }
        }

        if (Kernel.Key is not null)
        {
            Consider(Path.Combine(paths.Artifacts, "kernel"), _ => false);
        }

        var images = Path.Combine(paths.Artifacts, "rootfs", "images");
        // work/ holds the trees of a build that failed, possibly with /proc still mounted inside: never walked into here
        // (the workflows leave it out of the cache; the rootfs stage clears it).
        Consider(Path.Combine(paths.Artifacts, "rootfs"), name => name is "images" or "work");
        Consider(images, name => Images.ContainsKey(name));
        foreach (var name in Images.Keys)
        {
            Consider(Path.Combine(images, name), _ => false);
        }

        if (!dryRun)
        {
            foreach (var dir in stale)
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        return stale;
    }
}
