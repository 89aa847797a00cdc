using VmLab.Suites;

namespace VmLab.Tests.Suites;

public sealed class HackbenchParserTests
{
    private readonly HackbenchParser parser = new();

    [Theory]
    [InlineData("seed-2023/q1-guest-up-hackbench-50.txt", 50, 2000, 120.622)]
    [InlineData("seed-2023/q1-baseline-hackbench-50.txt", 50, 2000, 57.819)]
    [InlineData("seed-2023/q1-guest-up-hackbench-15.txt", 15, 600, 32.488)]
    [InlineData("seed-2023/q4-host-hackbench.txt", 20, 800, 25.319)]
    [InlineData("l0/ltp-hackbench-10-process-50.txt", 10, 400, 0.300)]
    [InlineData("l0/ltp-hackbench-10-thread-50.txt", 10, 400, 0.289)]
    [InlineData("l0/ltp-hackbench-pipe-5-process-100.txt", 5, 200, 0.109)]
    public void Ltp_dialect_gives_groups_tasks_and_time_but_no_mode(string file, int groups, int tasks, double seconds)
    {
        var m = parser.ParseFixture(file);

        Assert.True(m.Valid);
        Assert.Equal(groups, m.Number("groups"));
        Assert.Equal(tasks, m.Number("tasks"));
        Assert.Equal(seconds, m.Number("time_s"));
        Assert.False(m.Metrics.ContainsKey("mode"), "LTP's hackbench does not print the mode");
    }

    [Theory]
    [InlineData("l0/hackbench-g10-l100-process.txt", "process", 10, 400, 0.540)]
    [InlineData("l0/hackbench-g10-l100-thread.txt", "thread", 10, 400, 0.468)]
    [InlineData("l0/hackbench-g4-l200-process-pipe.txt", "process", 4, 160, 0.138)]
    [InlineData("l0/hackbench-g2-f5-s512-thread.txt", "thread", 2, 20, 0.003)]
    [InlineData("l0/hackbench-g20-l50-process.txt", "process", 20, 800, 0.597)]
    public void Rt_tests_dialect_also_gives_the_mode(string file, string mode, int groups, int tasks, double seconds)
    {
        var m = parser.ParseFixture(file);

        Assert.True(m.Valid);
        Assert.Equal(mode, m.Metrics["mode"].Text);
        Assert.Equal(groups, m.Number("groups"));
        Assert.Equal(tasks, m.Number("tasks"));
        Assert.Equal(seconds, m.Number("time_s"));
    }

    // rt-tests' sender() writes its loops to each of the group's receivers: groups × (tasks / groups / 2)² × loops.
    [Theory]
    [InlineData("l0/hackbench-g10-l100-process.txt", 100, 10 * 20 * 20 * 100)]
    [InlineData("l0/hackbench-g4-l200-process-pipe.txt", 200, 4 * 20 * 20 * 200)]
    [InlineData("l0/hackbench-g2-f5-s512-thread.txt", 50, 2 * 5 * 5 * 50)] // -f 5: 5 senders and 5 receivers a group
    [InlineData("l0/hackbench-g20-l50-process.txt", 50, 20 * 20 * 20 * 50)]
    public void Rt_tests_dialect_gives_the_loops_and_so_the_messages_passed(string file, int loops, int messages)
    {
        var m = parser.ParseFixture(file);

        Assert.Equal(loops, m.Number("loops"));
        Assert.Equal(messages, m.Number("messages"));
    }

    [Fact]
    public void Ltp_dialect_does_not_say_its_loops_so_it_has_no_message_count()
    {
        var m = parser.ParseFixture("seed-2023/q1-baseline-hackbench-50.txt");

        Assert.False(m.Metrics.ContainsKey("loops"));
        Assert.False(m.Metrics.ContainsKey("messages"));
    }

    [Fact]
    public void A_header_without_its_time_line_is_a_cut_off_run()
    {
        var text = SuiteFixtures.Read("l0/hackbench-g10-l100-process.txt");
        var cut = text[..text.IndexOf("Time:", StringComparison.Ordinal)];

        Assert.Contains("cut off", parser.Unrecognised(cut));
    }

    [Fact]
    public void Two_runs_in_one_file_are_refused_rather_than_one_silently_chosen()
    {
        var text = SuiteFixtures.Read("seed-2023/q1-guest-up-hackbench-50.txt") + SuiteFixtures.Read("seed-2023/q1-baseline-hackbench-50.txt");

        Assert.Contains("2 hackbench runs", parser.Unrecognised(text));
    }

    [Theory]
    [InlineData("l0/hackbench-error-ulimit-n16.txt")]
    [InlineData("l0/ltp-hackbench-error-ulimit-n16.txt")]
    public void A_hackbench_that_could_not_create_its_sockets_is_an_error_not_a_result(string file)
    {
        var reason = parser.Unrecognised(SuiteFixtures.Read(file));

        Assert.Contains("Creating fdpair (error: Too many open files)", reason);
    }
}
