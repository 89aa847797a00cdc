using System.Diagnostics;
using System.Text.RegularExpressions;
using CliWrap;
using VmLab.Common;
using VmLab.Lab.Ledger;
using VmLab.Lab.Network;
using VmLab.Lab.Noise;
using VmLab.Lab.Plan;
using VmLab.Lab.Vm;
using VmLab.Lab;

namespace VmLab.Tests.Lab;

/// <summary>
/// The runner against fake VMs: real child processes (/bin/sh) that print a real captured console, or run the real
/// job library, and then hang, crash or behave, the way QEMU does. Budgets are seconds, so hangs are cheap to test.
/// </summary>
public sealed partial class LabRunnerTests
{
    private static readonly Topology TwoCores = Topology.Choose(new MachineCapacity(2, 24000), 1024);

    /// <summary>Smoke with budgets small enough for tests: L1 must be READY in 3 s, hackbench may take 1 s.</summary>
    private static readonly LabProfile Fast = (Profiles.Smoke with
    {
        L1BootSeconds = 3,
        L2BootSeconds = 1,
    }).With(Profiles.Smoke.SettingsOf<VmLab.Suites.HackbenchCommand>() with { TimeoutSeconds = 1 });

    private static RunPlan HostHackbench => RunPlan.Of(Fast, TwoCores, ["host"], ["hackbench"]);

    /// <summary>A fake L1: a shell script per boot; counts the boots it was asked for.</summary>
    private sealed class FakeVm(Func<Boot, string> script) : IL1Launcher
    {
        public List<int> Booted { get; } = [];

        public Command Command(Boot boot, string jobImage, string l1Scratch, string l2Scratch)
        {
            Assert.True(File.Exists(jobImage), "the job disk is built before the VM starts");
            Booted.Add(boot.Number);
            return Cli.Wrap("/bin/sh").WithArguments(["-c", script(boot)]);
        }
    }

    private static string RealConsole => Fixture.Path("lab", "console-l1-host-hackbench.log");

    /// <summary>A well-behaved L1 for the host scenario: the real job library reporting hackbench, then poweroff (exit).</summary>
    private static string Behaving(Boot boot, string thp = "[always] madvise never") =>
        $". '{LibraryFolder}/lib.sh'\n" +
        "vmlab_marker 'READY layer=l1 uptime=1.0'\n" +
        $"vmlab_fact thp '{thp}'\nvmlab_fact kvm present\nvmlab_fact limit_cpus 2\nvmlab_fact servers_cgroup /vmlab\n" +
        $"vmlab_unit hackbench/{boot.Repeat} 5 true 'echo Time: 1.{boot.Repeat}'\n" +
        "vmlab_marker 'DONE rc=0'\n";

    private static readonly Lazy<string> Library = new(() =>
    {
        var folder = Directory.CreateTempSubdirectory("vmlab-lib-").FullName;
        File.WriteAllText(Path.Combine(folder, "lib.sh"), JobShell.Library());
        return folder;
    });

    private static string LibraryFolder => Library.Value;

    private static RunSettings NewRun()
    {
        var root = Directory.CreateTempSubdirectory("vmlab-run-").FullName;
        return new RunSettings("test-run", Path.Combine(root, "results", "test-run"), Path.Combine(root, "work"))
        {
            PoweroffGrace = TimeSpan.FromSeconds(1),
        };
    }

    [Fact]
    public async Task A_VM_that_never_powers_off_after_DONE_is_killed_by_its_pid_and_its_unit_is_kept()
    {
        var settings = NewRun();
        var vm = new FakeVm(boot => boot.Repeat == 1 ? $"cat '{RealConsole}'; exec sleep 600" : Behaving(boot));

        var ledger = await new LabRunner(HostHackbench, settings, vm, TextWriter.Null).RunAsync(TestContext.Current.CancellationToken);

        var unit = new LabUnit("host", "hackbench", 1);
        Assert.Equal(UnitState.Done, ledger[unit]!.State);
        // The console was captured before the servers' cgroup was a required fact of the host scenario.
        Assert.Equal(["fact missing: L1 did not report servers_cgroup"], ledger[unit]!.Problems);
        Assert.EndsWith("Time: 1.290\n", File.ReadAllText(Path.Combine(settings.RunDirectory, unit.RawPath)));
        Assert.Equal(BootEnd.Finished, ledger.Boots[1].Outcome);
        AssertGone(PidOf(settings, "host", 1));
    }

