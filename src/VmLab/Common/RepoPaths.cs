namespace VmLab.Common;

/// <summary>
/// The repository's well-known folders. One source of truth: stages ask here, never build paths themselves.
/// </summary>
public sealed partial record RepoPaths(string Root)
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

    /// <summary>
    /// How a path of this machine is written into what a run records (console logs, manifests, metadata, log lines):
    /// under the artifact cache as <c>artifacts/…</c> (wherever <see cref="ArtifactsVariable"/> put the cache), else
    /// relative to the repository (<c>results/…</c>, <c>../shared/third_party/…</c>). Two machines then record the same
    /// text for the same run, and a published run does not show the builder's file system.
    /// </summary>
    public string Shown(string path)
    {
        var full = Path.GetFullPath(path);
        var artifacts = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Artifacts));
        return full == artifacts || full.StartsWith(artifacts + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? Path.Join("artifacts", Path.GetRelativePath(artifacts, full)).Replace('\\', '/')
            : Path.GetRelativePath(Root, full).Replace('\\', '/');
    }

    /// <summary>
    /// <paramref name="text"/> (a QEMU command on L0, a fallback's description) with this machine's paths written as
    /// <see cref="Shown"/> writes them: every absolute path under the artifact cache or the repository, and any other
    /// that names an existing regular file here (<c>../shared/third_party/…</c>). Paths that exist only inside the VMs
    /// (<c>/payload/Image</c>, <c>/dev/vdc</c>) and URLs are left as they are.
    /// </summary>
    public string ShownIn(string text) =>
        AbsolutePath().Replace(text, m =>
        {
            var path = m.Value;
            var inside = new[] { Artifacts, Root }.Any(d => path.StartsWith(Path.TrimEndingDirectorySeparator(Path.GetFullPath(d)) + "/", StringComparison.Ordinal));
            return inside || FileNode.Of(path, follow: true).Kind == FileKind.Regular ? Shown(path) : path;
        });

    // An absolute path at the start, after a blank, a bracket, a quote, '=' (QEMU's file=) or file://.
    [System.Text.RegularExpressions.GeneratedRegex(@"(?<=(^|[\s('""=]|file://))/[\w.+@%/-]+")]
    private static partial System.Text.RegularExpressions.Regex AbsolutePath();

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
