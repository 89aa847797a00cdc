using VmLab.Common;
using VmLab.Lab.Vm;
using VmLab.Suites;

namespace VmLab.Lab.Artifacts;

/// <summary>
/// What a lab run boots: the two kernels (artifacts/kernel/&lt;key&gt;/{host,guest}/Image), the two root filesystems
/// (artifacts/rootfs/&lt;key&gt;/{host,guest}.img) and, for kernbench, a kernel source tree.
/// </summary>
/// <param name="KernbenchSource">A kernel source tarball or folder; null: kernbench is unavailable in this run.</param>
public sealed record LabArtifacts(string HostKernel, string GuestKernel, string HostImage, string GuestImage, string? KernbenchSource)
{
    /// <summary>
    /// Finds the newest kernel and rootfs artifacts under <paramref name="paths"/> (or the folders given), naming what is
    /// missing and the target that makes it.
    /// </summary>
    public static LabArtifacts Locate(RepoPaths paths, string? kernelDir = null, string? rootfsDir = null, string? kernbenchSource = null)
    {
        kernelDir ??= Newest(Path.Combine(paths.Artifacts, "kernel"), d => File.Exists(Path.Combine(d, "host", "Image")))
            ?? throw new LabException(
                $"No kernel artifacts in {Path.Combine(paths.Artifacts, "kernel")} (looked for */host/Image).",
                "build them with ./build.sh --target=Kernel, or pass --kernel-dir DIR");
        // Each image has its own key (changing one package rebuilds one image), so the two may sit in different
        // folders: artifacts/rootfs/<key>/{host,guest}.img or artifacts/rootfs/images/<image>/<key>/<image>.img.
        var rootfs = Path.Combine(paths.Artifacts, "rootfs");
        var hostImage = rootfsDir is not null ? Path.Combine(rootfsDir, "host.img") : NewestFile(rootfs, "host.img");
        var guestImage = rootfsDir is not null ? Path.Combine(rootfsDir, "guest.img") : NewestFile(rootfs, "guest.img");
        if (hostImage is null || guestImage is null)
        {
            throw new LabException(
                $"No {(hostImage is null ? "host.img" : "guest.img")} under {rootfs}.",
                "build the images with ./build.sh --target=Rootfs, or pass --rootfs-dir DIR (holding host.img and guest.img)");
        }

        if (kernbenchSource is not null && kernbenchSource != "none" && !File.Exists(kernbenchSource) && !Directory.Exists(kernbenchSource))
        {
            throw new LabException($"The kernbench source {kernbenchSource} does not exist.", "pass a kernel tarball or source folder, or --kernbench-source none to run without kernbench");
        }

        var artifacts = new LabArtifacts(
            Path.Combine(kernelDir, "host", "Image"), Path.Combine(kernelDir, "guest", "Image"),
            hostImage, guestImage,
            kernbenchSource == "none" ? null : kernbenchSource ?? NewestKernelTarball(paths.Downloads));
        foreach (var file in new[] { artifacts.HostKernel, artifacts.GuestKernel, artifacts.HostImage, artifacts.GuestImage })
        {
            if (!File.Exists(file))
            {
                throw new LabException($"{file} is missing.", "rebuild it: ./build.sh --target=Kernel or --target=Rootfs");
            }
        }

        return artifacts;
    }

