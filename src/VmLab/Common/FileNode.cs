using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace VmLab.Common;

/// <summary>What a path names, as <c>lstat</c> sees it: the link itself, never what it points to.</summary>
public enum FileKind
{
    Missing,
    Regular,
    Directory,
    Symlink,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,
}

/// <summary>
/// A path's kind and size, read without opening it. Opening a FIFO blocks until someone writes to it, and a device such
/// as <c>/dev/zero</c> never ends, so a file of a run directory is looked at (statx, no open) before it is read, and
/// read with a limit. .NET reports neither FIFOs nor devices on Linux (their attributes are <c>Normal</c>).
/// </summary>
/// <param name="Kind">The file's kind.</param>
/// <param name="Size">Its size in bytes (0 for what is not a regular file).</param>
public readonly record struct FileNode(FileKind Kind, long Size)
{
    /// <summary>The kind and size of <paramref name="path"/> itself (a symlink is <see cref="FileKind.Symlink"/>); <paramref name="follow"/>: of what it points to.</summary>
    public static FileNode Of(string path, bool follow = false)
    {
        if (OperatingSystem.IsWindows())
        {
            FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
            return !info.Exists && info.LinkTarget is null ? new(FileKind.Missing, 0)
                : info.LinkTarget is not null && !follow ? new(FileKind.Symlink, 0)
                : info is FileInfo file ? new(FileKind.Regular, file.Length)
                : new(FileKind.Directory, 0);
        }

        // struct statx has one layout on every architecture (unlike struct stat): stx_mode is a u16 at byte 28,
        // stx_size a u64 at byte 40 (linux/stat.h).
        var buffer = new byte[256];
        if (Statx(AtFdCwd, path, follow ? 0 : AtSymlinkNoFollow, StatxType | StatxSize, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is 2 or 20 // ENOENT, ENOTDIR
                ? new(FileKind.Missing, 0)
                : throw new IOException($"cannot look at {path} (errno {errno})");
        }

        var kind = (BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(28)) & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.Symlink,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            _ => FileKind.Socket,
        };
        return new(kind, kind == FileKind.Regular ? (long)BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(40)) : 0);
    }

    /// <summary>"a FIFO (named pipe)", "a character device", … for messages.</summary>
    public string Words => Kind switch
    {
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.Symlink => "a symlink",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        _ => "missing",
    };

    /// <summary>
    /// The text of <paramref name="path"/> (UTF-8, as <see cref="File.ReadAllText(string)"/> reads it), reading at most
    /// <paramref name="maxBytes"/>; a longer stream (a pipe, a device) is a <see cref="LabException"/> after that many bytes.
    /// </summary>
    public static string ReadText(string path, long maxBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        var bytes = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, maxBytes + 1 - bytes.Length))) > 0)
        {
            bytes.Write(chunk, 0, read);
            if (bytes.Length > maxBytes)
            {
                throw new LabException($"{path} holds more than {maxBytes / (1024 * 1024)} MiB: far more than any benchmark output or console log, so it is not read.", $"check what it is (ls -l {path}); give the tool's output file instead");
            }
        }

        bytes.Position = 0;
        using var reader = new StreamReader(bytes, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// The text of the regular file <paramref name="path"/> (a link to one is followed), read with
    /// <see cref="ReadText"/>'s limit; a FIFO, a device or a directory there is a <see cref="LabException"/>, not opened.
    /// </summary>
    public static string ReadRegularText(string path, long maxBytes)
    {
        var node = Of(path, follow: true);
        return node.Kind == FileKind.Regular
            ? ReadText(path, maxBytes)
            : throw new LabException($"{path} is {node.Words}, not a regular file: it is not read.", $"put the file itself there, or remove it: rm {path}");
    }

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const uint StatxSize = 0x200;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
