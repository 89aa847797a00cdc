using CliWrap;
using VmLab.Common;

namespace VmLab.Lab.Vm;

/// <summary>
/// ext4 images made from a folder with <c>mkfs.ext4 -d</c>: no root, no loop mount, no guest tools needed
/// (docs/PROTOCOL.md). Used for job disks (label VMLABJOB), the payload disk (VMLABPAYLOAD) and the empty
/// scratch disks mounted at /work (VMLABWORK).
/// </summary>
public static class Ext4Image
{
    public const string JobLabel = "VMLABJOB";
    public const string PayloadLabel = "VMLABPAYLOAD";
    public const string ScratchLabel = "VMLABWORK";

    /// <summary>
    /// Builds <paramref name="image"/> (a sparse file of <paramref name="sizeBytes"/>) holding <paramref name="folder"/>
    /// (or nothing when null). Files end up owned by root inside the image whoever runs the lab.
    /// </summary>
    public static async Task BuildAsync(string? folder, string image, string label, long sizeBytes, string logPath, CancellationToken cancellationToken)
    {
        File.Delete(image);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(image))!);
        await using (var file = File.Create(image))
        {
            file.SetLength(sizeBytes); // sparse: an 8 GiB scratch disk costs only what the VM writes
        }

        var args = new List<string> { "-q", "-F", "-L", label, "-E", "root_owner=0:0" };
        if (folder is not null)
        {
            args.AddRange(["-d", folder]);
        }

        args.Add(image);
        await LoggedCommand.RunAsync(
            Cli.Wrap(Mkfs).WithArguments(args),
            logPath,
            $"building the {label} disk {image}",
            next: "install e2fsprogs (./build.sh --target=Prerequisites) and run the same command again",
            cancellationToken: cancellationToken);
    }

    /// <summary>The size an image needs for <paramref name="folder"/>: content, a block per file, 25% and 16 MiB of room.</summary>
    public static long SizeFor(string folder)
    {
        long bytes = 0, entries = 0;
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            entries++;
            bytes += entry is FileInfo f ? f.Length : 0;
        }

        var size = (long)((bytes + entries * 4096) * 1.25) + (16L << 20);
        return (size + (1 << 20) - 1) / (1 << 20) * (1 << 20);
    }

    /// <summary>mkfs.ext4 lives in /usr/sbin, which is not on an ordinary user's PATH on Debian.</summary>
    private static string Mkfs => File.Exists("/usr/sbin/mkfs.ext4") ? "/usr/sbin/mkfs.ext4" : "mkfs.ext4";
}

/// <summary>Writes a <see cref="JobFolder"/> to a folder and builds its job disk, nested L2 job disks first.</summary>
public static class JobDisk
{
    /// <summary>
    /// Writes <paramref name="job"/> under <paramref name="folder"/> (which must not exist yet) and builds
    /// <paramref name="image"/> from it. The folder is kept beside the image: it is what the VM ran, for the record.
    /// </summary>
    public static async Task BuildAsync(JobFolder job, string folder, string image, string logPath, CancellationToken cancellationToken)
    {
        await WriteAsync(job, folder, logPath, cancellationToken);
        await Ext4Image.BuildAsync(folder, image, Ext4Image.JobLabel, Ext4Image.SizeFor(folder), logPath, cancellationToken);
    }

    private static async Task WriteAsync(JobFolder job, string folder, string logPath, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        foreach (var (name, text) in job.Files)
        {
            var path = Path.Combine(folder, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            // Unix line endings whatever the platform: /bin/sh reads a CR as part of the command.
            await File.WriteAllTextAsync(path, text.ReplaceLineEndings("\n"), cancellationToken);
        }

        foreach (var (name, nested) in job.Disks)
        {
            var nestedFolder = Path.Combine(Path.GetDirectoryName(folder)!, Path.GetFileName(folder) + "." + name.Replace('/', '-') + ".d");
            await WriteAsync(nested, nestedFolder, logPath, cancellationToken);
            var nestedImage = Path.Combine(folder, name);
            Directory.CreateDirectory(Path.GetDirectoryName(nestedImage)!);
            await Ext4Image.BuildAsync(nestedFolder, nestedImage, Ext4Image.JobLabel, Ext4Image.SizeFor(nestedFolder), logPath, cancellationToken);
        }
    }
}
