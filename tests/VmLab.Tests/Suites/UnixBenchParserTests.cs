using VmLab.Suites;

namespace VmLab.Tests.Suites;

public sealed class UnixBenchParserTests
{
    private readonly UnixBenchParser parser = new();

    [Theory]
    [InlineData("Shell Scripts (8 concurrent)", "shell_scripts_8_concurrent")]
    [InlineData("Dhrystone 2 using register variables", "dhrystone_2_using_register_variables")]
    [InlineData("Pipe-based Context Switching", "pipe_based_context_switching")]
    [InlineData("Double-Precision Whetstone", "double_precision_whetstone")]
    [InlineData("File Copy 1024 bufsize 2000 maxblocks", "file_copy_1024_bufsize_2000_maxblocks")]
    public void Test_names_become_metric_stems(string name, string stem) => Assert.Equal(stem, UnixBenchParser.Stem(name));

    [Fact]
    public void The_host_index_gives_the_score_and_every_line()
    {
        var m = parser.ParseFixture("seed-2023/q4-host-unixbench.txt");

        Assert.True(m.Valid);
        Assert.Equal(52.2, m.Number("index_score"));
        Assert.Equal(4328921.7, m.Number("dhrystone_2_using_register_variables_result"));
        Assert.Equal(370.9, m.Number("dhrystone_2_using_register_variables_index"));
        Assert.Equal(35.5, m.Number("shell_scripts_8_concurrent_result"));
        Assert.Equal(59.2, m.Number("shell_scripts_8_concurrent_index"));
        Assert.Equal(16.7, m.Number("system_call_overhead_index"));
        Assert.Equal(1 + 12 * 2, m.Metrics.Count);
    }

    [Fact]
    public void The_guest_index_scores_higher_overall_as_the_study_reported()
    {
        var guest = parser.ParseFixture("seed-2023/q4-baseline-unixbench.txt");

        Assert.Equal(63.5, guest.Number("index_score"));
        Assert.Equal(5.5, guest.Number("execl_throughput_index"));
    }

    [Theory]
    [InlineData("System Benchmarks Index Score")]
    [InlineData("Process Creation")]
    public void An_index_table_without_its_score_is_cut_off(string cutBefore)
    {
        var text = SuiteFixtures.Read("seed-2023/q4-host-unixbench.txt");
        var cut = text[..text.IndexOf(cutBefore, StringComparison.Ordinal)];

        Assert.Contains("cut off", parser.Unrecognised(cut));
    }

    [Fact]
    public void Two_passes_keep_the_first_plain_and_prefix_the_second_with_its_copies()
    {
        // UnixBench on an N-CPU machine runs the tests once with 1 copy, then with N copies, each pass with its
        // own index table under a "running N parallel copies of tests" line.
        var host = SuiteFixtures.Read("seed-2023/q4-host-unixbench.txt");
        var guest = SuiteFixtures.Read("seed-2023/q4-baseline-unixbench.txt");
        var text = "   2 CPUs in system; running 1 parallel copy of tests\n" + host
                   + "   2 CPUs in system; running 2 parallel copies of tests\n" + guest;

        var m = parser.Recognised(text);

        Assert.Equal(52.2, m.Number("index_score"));
        Assert.Equal(63.5, m.Number("c2_index_score"));
        Assert.Equal(23.1, m.Number("c2_shell_scripts_8_concurrent_index"));
        Assert.Equal(2 * (1 + 12 * 2), m.Metrics.Count);
    }
}
