using System.Diagnostics;

namespace VmLab.Tests.Lab;

/// <summary>The job library's waiting and counting functions, run for real under this machine's /bin/sh and coreutils.</summary>
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
    public async Task Waiting_for_a_console_returns_when_the_pattern_is_written_not_when_the_writer_ends()
    {
        var console = Path.Combine(Directory.CreateTempSubdirectory("vmlab-wait-").FullName, "l2-console-1.log");
        var clock = Stopwatch.StartNew();

        // A "VM" that creates its console as it starts (after the wait began, as QEMU does), prints noise, then the
        // servers fact, then stays up for a minute (as L2 serving does).
        var output = await JobShell.RunAsync(
            $"( sleep 0.5; echo noise > '{console}'; echo '@@VMLAB:FACT servers=up@@' >> '{console}'; sleep 60 ) & vm=$!\n" +
            $"vmlab_wait_console '{console}' 'FACT servers=' 50 $vm; echo rc=$?; kill $vm");

        Assert.Equal("rc=0", output.Trim());
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.4, 40); // well before the VM's minute is up
    }

    [Fact]
    public async Task Waiting_for_a_console_made_before_the_VM_starts_sees_what_the_VM_appends()
    {
        // As the L1 job does it: the file exists (empty) before the wait, so tail follows it by inotify.
        var console = Path.Combine(Directory.CreateTempSubdirectory("vmlab-wait-").FullName, "l2-console-1.log");

        var output = await JobShell.RunAsync(
            $": > '{console}'\n( sleep 0.5; echo '@@VMLAB:PHASE serving uptime=1.00@@' >> '{console}'; sleep 60 ) & vm=$!\n" +
            $"vmlab_wait_console '{console}' '@@VMLAB:PHASE serving ' 50 $vm; echo rc=$?; kill $vm");

        Assert.Equal("rc=0", output.Trim());
    }

    [Fact]
    public async Task Stopping_a_VM_that_ignores_SIGTERM_kills_it()
    {
        var output = await JobShell.RunAsync("sh -c 'trap \"\" TERM; while :; do sleep 1; done' & vm=$!\nsleep 0.3; vmlab_stop $vm 1; echo rc=$?; kill -0 $vm 2>/dev/null && echo still running");

        Assert.Equal("rc=137", output.Trim()); // SIGKILL after the grace
    }

    [Fact]
    public async Task Waiting_for_a_console_gives_up_when_the_VM_exits_or_the_time_is_up()
    {
        var console = Path.Combine(Directory.CreateTempSubdirectory("vmlab-wait-").FullName, "l2-console-1.log");
        await File.WriteAllTextAsync(console, "@@VMLAB:READY layer=l2 uptime=9.0@@\n", TestContext.Current.CancellationToken);

        var exited = await JobShell.RunAsync($"sleep 0.5 & vm=$!\nvmlab_wait_console '{console}' 'FACT servers=' 50 $vm; echo rc=$?");
        var timedOut = await JobShell.RunAsync($"vmlab_wait_console '{console}' 'FACT servers=' 1; echo rc=$?");
        var already = await JobShell.RunAsync($"vmlab_wait_console '{console}' 'READY layer=l2' 50; echo rc=$?");

        Assert.Equal("rc=1", exited.Trim());
        Assert.Equal("rc=124", timedOut.Trim());
        Assert.Equal("rc=0", already.Trim());
    }

    [Fact]
    public async Task Waiting_for_a_VM_to_power_off_returns_its_exit_or_stops_it_after_the_time()
    {
        var powered = await JobShell.RunAsync("sh -c 'sleep 0.3; exit 3' & vm=$!\nvmlab_wait_pid $vm 30; echo rc=$?");
        var stopped = await JobShell.RunAsync("sleep 60 & vm=$!\nvmlab_wait_pid $vm 1; echo rc=$?; kill -0 $vm 2>/dev/null && echo still running");

        Assert.Equal("rc=3", powered.Trim());
        Assert.Equal("rc=1", stopped.Trim());
    }
}
