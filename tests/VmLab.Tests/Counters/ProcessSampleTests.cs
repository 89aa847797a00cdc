using VmLab.Counters;
using VmLab.Lab.Vm;

namespace VmLab.Tests.Counters;

/// <summary>A QEMU process's CPU time by thread role, from real stat lines (fixtures/l0/qemu-threads) and from /proc.</summary>
public sealed class ProcessSampleTests
{
    private static ProcessSample Sample(string file)
    {
        var lines = Fixture.Read("l0", "qemu-threads", file).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return new ProcessSample(TaskStat.Parse(lines[0])!, lines.Skip(1).Select(l => TaskStat.Parse(l)!).ToList());
    }

    [Fact]
    public void A_stat_line_gives_its_id_name_and_user_and_system_ticks_whatever_the_name_holds()
    {
        var vcpu = TaskStat.Parse("30942 (CPU 0/TCG) S 30935 30935 4296 0 -1 138412224 12 0 0 0 7 3 0 0 20 0 4 0");

        Assert.Equal(new TaskStat(30942, "CPU 0/TCG", 7, 3), vcpu);
        Assert.Equal(new TaskStat(5, "a) (b", 1, 2), TaskStat.Parse("5 (a) (b) R 1 1 1 0 -1 0 0 0 0 0 1 2"));
        Assert.Null(TaskStat.Parse("30942 (CPU 0/TCG) S 30935"));
        Assert.Null(TaskStat.Parse("not a stat line"));
    }

    [Fact]
    public void QEMUs_threads_are_told_apart_by_name_and_the_rest_is_the_process_less_the_named_threads()
    {
        var start = Sample("start.txt");
        var end = Sample("end.txt");
        var set = new CounterSet();

        ProcessSample.AddDelta(set, "l0.qemu", start, end);
        var counters = set.ToCounters();

        Assert.Equal(["main", "vcpu0", "vcpu1"], start.Threads.Select(t => ProcessSample.Role(t, start.Process.Id)).OfType<string>().Order());
        Assert.Equal(4, counters.Values["l0.qemu.threads"]);
        Assert.Empty(counters.Unavailable);
        // The fixture: the process 3+1 ticks at both edges, the threads 0 at both (a paused QEMU uses no CPU).
        Assert.Equal(0, counters.Values["l0.qemu.user"]);
        Assert.Equal(0, counters.Values["l0.qemu.vcpus.user"]);
        Assert.Equal(0, counters.Values["l0.qemu.other.cpu"]);
    }

    [Fact]
    public void A_thread_that_ends_during_the_unit_is_unavailable_and_so_is_the_rest_but_the_process_is_not()
    {
        var start = Sample("start.txt");
        var end = Sample("end.txt");
        var withoutVcpu1 = end with { Threads = end.Threads.Where(t => t.Name != "CPU 1/TCG").ToList() };
        var set = new CounterSet();

        ProcessSample.AddDelta(set, "l0.qemu", start, withoutVcpu1);
        var counters = set.ToCounters();

        Assert.StartsWith("thread ", counters.Unavailable["l0.qemu.vcpu1.user"]);
        Assert.EndsWith("ended during the unit", counters.Unavailable["l0.qemu.vcpu1.user"]);
        Assert.Contains("l0.qemu.other.cpu", counters.Unavailable.Keys);
        Assert.Equal(0, counters.Values["l0.qemu.vcpu0.user"]);
        Assert.Equal(0, counters.Values["l0.qemu.user"]); // the process's own times still hold every thread's
    }

    [Fact]
    public void L0_reads_a_running_process_at_both_edges_and_a_gone_one_is_unavailable()
    {
        var timeline = new BootTimeline();
        timeline.Start();
        var counters = new L0Counters(timeline, new ConsoleInput()) { Pid = Environment.ProcessId };

        counters.OnEdge(new EdgeEvent("hackbench/1", "start"));
        var spin = DateTime.UtcNow.AddMilliseconds(300);
        while (DateTime.UtcNow < spin)
        {
            // some CPU time for this process's main thread or others
        }

        counters.OnEdge(new EdgeEvent("hackbench/1", "end"));
        var gone = new L0Counters(timeline, new ConsoleInput()) { Pid = int.MaxValue };
        gone.Read("ab/1", "start");
        gone.Read("ab/1", "end");

        var unit = counters.Of("hackbench/1")!;
        Assert.InRange(unit.Values["l0.seconds"], 0.2, 30);
        Assert.True(unit.Values["l0.qemu.user"] + unit.Values["l0.qemu.system"] > 0);
        Assert.True(unit.Values["l0.qemu.threads"] > 1);
        Assert.Equal("the process could not be read at the unit's start", gone.Of("ab/1")!.Unavailable["l0.qemu.user"]);
        Assert.Null(counters.Of("ab/1"));
    }
}