    [Fact]
    public async Task With_a_watch_on_L0_a_boot_records_the_quiet_gate_the_probes_and_what_else_ran_during_each_unit()
    {
        var settings = NewRun();
        var probe = $"2000000 {ShellWord.Quote(CalibrationProbe.Program)}";
        var vm = new FakeVm(boot => Behaving(boot).Replace("vmlab_unit", $"vmlab_calibrate start {probe}\nvmlab_unit", StringComparison.Ordinal)
            .Replace("vmlab_marker 'DONE", $"vmlab_calibrate end {probe}\nvmlab_marker 'DONE", StringComparison.Ordinal));
        await using var monitor = L0Monitor.Start(TimeSpan.FromMilliseconds(250));
        var noise = new NoiseSettings(QuietOtherCpu: 1.01, QuietWindowSeconds: 1, QuietWaitSeconds: 5, DisturbedOtherCpu: 0.25, ProbeIterationsL0: 2_000_000, ProbeIterationsL1: 2_000_000);
        var output = new StringWriter();

        var ledger = await new LabRunner(HostHackbench with { Profile = Fast with { Repeats = 1 } }, settings, vm, output)
            { Noise = new NoiseWatch(monitor, noise, requireQuiet: false) }.RunAsync(TestContext.Current.CancellationToken);

        var boot = ledger.Boots[1];
        Assert.Null(boot.Quiet!.Disturbed);
        Assert.Empty(boot.Calibration!.Failures);
        Assert.True(boot.Calibration.L0Start!.Rate > 0 && boot.Calibration.L0End!.Rate > 0);
        Assert.True(boot.Calibration.L1Start!.Rate > 0 && boot.Calibration.L1End!.Rate > 0); // the job library's probe, run by sh and awk here
        Assert.NotNull(boot.L0);
        var unit = ledger[new LabUnit("host", "hackbench", 1)]!;
        Assert.InRange(unit.L0!.Seconds, 0, boot.Seconds);
        Assert.Contains("probe L0 ", output.ToString());
        Assert.Contains("L0 over the boot: other processes ", output.ToString());
        // units.json keeps it all, and reads back the same.
        Assert.Equal(unit.L0, RunLedger.Load(settings.RunDirectory)![new LabUnit("host", "hackbench", 1)]!.L0);
        Assert.Equal(boot.Calibration.L1Start, RunLedger.Load(settings.RunDirectory)!.Boots[1].Calibration!.L1Start);
    }

    [Fact]
    public async Task With_require_quiet_a_busy_L0_stops_the_run_before_the_boot_and_keeps_what_was_done()
    {
        var settings = NewRun();
        await using var monitor = L0Monitor.Start(TimeSpan.FromMilliseconds(250));
        var never = new NoiseSettings(QuietOtherCpu: 0, QuietWindowSeconds: 1, QuietWaitSeconds: 1, DisturbedOtherCpu: 0.25, ProbeIterationsL0: 200_000, ProbeIterationsL1: 20_000);
        var vm = new FakeVm(b => Behaving(b));

        var refused = await Assert.ThrowsAsync<LabException>(() => new LabRunner(HostHackbench, settings, vm, TextWriter.Null)
            { Noise = new NoiseWatch(monitor, never, requireQuiet: true), ResumeCommand = "./build.sh --target=Lab --resume=test-run" }.RunAsync(TestContext.Current.CancellationToken));

        Assert.Matches(@"^Boot #1 was not started: L0 was not quiet after \d s: other processes", refused.Message);
        Assert.EndsWith("then: ./build.sh --target=Lab --resume=test-run", refused.Next);
        Assert.Empty(vm.Booted);
    }

