using System.Globalization;

namespace VmLab.Common;

/// <summary>
/// One vmlab at a time in a directory: a run directory (a resume while the first still runs), or artifacts/ (what
/// runs share: payload staging, boot disks, stage builds). A second one is refused, naming the holder and since when.
/// The lock is an exclusive open of <c>.lock</c> (flock on Linux); the holder's pid and start time are in
/// <c>.lock.holder</c> beside it, which a refused process can read (reading <c>.lock</c> itself would need the lock).
/// </summary>
public sealed class DirectoryLock : IDisposable
{
    private readonly FileStream _file;
    private readonly string _holder;
    private readonly bool _created;

    private DirectoryLock(FileStream file, string holder, bool created) => (_file, _holder, _created) = (file, holder, created);

    /// <summary>Takes the lock of <paramref name="directory"/> (created if needed); <paramref name="what"/> names it in the refusal.</summary>
    public static DirectoryLock Take(string directory, string what)
    {
        var created = !Directory.Exists(directory);
        var path = Path.Combine(directory, ".lock");
        var holder = path + ".holder";
        FileStream file;
        try
        {
            Directory.CreateDirectory(directory);
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (IsHeld(e))
        {
            var (pid, since) = File.Exists(holder) && File.ReadAllText(holder).Split(' ', 2) is [var p, var s] ? (p, s.Trim()) : ("?", "?");
            throw new LabException($"{what} is already running (pid {pid}, since {since}): {directory} is locked.", $"wait for it, or stop it: kill -INT {pid}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not another vmlab: the lock file cannot be made at all (a read-only mount, a directory of another user).
            var why = e.HResult == ReadOnlyFileSystem ? "it is on a read-only file system" : e is UnauthorizedAccessException ? "this user may not write there" : e.Message;
            throw new LabException(
                $"{what}: cannot write in {directory} to lock it: {why}.",
                $"copy it somewhere writable and run the command on the copy, e.g. cp -a {ShellWord.Quote(directory)} /tmp/");
        }

        AtomicFile.WriteAllText(holder, $"{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)} {DateTimeOffset.UtcNow:yyyy-MM-dd'T'HH:mm:ss'Z'}\n");
        return new DirectoryLock(file, holder, created);
    }

    // On Linux, .NET's IOException carries the errno as its HResult: EWOULDBLOCK (11) when flock finds the lock held,
    // EROFS (30) on a read-only mount. Elsewhere a held lock is a sharing violation (0x80070020).
    private const int WouldBlock = 11;
    private const int ReadOnlyFileSystem = 30;

    private static bool IsHeld(IOException e) => e.HResult is WouldBlock or unchecked((int)0x80070020);

    public void Dispose()
    {
        var directory = Path.GetDirectoryName(_file.Name)!;
        File.Delete(_holder);
        File.Delete(_file.Name);
        _file.Dispose();
        // A new run that failed before it saved anything leaves no empty directory behind.
        if (_created && !Directory.EnumerateFileSystemEntries(directory).Any())
        {
            Directory.Delete(directory);
        }
    }
}
