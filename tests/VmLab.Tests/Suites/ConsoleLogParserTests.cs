using VmLab.Suites;

namespace VmLab.Tests.Suites;

public sealed class ConsoleLogParserTests
{
    private readonly ConsoleLogParser parser = new();

    [Fact]
    public void The_2023_rcu_stall_marks_the_run()
    {
        var m = parser.ParseFixture("seed-2023/q1-console-rcu-stall.txt");

        Assert.False(m.Valid);
        Assert.Equal(1, m.Number("rcu_stalls"));
        Assert.Equal(
            ["1 RCU stall in the console log, first at line 1: \"[  247.919034] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:\""],
            m.Problems);
    }

    [Fact]
    public void A_clean_boot_log_has_no_findings_even_though_its_command_line_says_panic()
    {
        var text = SuiteFixtures.Read("l0/dmesg.txt");
        Assert.Contains("panic=1", text);

        var m = parser.Recognised(text);

        Assert.True(m.Valid, string.Join("; ", m.Problems));
        Assert.Equal(["call_traces", "hard_lockups", "hung_tasks", "oom_kills", "panics", "rcu_stalls", "soft_lockups"], m.Metrics.Keys);
        Assert.All(m.Metrics.Values, v => Assert.Equal(0, v.Number));
    }

    [Fact]
    public void A_finding_inserted_into_a_real_log_is_counted_and_located()
    {
        // The real dmesg with the study's stall line spliced in after line 100, as a console log would carry it.
        var lines = SuiteFixtures.Read("l0/dmesg.txt").Split('\n').ToList();
        lines.Insert(100, SuiteFixtures.Read("seed-2023/q1-console-rcu-stall.txt").TrimEnd());

        var m = parser.Recognised(string.Join('\n', lines));

        Assert.Equal(1, m.Number("rcu_stalls"));
        Assert.Contains("first at line 101", m.Problems.Single());
    }

    [Fact]
    public void A_console_with_only_userspace_output_is_a_clean_log()
    {
        // A quiet boot leaves little but the agent's own output on the console, e.g. a benchmark's result.
        var m = parser.Recognised(SuiteFixtures.Read("l0/hackbench-g10-l100-process.txt"));

        Assert.True(m.Valid);
        Assert.All(m.Metrics.Values, v => Assert.Equal(0, v.Number));
    }

    [Fact]
    public void Each_kind_of_finding_is_counted_once_per_event()
    {
        // No kernel here can be made to lock up, run out of memory or panic for a fixture, so these lines follow
        // the kernel's own printk formats (linux-source-6.1: kernel/watchdog.c:434, mm/oom_kill.c:959,
        // arch/arm64/kernel/stacktrace.c:157, kernel/rcu/tree_stall.h:653, kernel/panic.c:333 and :440),
        // spliced into this machine's real dmesg.
        string[] events =
        [
            "[  301.120001] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [hackbench:4242]",
            "[  301.120417] Call trace:",
            "[  412.000102] rcu: INFO: rcu_preempt self-detected stall on CPU",
            "[  412.000388] Call trace:",
            "[  530.551234] Out of memory: Killed process 4242 (hackbench) total-vm:9616kB, anon-rss:128kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:56kB oom_score_adj:0",
            "[  600.000001] Kernel panic - not syncing: softlockup: hung tasks",
            "[  600.000002] Call trace:",
            "[  600.000900] ---[ end Kernel panic - not syncing: softlockup: hung tasks ]---",
        ];
        var text = SuiteFixtures.Read("l0/dmesg.txt").TrimEnd() + "\n" + string.Join('\n', events) + "\n";

        var m = parser.Recognised(text);

        Assert.Equal(1, m.Number("soft_lockups"));
        Assert.Equal(1, m.Number("rcu_stalls"));
        Assert.Equal(1, m.Number("oom_kills"));
        Assert.Equal(3, m.Number("call_traces"));
        Assert.Equal(1, m.Number("panics"));
        Assert.Equal(5, m.Problems.Count);
        Assert.Contains(m.Problems, p => p.StartsWith("3 call traces in the console log, first at line 335:", StringComparison.Ordinal));
    }
}
