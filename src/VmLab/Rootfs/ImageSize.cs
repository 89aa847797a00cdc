namespace VmLab.Rootfs;

/// <summary>
/// Sizes an ext4 image for <c>mkfs.ext4 -d</c>: the tree's blocks and inodes, ext4's own metadata, and the
/// configured headroom (free space for the benchmarks: kernbench objects, logs). Too small and mkfs fails
/// half-way; too big costs nothing on disk (the image is sparse) but slows nothing either.
/// </summary>
public static class ImageSize
{
    public const int BlockSize = 4096;
    public const int InodeSize = 256;
    private const long MiB = 1024 * 1024;

    /// <summary>ext4's journal for images of a few GiB (mke2fs picks 64 MiB from 1 to 16 GiB... for smaller ones less).</summary>
    private const long JournalBytes = 64 * MiB;

    /// <summary>What a tree needs.</summary>
    /// <param name="Files">Every entry (files, folders, links).</param>
    /// <param name="DataBytes">The entries' sizes, each rounded up to whole blocks.</param>
    public sealed record TreeUsage(long Files, long DataBytes);

    /// <summary>The inode count and byte size for an image of <paramref name="usage"/> plus <paramref name="headroomMiB"/>.</summary>
    /// <returns>Bytes (a whole number of MiB) and the inode count to pass as <c>mkfs.ext4 -N</c>.</returns>
    public static (long Bytes, long Inodes) For(TreeUsage usage, int headroomMiB)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(headroomMiB);
        // Room for files created at run time too (logs, kernbench objects): one inode per 16 KiB of headroom.
        var inodes = (usage.Files * 5 / 4) + 4096 + (headroomMiB * MiB / 16384);
        var inodeTables = inodes * InodeSize;
        // Block and inode bitmaps, group descriptors, directory indexes: about 3% over data on 4 KiB ext4.
        var metadata = (usage.DataBytes + inodeTables) * 3 / 100;
        var total = usage.DataBytes + inodeTables + metadata + JournalBytes + (headroomMiB * MiB);
        var mib = (total + MiB - 1) / MiB;
        return (mib * MiB, inodes);
    }

    /// <summary>Walks a tree without following symbolic links (a link costs an inode, a long target a block).</summary>
    public static TreeUsage Measure(string root)
    {
        long files = 1, bytes = BlockSize;
        foreach (var entry in Walk(root))
        {
            files++;
            var size = entry switch
            {
                _ when entry.LinkTarget is { } target => target.Length < 60 ? 0 : target.Length, // short targets live in the inode
                FileInfo f => f.Length,
                _ => BlockSize, // a folder: at least one block
            };
            bytes += RoundUp(size);
        }

        return new TreeUsage(files, bytes);
    }

    /// <summary>
    /// Every entry under <paramref name="root"/>, never descending through a symbolic link: .NET's recursive
    /// enumeration follows links to folders, which in a root filesystem double-counts /bin → usr/bin and,
    /// for absolute links, walks out of the tree into the build machine's own /.
    /// </summary>
    public static IEnumerable<FileSystemInfo> Walk(string root)
    {
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(root));
        var options = new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = false };
        while (pending.Count > 0)
        {
            foreach (var entry in pending.Pop().EnumerateFileSystemInfos("*", options))
            {
                if (entry is DirectoryInfo dir && entry.LinkTarget is null)
                {
                    pending.Push(dir);
                }

                yield return entry;
            }
        }
    }

    internal static long RoundUp(long size) => (size + BlockSize - 1) / BlockSize * BlockSize;
}
