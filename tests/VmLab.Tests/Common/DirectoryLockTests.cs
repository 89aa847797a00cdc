using VmLab.Common;

namespace VmLab.Tests.Common;

/// <summary>The lock runs share (a run directory, artifacts/): a second holder is told who holds it, never a raw .NET error (issue 16, item 4).</summary>
public sealed class DirectoryLockTests
{
    [Fact]
    public void A_held_lock_is_refused_saying_already_running_with_the_pid_and_since_when()
    {
        var dir = Directory.CreateTempSubdirectory("vmlab-lock-").FullName;
        using var first = DirectoryLock.Take(dir, "run x");

        var error = Assert.Throws<LabException>(() => DirectoryLock.Take(dir, "run x"));

        Assert.Contains($"already running (pid {Environment.ProcessId}, since ", error.Message);
        Assert.Contains($"kill -INT {Environment.ProcessId}", error.Next);
    }

    [Fact]
    public void A_released_lock_can_be_taken_again_and_leaves_no_file_behind()
    {
        var dir = Directory.CreateTempSubdirectory("vmlab-lock-").FullName;
        DirectoryLock.Take(dir, "run x").Dispose();

        using (DirectoryLock.Take(dir, "run x"))
        {
        }

        Assert.Empty(Directory.GetFiles(dir));
    }
}
