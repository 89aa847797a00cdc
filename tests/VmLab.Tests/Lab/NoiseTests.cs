using System.Diagnostics;
using System.Globalization;
using CliWrap;
using CliWrap.Buffered;
using VmLab.Common;
using VmLab.Lab.Noise;

namespace VmLab.Tests.Lab;

/// <summary>
/// The noise monitor's arithmetic on real /proc captures, and its behaviour on this machine: a process outside the
/// run's tree counts as other work, one inside it as the run's; the calibration probe runs the real awk; the quiet gate
/// waits and gives up as its settings say.
/// </summary>
public sealed class NoiseTests
{
    private static NoiseSettings Settings(double quiet = 1.01, double wait = 5) => new(quiet, 1, wait, 0.25, 100_000, 100_000);

    [Fact]
    public void Five_seconds_of_a_busy_L0_from_real_proc_captures()
    {
        var (total0, busy0, steal0) = L0Sample.ParseCpu(Fixture.Read("l0", "proc", "stat.txt"));
        var (total1, busy1, steal1) = L0Sample.ParseCpu(Fixture.Read("l0", "proc", "stat-5s-later.txt"));
        var pressure0 = L0Sample.ParsePressure(Fixture.Read("l0", "proc", "pressure-cpu.txt"));
        var pressure1 = L0Sample.ParsePressure(Fixture.Read("l0", "proc", "pressure-cpu-5s-later.txt"));

        // cpu  237612 0 77992 20829 684 0 422 0 0 0 → busy = user + nice + system + irq + softirq
        Assert.Equal(237612 + 77992 + 422, busy0);
        Assert.Equal(busy0 + 20829 + 684, total0);
        Assert.Equal(0, steal0);
        Assert.Equal(1247173967, pressure1);

        var busy = busy1 - busy0;
        var window = Interference.Between(
            new L0Sample(0, total0, busy0, steal0, 0, pressure0, 0),
            new L0Sample(5, total1, busy1, steal1, busy / 2, pressure1, busy / 4))!;
        // Both CPUs busy the whole 5 s (1023 ticks of 1023): half of it this run's processes, a quarter other processes;
        // the rest no process was charged with (interrupts, softirqs, kernel threads) is the kernel's, not other work.
        Assert.Equal(1.0, window.OtherCpu + window.LabCpu + window.KernelCpu!.Value, 2);
        Assert.Equal(0.25, window.OtherCpu, 2);
        Assert.Equal(0.25, window.KernelCpu!.Value, 2);
        Assert.Equal(0.0, window.Steal);
        Assert.InRange(window.Pressure!.Value, 0.9, 1.0);
        Assert.Equal("other processes 25% of L0's CPUs, this run 50%, kernel 25%, steal 0%, CPU pressure 100% over 5 s", window.Describe());
    }

    [Theory]
    [InlineData("some avg10=0.00 avg60=0.00 avg300=0.00 total=1234\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", 1234L)]
    [InlineData("", null)]
    [InlineData("full avg10=0.00 total=5\n", null)]
    public void Pressure_is_the_some_lines_total_or_unavailable(string text, long? expected) =>
        Assert.Equal(expected, L0Sample.ParsePressure(text));

    [Fact]
    public void A_proc_stat_without_steal_has_steal_unavailable_and_one_without_a_cpu_line_is_refused()
    {
        Assert.Null(L0Sample.ParseCpu("cpu  10 0 5 100\n").Steal);
        Assert.Throws<FormatException>(() => L0Sample.ParseCpu("intr 1 2 3\n"));
    }

    [Fact]
    public void The_runs_ticks_are_its_whole_process_tree_and_nothing_else()
    {
        ProcStat P(int pid, int parent, long ticks) => new(pid, 'S', parent, pid, 0, ticks);
        var processes = new[] { P(1, 0, 1000), P(10, 1, 7), P(11, 10, 20), P(12, 11, 300), P(13, 1, 4000), P(14, 13, 50) };

        var kernelThreads = new[] { P(2, 0, 900), P(30, 2, 80) }; // kthreadd and a kworker: the kernel's, nobody's work
        Assert.Equal(7 + 20 + 300, L0Sample.LabTicksOf(10, processes));
        Assert.Equal(0, L0Sample.LabTicksOf(99, processes));
        Assert.Equal((7L + 20 + 300, 1000L + 4000 + 50), L0Sample.TicksOf(10, [.. processes, .. kernelThreads]));
    }

