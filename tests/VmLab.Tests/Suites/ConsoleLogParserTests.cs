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
        Assert.Equal(["call_traces", "oom_kills", "panics", "rcu_stalls", "soft_lockups"], m.Metrics.Keys);
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
    public void Text_without_any_kernel_log_line_is_not_a_console_log()
    {
        Assert.Contains("no kernel log lines", parser.Unrecognised(SuiteFixtures.Read("l0/hackbench-g10-l100-process.txt")));
    }
}
