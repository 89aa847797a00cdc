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
    /// The kernel and rootfs artifacts of exactly the current stage keys (<paramref name="keys"/>), or the folders given;
    /// never another key's folder, however new: a stale kernel or image booted by mistake would silently change what
    /// the run measures. What is missing is named, with the target that builds it.
    /// </summary>
    public static LabArtifacts Locate(RepoPaths paths, StageKeys keys, string? kernelDir = null, string? rootfsDir = null, string? kernbenchSource = null)
    {
        kernelDir ??= CurrentKernel(paths, keys.Kernel);
        // Each image has its own key (changing one package rebuilds one image): artifacts/rootfs/images/<image>/<key>/<image>.img.
        var hostImage = rootfsDir is not null ? Path.Combine(rootfsDir, "host.img") : CurrentImage(paths, keys, "host");
        var guestImage = rootfsDir is not null ? Path.Combine(rootfsDir, "guest.img") : CurrentImage(paths, keys, "guest");

        if (kernbenchSource is not null && kernbenchSource != "none" && !File.Exists(kernbenchSource) && !Directory.Exists(kernbenchSource))
        {
            throw new LabException($"The kernbench source {kernbenchSource} does not exist.", "pass a kernel tarball or source folder, or --kernbench-source none to run without kernbench");
        }

        var artifacts = new LabArtifacts(
            Path.Combine(kernelDir, "host", "Image"), Path.Combine(kernelDir, "guest", "Image"),
            hostImage, guestImage,
            kernbenchSource == "none" ? null : kernbenchSource ?? keys.Kernel.SourcePath ?? NewestKernelTarball(paths.Downloads));
        foreach (var file in new[] { artifacts.HostKernel, artifacts.GuestKernel, artifacts.HostImage, artifacts.GuestImage })
        {
            if (!File.Exists(file))
            {
                throw new LabException($"{file} is missing.", "rebuild it: ./build.sh --target=Kernel or --target=Rootfs");
            }
        }

        return artifacts;
    }

    private static string CurrentKernel(RepoPaths paths, Kernel.KernelKeyResolution kernel)
    {
        var parent = Path.Combine(paths.Artifacts, "kernel");
        var dir = kernel.Key is { } key ? Path.Combine(parent, key) : null;
        if (dir is not null && File.Exists(Path.Combine(dir, "host", "Image")) && File.Exists(Path.Combine(dir, "guest", "Image")))
        {
            return dir;
        }

        throw new LabException(
            (kernel.Key is { } k ? $"No kernels of the current key {k} in {parent}" : $"The current kernel key cannot be computed: {kernel.Problem}")
            + Others(parent, d => File.Exists(Path.Combine(d, "host", "Image"))) + ".",
            "build them with ./build.sh --target=Kernel (pass the same --kernel-base and --kernel-source to the lab as to the build), or pass --kernel-dir DIR");
    }

    private static string CurrentImage(RepoPaths paths, StageKeys keys, string name)
    {
        var parent = Path.Combine(paths.Artifacts, "rootfs", "images", name);
        var image = Path.Combine(parent, keys.Images[name], name + ".img");
        if (File.Exists(image) && File.Exists(Path.Combine(parent, keys.Images[name], "metadata.json")))
        {
            return image;
        }

        throw new LabException(
            $"No {name}.img of the current key {keys.Images[name]} in {parent}" + Others(parent, d => File.Exists(Path.Combine(d, name + ".img"))) + ".",
            "build the images with ./build.sh --target=Rootfs, or pass --rootfs-dir DIR (holding host.img and guest.img)");
    }

    /// <summary>"; there are others (a, b): built from other inputs, not booted" when other keys' folders exist.</summary>
    private static string Others(string parent, Func<string, bool> complete)
    {
        var others = Directory.Exists(parent) ? Directory.GetDirectories(parent).Where(complete).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList() : [];
        return others.Count == 0 ? "" : $"; there are artifacts of other keys ({string.Join(", ", others)}), built from other inputs and never booted in their place (vmlab artifacts keys shows the current keys; vmlab artifacts prune removes the others)";
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

    private static string? NewestKernelTarball(string downloads) =>
        Directory.Exists(downloads)
            ? Directory.GetFiles(downloads, "*linux*.tar.*").OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;
}
