using System.Diagnostics;

namespace VmLab.Tests.Lab;

/// <summary>The job library's counting and stopping functions, run for real under this machine's /bin/sh and coreutils.</summary>
public sealed class JobLibraryTests
{
    [Fact]
    public async Task The_vhost_thread_count_counts_processes_named_vhost_dash()
    {
        var folder = Directory.CreateTempSubdirectory("vmlab-vhost-").FullName;
        var before = await JobShell.RunAsync("vmlab_vhost_threads");
        File.Copy("/bin/sleep", Path.Combine(folder, "vhost-4242"));

        // Two processes whose comm starts with "vhost-" (as vhost-net's workers do), counted while they run.
        var after = await JobShell.RunAsync($"'{folder}/vhost-4242' 30 & a=$!; '{folder}/vhost-4242' 30 & b=$!; sleep 0.2; vmlab_vhost_threads; kill $a $b");

        Assert.Equal(int.Parse(before.Trim()) + 2, int.Parse(after.Trim()));
    }

    [Fact]
    public async Task Stopping_a_VM_that_ignores_SIGTERM_kills_it()
    {
        var output = await JobShell.RunAsync("sh -c 'trap \"\" TERM; while :; do sleep 1; done' & vm=$!\nsleep 0.3; vmlab_stop $vm 1; echo rc=$?; kill -0 $vm 2>/dev/null && echo still running");

        Assert.Equal("rc=137", output.Trim()); // SIGKILL after the grace
    }
}
