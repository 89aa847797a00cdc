using VmLab.Suites;

namespace VmLab.Tests.Suites;

public sealed class KernbenchParserTests
{
    private readonly KernbenchParser parser = new();

    [Fact]
    public void Single_run_summary_of_the_study_gives_the_six_metrics_without_deviations()
    {
        var m = parser.ParseFixture("seed-2023/q1-guest-up-kernbench.txt");

        Assert.True(m.Valid);
        Assert.Equal(5410.88, m.Number("elapsed_s"));
        Assert.Equal(3454.53, m.Number("user_s"));
        Assert.Equal(690.54, m.Number("system_s"));
        Assert.Equal(76, m.Number("cpu_percent"));
        Assert.Equal(522004, m.Number("context_switches"));
        Assert.Equal(32792, m.Number("sleeps"));
        Assert.DoesNotContain(m.Metrics.Keys, k => k.EndsWith("_sd", StringComparison.Ordinal));
    }

    [Fact]
    public void Averaged_block_gives_each_metric_and_its_standard_deviation()
    {
        var m = parser.ParseFixture("l0/kernbench-n3-googletest.txt");

        Assert.True(m.Valid);
        Assert.Equal(13.2833, m.Number("elapsed_s"));
        Assert.Equal(0.159478, m.Number("elapsed_s_sd"));
        Assert.Equal(13.9567, m.Number("user_s"));
        Assert.Equal(0.147422, m.Number("user_s_sd"));
        Assert.Equal(1.11, m.Number("system_s"));
        Assert.Equal(0.0173205, m.Number("system_s_sd"));
        Assert.Equal(113, m.Number("cpu_percent"));
        Assert.Equal(0, m.Number("cpu_percent_sd"));
        Assert.Equal(235.333, m.Number("context_switches"));
        Assert.Equal(7.37111, m.Number("context_switches_sd"));
        Assert.Equal(327.333, m.Number("sleeps"));
        Assert.Equal(20.8167, m.Number("sleeps_sd"));
        Assert.Equal(12, m.Metrics.Count);
    }

    [Fact]
    public void Real_kernbench_single_run_under_its_average_header_has_no_deviations()
    {
        var m = parser.ParseFixture("l0/kernbench-n1-googletest.txt");

        Assert.Equal(12.91, m.Number("elapsed_s"));
        Assert.Equal(6, m.Metrics.Count);
    }

    [Fact]
    public void Raw_gnu_time_line_after_make_output_is_read()
    {
        var m = parser.ParseFixture("l0/time-make-j2-googletest.txt");

        Assert.True(m.Valid);
        Assert.Equal(14.42, m.Number("elapsed_s"));
        Assert.Equal(13.86, m.Number("user_s"));
        Assert.Equal(1.78, m.Number("system_s"));
        Assert.Equal(108, m.Number("cpu_percent"));
        Assert.Equal(245, m.Number("context_switches"));
        Assert.Equal(881, m.Number("sleeps"));
    }

    [Fact]
    public void A_timed_build_that_failed_is_invalid()
    {
        var m = parser.ParseFixture("l0/time-make-j2-failed.txt");

        Assert.False(m.Valid);
        Assert.Contains(m.Problems, p => p.Contains("Command exited with non-zero status 2", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("seed-2023/q4-baseline-kernbench.txt", "Sleeps")]
    [InlineData("seed-2023/q4-baseline-kernbench.txt", "Percent CPU")]
    [InlineData("l0/kernbench-n3-googletest.txt", "User Time")]
    [InlineData("l0/kernbench-n3-googletest.txt", "Elapsed Time")]
    public void A_summary_cut_before_any_of_its_lines_is_unrecognised(string file, string cutBefore)
    {
        var text = SuiteFixtures.Read(file);
        var cut = text[..text.IndexOf(cutBefore, StringComparison.Ordinal)];

        Assert.Contains("cut off", parser.Unrecognised(cut));
    }

    [Fact]
    public void Two_summaries_in_one_file_are_refused()
    {
        var text = SuiteFixtures.Read("seed-2023/q1-guest-up-kernbench.txt") + SuiteFixtures.Read("seed-2023/q1-baseline-kernbench.txt");

        Assert.Contains("2 kernbench results", parser.Unrecognised(text));
    }

    [Fact]
    public void Kernbench_run_outside_a_kernel_tree_is_an_error()
    {
        Assert.Contains("No kernel source found", parser.Unrecognised(SuiteFixtures.Read("l0/kernbench-no-kernel-source.txt")));
    }
}
