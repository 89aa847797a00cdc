using VmLab.Common;
using VmLab.Lab.Network;
using VmLab.Rootfs;

namespace VmLab.Lab.Artifacts;

/// <summary>
/// The built client root a lab run uses (beside <see cref="LabArtifacts"/>): the tree the network clients run in
/// with chroot (<see cref="ClientNetwork"/>), and its metadata for the run's manifest.
/// </summary>
/// <param name="Directory"><c>artifacts/client/&lt;key&gt;/</c>.</param>
/// <param name="RootDirectory"><c>artifacts/client/&lt;key&gt;/root/</c>, the chroot target.</param>
public sealed record ClientRootArtifact(string Key, string Directory, string RootDirectory, ClientRootMetadata Metadata)
{
    /// <summary>netperf's and apache2-utils' installed versions, by package name (for the manifest and the report).</summary>
    public IReadOnlyDictionary<string, string> PackageVersions => Metadata.ClientPackages;

    public string MetadataFile => Path.Combine(Directory, "metadata.json");

    /// <summary>
    /// The client root of the current recipe (<c>rootfs/recipes/client.json</c>, this machine's architecture), or the
    /// folder given; an error naming the target that builds it when it is not there.
    /// </summary>
    /// <param name="directory">An <c>artifacts/client/&lt;key&gt;/</c> folder to use instead of the current recipe's.</param>
    public static ClientRootArtifact Locate(RepoPaths paths, string? directory = null)
    {
        if (directory is not null)
        {
            return Load(directory);
        }

        var plan = ClientRootPlan.Create(ClientRootDefinition.Load(paths.RootfsDir));
        if (plan.IsBuilt(paths))
        {
            return Load(plan.Directory(paths));
        }

        var parent = ClientRootPlan.Parent(paths);
        var others = System.IO.Directory.Exists(parent)
            ? System.IO.Directory.GetDirectories(parent).Where(d => File.Exists(Path.Combine(d, "metadata.json"))).Select(Path.GetFileName).ToList()
            : [];
        throw new LabException(
            $"No client root for the current recipe (key {plan.Key}) in {parent}"
            + (others.Count > 0 ? $"; there are client roots of other recipes or mirrors ({string.Join(", ", others)})." : "."),
            "build it (about a minute, as root): sudo ./build.sh --target=ClientRoot");
    }

    /// <summary>The client root of the current recipe when it is built, else null.</summary>
    public static ClientRootArtifact? TryLocate(RepoPaths paths)
    {
        var plan = ClientRootPlan.Create(ClientRootDefinition.Load(paths.RootfsDir));
        return plan.IsBuilt(paths) ? Load(plan.Directory(paths)) : null;
    }

    /// <summary>Reads a client root folder (<c>metadata.json</c> + <c>root/</c>).</summary>
    public static ClientRootArtifact Load(string directory)
    {
        var metadata = Path.Combine(directory, "metadata.json");
        var root = Path.Combine(directory, "root");
        if (!File.Exists(metadata) || !System.IO.Directory.Exists(root))
        {
            throw new LabException(
                $"{directory} is not a finished client root (it needs metadata.json and root/).",
                "build it: sudo ./build.sh --target=ClientRoot");
        }

        var loaded = ClientRootMetadata.Load(metadata);
        return new ClientRootArtifact(loaded.Key, Path.GetFullPath(directory), Path.GetFullPath(root), loaded);
    }
}
