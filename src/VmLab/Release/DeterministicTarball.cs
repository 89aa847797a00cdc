using System.Formats.Tar;
using System.IO.Compression;
using VmLab.Common;

namespace VmLab.Release;

/// <summary>
/// Packs a directory into a .tar.gz whose bytes depend only on the files' names and contents: entries in
/// name order (each directory's children sorted ordinally, like GNU tar's <c>--sort=name</c>), owner 0:0 with
/// no names, one fixed mtime, fixed modes (0755 directories, 0644 files), ustar headers (no pax records, which
/// would carry atime/ctime), and a gzip header without a timestamp or OS byte.
/// See https://reproducible-builds.org/docs/archives/ for why each of these matters.
/// </summary>
public static class DeterministicTarball
{
    /// <summary>The mtime of every entry: the Unix epoch, a value no real file has, so nobody mistakes it for one.</summary>
    public static readonly DateTimeOffset EntryTime = DateTimeOffset.UnixEpoch;

    public const UnixFileMode DirectoryEntryMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public const UnixFileMode FileEntryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>gzip's "unknown" operating system (RFC 1952 §2.3.1); zlib would write the build machine's.</summary>
    private const byte UnknownOs = 255;

    /// <summary>Writes <paramref name="destination"/> (atomically) from <paramref name="sourceDirectory"/>, every entry under <paramref name="rootName"/>/.</summary>
    /// <exception cref="LabException">The directory holds a symbolic link or a path too long for a ustar header.</exception>
    public static async Task WriteAsync(string sourceDirectory, string rootName, string destination, CancellationToken cancellationToken = default)
    {
        var entries = new List<(string Name, string? File)>();
        Collect(new DirectoryInfo(sourceDirectory), rootName, entries);

        var temp = destination + $".{Environment.ProcessId}.tmp";
        try
        {
            await using (var output = new FileStream(temp, FileMode.Create, FileAccess.ReadWrite, FileShare.None))
            {
                await using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
                await using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar, leaveOpen: true))
                {
                    foreach (var (name, file) in entries)
                    {
                        await WriteEntryAsync(tar, name, file, cancellationToken);
                    }
                }

                // .NET leaves MTIME zero already; the OS byte is the only header field that varies by platform.
                // The header is outside the CRC (which covers the uncompressed data), so it can be patched in place.
                output.Position = 9;
                output.WriteByte(UnknownOs);
            }

            File.Move(temp, destination, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>A lock (.lock, .lock.holder) or an AtomicFile temporary (.name.pid.guid.tmp): the machinery's, not the run's.</summary>
    public static bool IsBookkeeping(string name) =>
        name is ".lock" or ".lock.holder" || (name.StartsWith('.') && name.EndsWith(".tmp", StringComparison.Ordinal));

    private static void Collect(DirectoryInfo directory, string name, List<(string Name, string? File)> entries)
    {
        entries.Add((name + "/", null));
        foreach (var child in directory.EnumerateFileSystemInfos().Where(c => !IsBookkeeping(c.Name)).OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            if (child.LinkTarget is not null)
            {
                // A link's target is machine-specific (or outside the run): archiving it would not reproduce the run.
                throw new LabException(
                    $"{child.FullName} is a symbolic link; a run directory holds plain files only.",
                    "replace the link by a copy of the file, then release again");
            }

            if (child is DirectoryInfo sub)
            {
                Collect(sub, $"{name}/{child.Name}", entries);
            }
            else
            {
                entries.Add(($"{name}/{child.Name}", child.FullName));
            }
        }
    }

    private static async Task WriteEntryAsync(TarWriter tar, string name, string? file, CancellationToken cancellationToken)
    {
        var entry = new UstarTarEntry(file is null ? TarEntryType.Directory : TarEntryType.RegularFile, name);
        entry.Mode = file is null ? DirectoryEntryMode : FileEntryMode;
        entry.Uid = 0;
        entry.Gid = 0;
        entry.UserName = string.Empty;
        entry.GroupName = string.Empty;
        entry.ModificationTime = EntryTime;
        await using var data = file is null ? null : File.OpenRead(file);
        if (data is not null)
        {
            entry.DataStream = data;
        }

        try
        {
            await tar.WriteEntryAsync(entry, cancellationToken);
        }
        catch (ArgumentException ex)
        {
            // ustar splits a path into a 155-character prefix and a 100-character name; longer ones do not fit.
            throw new LabException($"Cannot archive '{name}': {ex.Message}", "shorten the path (ustar allows 255 characters)", ex);
        }
    }
}
