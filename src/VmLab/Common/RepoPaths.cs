namespace VmLab.Common;

/// <summary>
/// The repository's well-known folders. One source of truth: stages ask here, never build paths themselves.
/// </summary>
public sealed record RepoPaths(string Root)
{
    /// <summary>Environment variable that moves the artifact cache (e.g. to a bigger disk, or a CI cache); the CLI reads it.</summary>
    public const string ArtifactsVariable = "VMLAB_ARTIFACTS";

    /// <summary>The artifact cache: <c>artifacts/</c> in the checkout unless the caller moves it.</summary>
    public string Artifacts { get; init; } = Path.Combine(Root, "artifacts");

    public string KernelDir => Path.Combine(Root, "kernel");
    public string RootfsDir => Path.Combine(Root, "rootfs");
    public string ResultsDir => Path.Combine(Root, "results");

    /// <summary>Downloads shared by every stage, named by their sha256 (so a verified file is never fetched twice).</summary>
    public string Downloads => Path.Combine(Artifacts, "downloads");

    /// <summary>The last lab run's directory, one line, written by <c>vmlab lab run</c> and read by <c>vmlab report --last</c>.</summary>
    public string LastRun => Path.Combine(Artifacts, "lab", "last-run");

    /// <summary>
    /// The lock of everything under <see cref="Artifacts"/> that runs and stage builds share (downloads, kernel
    /// configs and builds, images, the client root, payload staging, boot disks): one at a time.
    /// </summary>
    public DirectoryLock LockArtifacts() => DirectoryLock.Take(Artifacts, "A lab run or stage build using " + Artifacts);

    /// <summary>The repository containing <paramref name="start"/> (default: the current directory), found by its VmLab.slnx.</summary>
    public static RepoPaths Find(string? start = null)
    {
        for (var dir = new DirectoryInfo(start ?? Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VmLab.slnx")))
            {
                return new RepoPaths(dir.FullName);
            }
        }

        throw new LabException(
            $"No VmLab checkout contains {start ?? Directory.GetCurrentDirectory()} (looked for VmLab.slnx upwards).",
            "run vmlab from inside the repository, or cd into it first");
    }
}
