using System.Runtime.InteropServices;

namespace VmLab.Common;

/// <summary>
/// Writes that either happen whole or not at all, and survive a power loss: write a temporary file beside the
/// target, fsync it, rename it into place, then fsync the directory (the rename is only durable once the directory
/// is: https://lwn.net/Articles/457667/). A crash, Ctrl-C, full disk or power loss mid-write leaves the previous
/// content (or nothing), never half a file or an empty one.
/// </summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string contents) =>
        Write(path, temp => File.WriteAllText(temp, contents));

    public static void WriteAllBytes(string path, byte[] contents) =>
        Write(path, temp => File.WriteAllBytes(temp, contents));

    public static async Task WriteAllTextAsync(string path, string contents, CancellationToken cancellationToken = default)
    {
        var temp = TempBeside(path);
        try
        {
            await File.WriteAllTextAsync(temp, contents, cancellationToken);
            Commit(temp, path);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>
    /// Writes <paramref name="contents"/> to <paramref name="path"/> and keeps the file it replaces as
    /// <paramref name="backup"/>: the new file is written (and synced) first, then the old one is moved aside and the
    /// new one renamed into place, so a failed write (a full disk) leaves <paramref name="path"/> untouched.
    /// </summary>
    public static void Replace(string path, string contents, string backup)
    {
        var temp = TempBeside(path);
        try
        {
            File.WriteAllText(temp, contents);
            using (var file = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite))
            {
                file.Flush(flushToDisk: true);
            }

            File.Replace(temp, path, backup);
            SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Runs <paramref name="write"/> against a temporary path beside <paramref name="path"/>, then renames it into place.</summary>
    public static void Write(string path, Action<string> write)
    {
        var temp = TempBeside(path);
        try
        {
            write(temp);
            Commit(temp, path);
        }
        finally
        {
            File.Delete(temp); // no-op after a successful move
        }
    }

    /// <summary>Flushes <paramref name="directory"/>'s entries (renames, new files) to disk. A no-op where directories cannot be opened (Windows).</summary>
    public static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"cannot open {directory} to sync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of {directory} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static void Commit(string temp, string path)
    {
        using (var file = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    private static string TempBeside(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
    }

    // DllImport rather than LibraryImport: the source-generated stubs need unsafe code, for three plain calls.
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