    /// <summary>
    /// The payload disk (docs/PROTOCOL.md): L2's kernel as <c>Image</c>, L2's root filesystem as <c>guest.img</c>, the
    /// kernbench tree as <c>kernbench/linux/</c>. Built once per content (cached under artifacts/lab/payload/).
    /// </summary>
    public async Task<string> PayloadDiskAsync(RepoPaths paths, string logPath, CancellationToken cancellationToken)
    {
        var key = new ContentKey()
            .Add("guest-kernel", await Hashing.Sha256OfFileAsync(GuestKernel, cancellationToken))
            .Add("guest-image", await Hashing.Sha256OfFileAsync(GuestImage, cancellationToken))
            .Add(KernbenchParser.Id, KernbenchSource is null ? "none" : File.Exists(KernbenchSource) ? await Hashing.Sha256OfFileAsync(KernbenchSource, cancellationToken) : Path.GetFullPath(KernbenchSource));
        var dir = Path.Combine(paths.Artifacts, "lab", "payload");
        var image = Path.Combine(dir, $"{key}.img");
        if (File.Exists(image))
        {
            return image;
        }

        var staging = Path.Combine(dir, $"{key}.staging");
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        Directory.CreateDirectory(staging);
        await LinkOrCopyAsync(GuestKernel, Path.Combine(staging, "Image"), cancellationToken);
        await LinkOrCopyAsync(GuestImage, Path.Combine(staging, "guest.img"), cancellationToken);
        if (KernbenchSource is not null)
        {
            await StageKernelTreeAsync(KernbenchSource, Path.Combine(staging, KernbenchCommand.PayloadFolder), cancellationToken);
        }

        var building = image + ".building";
        await Ext4Image.BuildAsync(staging, building, Ext4Image.PayloadLabel, Ext4Image.SizeFor(staging), logPath, cancellationToken);
        File.Move(building, image, overwrite: true);
        Directory.Delete(staging, recursive: true);
        return image;
    }

    /// <summary>
    /// A hard link when source and staging share a file system (the guest image is 1-2 GB; mkfs.ext4 -d copies it
    /// into the payload image anyway), else a copy. Not a symlink: mkfs.ext4 -d would store the link, not the file.
    /// </summary>
    private static async Task LinkOrCopyAsync(string source, string target, CancellationToken cancellationToken)
    {
        var link = await CliWrap.Cli.Wrap("ln").WithArguments([source, target])
            .WithValidation(CliWrap.CommandResultValidation.None).ExecuteAsync(cancellationToken);
        if (link.ExitCode != 0)
        {
            File.Copy(source, target, overwrite: true);
        }
    }

    /// <summary>Puts the kernel tree at <paramref name="target"/>: a folder is copied, a .tar.gz extracted (its top folder stripped).</summary>
    private static async Task StageKernelTreeAsync(string source, string target, CancellationToken cancellationToken)
    {
        if (Directory.Exists(source))
        {
            await CliWrap.Cli.Wrap("cp").WithArguments(["-a", source.TrimEnd('/') + "/.", target + "/"])
                .WithValidation(CliWrap.CommandResultValidation.ZeroExitCode)
                .ExecuteAsync(cancellationToken);
            return;
        }

        Directory.CreateDirectory(target);
        // tar handles every compression the sources come in (.xz from kernel.org and Debian); --strip-components
        // drops the "linux-5.15.198/" top folder.
        await CliWrap.Cli.Wrap("tar").WithArguments(["-xf", source, "-C", target, "--strip-components=1"])
            .WithValidation(CliWrap.CommandResultValidation.ZeroExitCode)
            .ExecuteAsync(cancellationToken);
    }

    private static string? Newest(string parent, Func<string, bool> complete) =>
        Directory.Exists(parent)
            ? Directory.GetDirectories(parent).Where(complete).OrderByDescending(Directory.GetLastWriteTimeUtc).FirstOrDefault()
            : null;

    /// <summary>
    /// The newest finished image <paramref name="name"/> in the layouts the rootfs stage writes (&lt;key&gt;/ or
    /// images/&lt;image&gt;/&lt;key&gt;/). Never a build in progress: <c>work/</c> holds half-built trees (with /proc
    /// mounted inside them), which a recursive search would walk into and fail on.
    /// </summary>
    private static string? NewestFile(string parent, string name) =>
        Directory.Exists(parent)
            ? Directory.EnumerateFiles(parent, name, new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 3, IgnoreInaccessible = true })
                .Where(f => !Path.GetRelativePath(parent, f).Split(Path.DirectorySeparatorChar).Contains("work"))
                .OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;

    private static string? NewestKernelTarball(string downloads) =>
        Directory.Exists(downloads)
            ? Directory.GetFiles(downloads, "*linux*.tar.*").OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;
}