    [Fact]
    public async Task A_VM_that_hangs_mid_transfer_is_killed_its_unit_fails_with_the_console_tail_and_the_run_goes_on()
    {
        var settings = NewRun();
        var cut = File.ReadLines(RealConsole).TakeWhile(l => !l.StartsWith("@@VMLAB:END", StringComparison.Ordinal)).Count();
        var vm = new FakeVm(boot => boot.Repeat == 1 ? $"head -n {cut} '{RealConsole}'; exec sleep 600" : Behaving(boot));
        var clock = Stopwatch.StartNew();

        var ledger = await new LabRunner(HostHackbench, settings, vm, TextWriter.Null).RunAsync(TestContext.Current.CancellationToken);

        var hung = ledger[new LabUnit("host", "hackbench", 1)]!;
        Assert.Equal(UnitState.Failed, hung.State);
        Assert.Contains("over the boot's budget", hung.Problems[0]);
        Assert.StartsWith("transfer failed: the console ended inside the block", hung.Problems[1]);
        Assert.Contains("console tail (raw/host/console-1.log)", hung.Problems[2]);
        Assert.Contains("@@VMLAB:BEGIN hackbench/1.txt", File.ReadAllText(Path.Combine(settings.RunDirectory, "raw", "host", "console-1.log")));
        Assert.False(File.Exists(Path.Combine(settings.RunDirectory, "raw", "host", "hackbench", "1.txt"))); // half a file is never saved
        AssertGone(PidOf(settings, "host", 1));

        Assert.Equal(UnitState.Done, ledger[new LabUnit("host", "hackbench", 2)]!.State); // the run went on
        Assert.Equal([1, 2], vm.Booted);
        Assert.InRange(clock.Elapsed.TotalSeconds, 4, 30); // budget: L1 boot 3 s + L2 boot 1 s + hackbench 1 s
    }

    [Fact]
    public async Task A_VM_that_never_reaches_READY_is_killed_at_the_boot_budget()
    {
        var settings = NewRun();
        var vm = new FakeVm(_ => "echo 'Booting Linux on physical CPU 0x0'; exec sleep 600");

        var ledger = await new LabRunner(HostHackbench with { Profile = Fast with { Repeats = 1 } }, settings, vm, TextWriter.Null)
            .RunAsync(TestContext.Current.CancellationToken);

        var unit = ledger[new LabUnit("host", "hackbench", 1)]!;
        Assert.Equal(UnitState.Failed, unit.State);
        Assert.Equal("no READY within 3 s (hung or failed boot)", unit.Problems[0]);
        Assert.Contains("Booting Linux", unit.Problems[1]);
    }

    [Fact]
    public async Task A_VM_that_crashes_mid_job_fails_its_unfinished_units_with_its_exit_code()
    {
        var settings = NewRun();
        var vm = new FakeVm(_ => "echo '@@VMLAB:READY layer=l1 uptime=1@@'; echo 'Kernel panic - not syncing'; exit 1");

        var ledger = await new LabRunner(HostHackbench with { Profile = Fast with { Repeats = 1 } }, settings, vm, TextWriter.Null)
            .RunAsync(TestContext.Current.CancellationToken);

        Assert.StartsWith("the VM stopped (exit code 1) before the job finished", ledger[new LabUnit("host", "hackbench", 1)]!.Problems[0]);
    }

    [Fact]
    public async Task Ctrl_C_mid_boot_keeps_finished_units_and_a_resume_runs_only_the_rest_in_a_new_boot()
    {
        var settings = NewRun();
        using var ctrlC = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var first = new FakeVm(boot => boot.Repeat == 1 ? Behaving(boot) : "echo '@@VMLAB:READY layer=l1 uptime=1@@'; exec sleep 600");
        // "Ctrl-C" once boot 2's VM is up (its console says READY): on a busy machine building its disks alone can take
        // longer than any fixed delay, and a Ctrl-C before the VM started leaves no console to keep.
        var console2 = Path.Combine(settings.RunDirectory, "raw", "host", "console-2.log");
        var output = new LineWatch(line => line.Contains("boot 2/2", StringComparison.Ordinal), () => CancelWhenReady(console2, ctrlC));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new LabRunner(HostHackbench, settings, first, output).RunAsync(ctrlC.Token));

        var saved = RunLedger.Load(settings.RunDirectory)!;
        Assert.Equal(UnitState.Done, saved[new LabUnit("host", "hackbench", 1)]!.State);
        Assert.Null(saved[new LabUnit("host", "hackbench", 2)]); // interrupted: pending, not failed
        Assert.Equal(2, saved.LastBoot);
        AssertGone(PidOf(settings, "host", 2));
        var rawBefore = File.ReadAllBytes(Path.Combine(settings.RunDirectory, "raw/host/hackbench/1.txt"));