    [Fact]
    public async Task A_busy_process_outside_the_run_is_other_work_and_one_inside_is_the_runs()
    {
        var ct = TestContext.Current.CancellationToken;
        // Outside: sh starts the loop in the background and exits, so the loop is reparented away from this process.
        var pidFile = Path.GetTempFileName();
        await Cli.Wrap("/bin/sh").WithArguments(["-c", $"sh -c 'while :; do :; done' >/dev/null 2>&1 & echo $! > {pidFile}"]).ExecuteAsync(ct);
        var outside = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
        try
        {
            var before = L0Sample.Read(0, Environment.ProcessId);
            var outsideBefore = ProcStat.Read(outside)?.CpuTicks ?? 0;
            // Inside: awk as this process's child, reaped before the second reading.
            var child = Stopwatch.StartNew();
            await Cli.Wrap("awk").WithArguments(["-v", "n=3000000", CalibrationProbe.Program]).ExecuteBufferedAsync(ct);
            await Task.Delay(TimeSpan.FromSeconds(1.5) - child.Elapsed is { Ticks: > 0 } rest ? rest : TimeSpan.Zero, ct);
            var outsideAfter = ProcStat.Read(outside)?.CpuTicks ?? 0;
            var after = L0Sample.Read(1.5, Environment.ProcessId);

            var window = Interference.Between(before, after)!;
            var totalTicks = after.TotalTicks - before.TotalTicks;
            Assert.True(outsideAfter - outsideBefore > 10, "the outside loop ran");
            // What the outside loop used is in 'other' (up to the tick either reading rounds off), never in the run's share.
            Assert.True(window.OtherCpu * totalTicks >= outsideAfter - outsideBefore - 4, $"{window.Describe()}; loop {outsideAfter - outsideBefore} of {totalTicks} ticks");
            Assert.True(after.LabTicks - before.LabTicks >= 5, "the awk child's CPU time is the run's");
        }
        finally
        {
            Process.GetProcessById(outside).Kill();
        }
    }

    [Fact]
    public async Task The_monitor_answers_for_a_window_and_costs_little()
    {
        await using var monitor = L0Monitor.Start(TimeSpan.FromMilliseconds(200));
        await Task.Delay(700, TestContext.Current.CancellationToken);

        var window = monitor.Over(0.1, monitor.Now)!;

        Assert.InRange(window.Seconds, 0.3, 5);
        Assert.InRange(window.OtherCpu + window.LabCpu, 0, 1);
        Assert.InRange(monitor.SamplingCost, 0, 0.5); // measured and reported by the lab; here only: it is a share
    }

    [Theory]
    [InlineData(0L, 0L)]
    [InlineData(7L, 21L)]
    [InlineData(10L, 21L + 0 + 1 + 2)]
    [InlineData(1_000_000L, 2999997L)]
    public async Task The_probes_sum_is_known_in_advance_and_awk_agrees(long iterations, long sum)
    {
        var awk = await Cli.Wrap("awk").WithArguments(["-v", $"n={iterations}", CalibrationProbe.Program]).ExecuteBufferedAsync(TestContext.Current.CancellationToken);

        Assert.Equal(sum, CalibrationProbe.ExpectedSum(iterations));
        Assert.Equal(sum.ToString(CultureInfo.InvariantCulture), awk.StandardOutput.Trim());
    }

    [Fact]
    public async Task The_L0_probe_gives_a_rate_and_L1s_report_is_checked()
    {
        var (run, failure) = await CalibrationProbe.RunOnL0Async(2_000_000, TestContext.Current.CancellationToken);

        Assert.Null(failure);
        Assert.True(run!.Rate > 1e5, $"{run.Rate} iterations/s");
        Assert.Equal(new ProbeRun(500000, 2), CalibrationProbe.FromFact("start", "iterations=1000000 sum=2999997 rc=0 seconds=2.00").Run);
        Assert.Equal("L1 probe at the end: not reported", CalibrationProbe.FromFact("end", null).Failure);
        Assert.Equal("L1 at the start probe: awk printed '12', expected 2999997: it did not run the loop",
            CalibrationProbe.FromFact("start", "iterations=1000000 sum=12 rc=0 seconds=2.00").Failure);
        Assert.Equal("L1 at the start probe: awk exited 127", CalibrationProbe.FromFact("start", "iterations=1000000 sum= rc=127 seconds=0.01").Failure);
        Assert.StartsWith("L1 probe at the start: unreadable report", CalibrationProbe.FromFact("start", "garbage").Failure);
    }

    [Fact]
    public async Task The_quiet_gate_lets_a_boot_start_when_quiet_and_gives_up_marking_it_disturbed_when_not()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var monitor = L0Monitor.Start(TimeSpan.FromMilliseconds(250));
        var said = new List<string>();

        var quiet = await QuietGate.WaitAsync(monitor, Settings(quiet: 1.01), said.Add, ct);
        // Nothing is ever under 0% of the CPUs: the gate waits its limit, says why, and lets the boot start disturbed.
        var clock = Stopwatch.StartNew();
        var busy = await QuietGate.WaitAsync(monitor, Settings(quiet: 0, wait: 3), said.Add, ct);

        Assert.Null(quiet.Disturbed);
        Assert.NotNull(quiet.AtStart);
        Assert.InRange(clock.Elapsed.TotalSeconds, 3, 15);
        Assert.Matches(@"^L0 was not quiet after [3-9] s: other processes \d+% of L0's CPUs", busy.Disturbed);
        Assert.Contains(said, l => l.StartsWith("waiting for a quiet L0 (0 s of at most 3 s)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_unit_is_disturbed_only_over_the_threshold()
    {
        var busy = new Interference(10, 0.3, 0.5, 0, null);

        Assert.Equal("L0 disturbed: other processes used 30% of L0's CPUs during the unit, over the profile's 25% (noise.disturbedOtherCpu)", NoiseWatch.Disturbance(busy, 0.25));
        Assert.Null(NoiseWatch.Disturbance(busy with { OtherCpu = 0.25 }, 0.25));
    }
}