        var second = new FakeVm(boot => Behaving(boot));
        var resumed = await new LabRunner(HostHackbench, settings, second, TextWriter.Null).RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal([3], second.Booted); // only the unfinished repeat, under a new boot number
        Assert.Equal(1, resumed[new LabUnit("host", "hackbench", 1)]!.Boot); // not repeated
        Assert.Equal(3, resumed[new LabUnit("host", "hackbench", 2)]!.Boot);
        Assert.Equal(rawBefore, File.ReadAllBytes(Path.Combine(settings.RunDirectory, "raw/host/hackbench/1.txt")));
        Assert.True(File.Exists(Path.Combine(settings.RunDirectory, "raw/host/console-2.log"))); // the interrupted console is kept
    }

    [Fact]
    public async Task Units_of_a_boot_whose_factor_was_not_in_force_are_kept_but_marked_invalid()
    {
        var settings = NewRun();
        var vm = new FakeVm(boot => Behaving(boot, thp: "always madvise [never]"));

        var ledger = await new LabRunner(HostHackbench with { Profile = Fast with { Repeats = 1 } }, settings, vm, TextWriter.Null)
            .RunAsync(TestContext.Current.CancellationToken);

        var unit = ledger[new LabUnit("host", "hackbench", 1)]!;
        Assert.Equal(UnitState.Done, unit.State);
        Assert.Equal(["factor: THP in L1 is 'always madvise [never]', the scenario needs [always]"], unit.Problems);
    }

    [Fact]
    public async Task A_stall_on_the_console_during_a_boot_marks_its_units_invalid_with_the_console_scan()
    {
        var settings = NewRun();
        // printf assembles the kernel lines so that the VM's command line, which the console log records, does not contain them.
        var vm = new FakeVm(boot => "printf '[    0.000000] Linux %s 6.1.0\\n[  120.622000] rcu: INFO: rcu_%s detected stalls on CPUs/tasks:\\n' version preempt\n" + Behaving(boot));

        var ledger = await new LabRunner(HostHackbench with { Profile = Fast with { Repeats = 1 } }, settings, vm, TextWriter.Null)
            .RunAsync(TestContext.Current.CancellationToken);

        var unit = ledger[new LabUnit("host", "hackbench", 1)]!;
        Assert.Equal(UnitState.Done, unit.State);
        Assert.StartsWith("console: L1 of boot 1: 1 RCU stall", Assert.Single(unit.Problems));
    }

    /// <summary>A host-scenario L1 that serves netperf: the real job library says SERVE and waits for L0's go on its console.</summary>
    private static string Serving(Boot boot) =>
        $". '{LibraryFolder}/lib.sh'\n" +
        "vmlab_marker 'READY layer=l1 uptime=1.0'\n" +
        "vmlab_fact thp '[always] madvise never'\nvmlab_fact kvm present\nvmlab_fact limit_cpus 2\nvmlab_fact servers_cgroup /vmlab\n" +
        "vmlab_serve l1 192.168.0.101 20\n" +
        "vmlab_marker 'DONE rc=0'\n";

    /// <summary>L0's client, faked: replays a real netperf TCP_RR output (fixtures/l0) and records the commands it was given.</summary>
    private sealed class ReplayClient(string output, int exitCode = 0) : INetworkClient
    {
        public List<string> Commands { get; } = [];

        public Task<ClientRun> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
        {
            Commands.Add(command);
            return Task.FromResult(new ClientRun(command, exitCode, TimeSpan.FromSeconds(1.5), File.ReadAllBytes(output), TimedOut: exitCode == 124));
        }
    }

    private static RunPlan HostNetperfRr => RunPlan.Of(Fast with { Repeats = 1 }, TwoCores, ["host"], ["netperf-rr"]);

    [Fact]
    public async Task When_the_VM_serves_L0_runs_the_network_client_against_it_saves_the_unit_and_lets_the_job_go_on()
    {
        var settings = NewRun();
        var replay = Fixture.Path("l0", "netperf-tcp-rr.txt");
        var client = new ReplayClient(replay);

        var ledger = await new LabRunner(HostNetperfRr, settings, new FakeVm(Serving), TextWriter.Null, client).RunAsync(TestContext.Current.CancellationToken);

        var unit = ledger[new LabUnit("host", "netperf-rr", 1)]!;
        Assert.Equal(UnitState.Done, unit.State);
        Assert.Equal(1.5, unit.Seconds);
        Assert.Equal(["netperf -H 192.168.0.101 -t TCP_RR -l 2 -c -C"], client.Commands); // against L1, the host scenario's server
        Assert.Equal(File.ReadAllBytes(replay), File.ReadAllBytes(Path.Combine(settings.RunDirectory, "raw/host/netperf-rr/1.txt")));
        var console = File.ReadAllText(Path.Combine(settings.RunDirectory, "raw/host/console-1.log"));
        Assert.Contains("@@VMLAB:FACT served=l1 192.168.0.101@@", console); // the job read L0's go from its console
        Assert.Equal(BootEnd.Finished, ledger.Boots[1].Outcome);
    }

    [Fact]
    public async Task A_boot_records_its_time_line_by_L0s_clock_from_L1s_markers_and_L0s_clients()
    {
        var settings = NewRun();
        var client = new ReplayClient(Fixture.Path("l0", "netperf-tcp-rr.txt"));

        await new LabRunner(HostNetperfRr, settings, new FakeVm(Serving), TextWriter.Null, client).RunAsync(TestContext.Current.CancellationToken);

        var timeline = RunLedger.Load(settings.RunDirectory)!.Boots[1].Timeline!; // as saved in units.json
        Assert.Equal(
            ["ready l1", "serve l1", "client netperf-rr", "client netperf-rr done", "go", "served", "done", "exit"],
            timeline.Select(m => m.Event));
        Assert.Equal(timeline.Select(m => m.Seconds).Order(), timeline.Select(m => m.Seconds));
        Assert.InRange(timeline[^1].Seconds, 0, 30);
    }

    [Fact]
    public async Task A_network_client_that_fails_fails_its_unit_and_the_VM_still_goes_on()
    {
        var settings = NewRun();
        var client = new ReplayClient(Fixture.Path("l0", "netperf-tcp-rr.txt"), exitCode: 124);

        var ledger = await new LabRunner(HostNetperfRr, settings, new FakeVm(Serving), TextWriter.Null, client).RunAsync(TestContext.Current.CancellationToken);

        var unit = ledger[new LabUnit("host", "netperf-rr", 1)]!;
        Assert.Equal(UnitState.Failed, unit.State);
        Assert.Contains("timed out", unit.Problems[0]);
        Assert.Contains("in the L0 client", unit.Problems[0]);
        Assert.Equal(BootEnd.Finished, ledger.Boots[1].Outcome);
    }

    [Fact]
    public async Task Boots_run_in_the_seeded_block_order_and_a_resume_keeps_the_recorded_order()
    {
        var settings = NewRun();
        var plan = RunPlan.Of(Fast, TwoCores, ["host", "baseline", "guest-up"], ["hackbench"], seed: 7);
        using var ctrlC = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var first = new FakeVm(boot => boot.Number <= 2 ? Behaving(boot) : "echo '@@VMLAB:READY layer=l1 uptime=1@@'; exec sleep 600");
        var output = new LineWatch(line => line.Contains("boot 3/6", StringComparison.Ordinal), () => ctrlC.CancelAfter(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new LabRunner(plan, settings, first, output).RunAsync(ctrlC.Token));

        var saved = RunLedger.Load(settings.RunDirectory)!;
        Assert.Equal(plan.Order, saved.Order, new OrderComparer());
        var expected = plan.Order.Sequence.ToList();
        Assert.Equal(expected.Take(2).Select(s => s.Scenario), saved.Boots.Values.Select(b => b.Scenario));

        // Resumed with another seed on the command line's plan: the recorded order wins.
        var second = new FakeVm(boot => Behaving(boot));
        var resumed = new LabRunner(RunPlan.Of(Fast, TwoCores, ["host", "baseline", "guest-up"], ["hackbench"], seed: 8), settings, second, TextWriter.Null);
        await resumed.RunAsync(TestContext.Current.CancellationToken);
        Assert.Equal(7UL, resumed.Plan.Order.Seed);
        var ledger = RunLedger.Load(settings.RunDirectory)!;
        var ran = ledger.Units.Where(u => u.Value.State == UnitState.Done).OrderBy(u => u.Value.Boot)
            .Select(u => (int.Parse(u.Key.Split('/')[2]), u.Key.Split('/')[0])).ToList();
        Assert.Equal(expected, ran);
    }

    private sealed class OrderComparer : IEqualityComparer<RunOrder?>
    {
        public bool Equals(RunOrder? x, RunOrder? y) =>
            x is not null && y is not null && x.Seed == y.Seed && x.Blocks.Count == y.Blocks.Count && x.Blocks.Zip(y.Blocks).All(p => p.First.SequenceEqual(p.Second));

        public int GetHashCode(RunOrder? obj) => obj?.Seed.GetHashCode() ?? 0;
    }

    [Fact]
    public async Task The_console_log_and_the_runs_last_line_name_this_machines_paths_relative_to_the_artifacts_and_the_repository()
    {
        // Issue 26, item 21: L1's command (kernel, images, payload, job disk) is recorded as artifacts/..., so two machines
        // write the same console log for the same boot.
        var root = Directory.CreateTempSubdirectory("vmlab-run-").FullName;
        var paths = new RepoPaths(root);
        var settings = new RunSettings("test-run", Path.Combine(root, "results", "test-run"), Path.Combine(paths.Artifacts, "lab", "runs", "test-run"))
        {
            PoweroffGrace = TimeSpan.FromSeconds(1),
            Paths = paths,
        };
        var output = new StringWriter();

        await new LabRunner(HostHackbench, settings, new DiskNamingVm(), output).RunAsync(TestContext.Current.CancellationToken);

        var log = File.ReadAllText(Path.Combine(settings.RunDirectory, "raw", "host", "console-1.log"));
        var started = log[..log.IndexOf("@@VMLAB:", StringComparison.Ordinal)]; // the command, as the log's first note
        Directory.Delete(root, recursive: true);
        Assert.StartsWith("# vmlab: started pid ", started);
        Assert.Contains(" artifacts/lab/runs/test-run/boot-1/job.img", started);
        Assert.DoesNotContain(root, started);
        Assert.Contains("results in results/test-run", output.ToString());
        Assert.DoesNotContain(root, output.ToString());
    }

    /// <summary>A well-behaved fake L1 with its job disk's path on its command line, as QEMU's <c>-drive file=</c> has it.</summary>
    private sealed class DiskNamingVm : IL1Launcher
    {
        public Command Command(Boot boot, string jobImage, string l1Scratch, string l2Scratch) =>
            Cli.Wrap("/bin/sh").WithArguments(["-c", Behaving(boot), "sh", jobImage]);
    }

    private static void CancelWhenReady(string console, CancellationTokenSource ctrlC) => _ = Task.Run(async () =>
    {
        while (!ctrlC.IsCancellationRequested && !(File.Exists(console) && (await File.ReadAllTextAsync(console)).Contains("@@VMLAB:READY", StringComparison.Ordinal)))
        {
            await Task.Delay(50);
        }

        ctrlC.Cancel();
    });

    private static int PidOf(RunSettings settings, string scenario, int boot)
    {
        var log = File.ReadAllText(Path.Combine(settings.RunDirectory, "raw", scenario, $"console-{boot}.log"));
        return int.Parse(PidPattern().Match(log).Groups[1].Value);
    }

    private static void AssertGone(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            Assert.True(process.HasExited, $"VM process {pid} is still running");
        }
        catch (ArgumentException)
        {
            // no such process: gone
        }
    }

    [GeneratedRegex(@"# vmlab: started pid (\d+)")]
    private static partial Regex PidPattern();

    /// <summary>The runner's progress output, watched for a line (to press "Ctrl-C" at a chosen moment).</summary>
    private sealed class LineWatch(Func<string, bool> match, Action then) : TextWriter
    {
        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void WriteLine(string? value)
        {
            if (value is not null && match(value))
            {
                then();
            }
        }
    }
}
