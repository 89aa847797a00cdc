using VmLab.Rootfs;
using VmLab.Suites;

namespace VmLab.Tests.Suites;

/// <summary>
/// UnixBench 5.1.3 as the images build it (-mcpu=cortex-a57) and run it under qemu-user (fixtures/arm64/README.md):
/// the parser and the catalog read the real outputs of the smoke and quick profiles' tests as valid measurements.
/// </summary>
public sealed class UnixBenchArm64Tests
{
    private readonly UnixBenchParser parser = new();
    private readonly MetricCatalog catalog = SuiteRegistry.Catalog("unixbench");

    [Fact]
    public void The_smoke_profiles_dhry2reg_run_is_a_valid_one_test_partial_index()
    {
        var m = parser.ParseFixture("arm64/unixbench-dhry2reg-i1-c1.txt");

        Assert.True(m.Valid, string.Join("; ", m.Problems));
        Assert.Equal(2971476.8, m.Number("dhrystone_2_using_register_variables_result"));
        Assert.Equal(254.6, m.Number("dhrystone_2_using_register_variables_index"));
        Assert.Equal(254.6, m.Number("index_score"));
        Assert.Equal(3, m.Metrics.Count);
        // One test: the tested figure is that test's index, not the (identical) score under another name.
        Assert.Equal("dhrystone_2_using_register_variables_index", catalog.Headline(m.Metrics));
    }

    [Fact]
    public void The_quick_profiles_seven_tests_with_two_copies_are_read_with_every_line()
    {
        var m = parser.ParseFixture("arm64/unixbench-quick-i1-c2.txt");

        Assert.True(m.Valid, string.Join("; ", m.Problems));
        Assert.Equal(58.5, m.Number("index_score"));
        Assert.Equal(173.5, m.Number("dhrystone_2_using_register_variables_index"));
        Assert.Equal(161.0, m.Number("double_precision_whetstone_index"));
        Assert.Equal(18.0, m.Number("execl_throughput_result"));
        Assert.Equal(4.2, m.Number("execl_throughput_index"));
        Assert.Equal(243.9, m.Number("pipe_throughput_index"));
        Assert.Equal(274.0, m.Number("pipe_based_context_switching_index"));
        Assert.Equal(5.8, m.Number("process_creation_index"));
        Assert.Equal(52.1, m.Number("system_call_overhead_index"));
        Assert.Equal(1 + 7 * 2, m.Metrics.Count);
        Assert.Equal("index_score", catalog.Headline(m.Metrics));
    }

    [Fact]
    public void The_whole_index_is_read_as_the_full_table_with_its_score()
    {
        var m = parser.ParseFixture("arm64/unixbench-index-i2-c1.txt");

        Assert.True(m.Valid, string.Join("; ", m.Problems));
        Assert.Equal(41.3, m.Number("index_score"));
        Assert.Equal(277.1, m.Number("file_copy_1024_bufsize_2000_maxblocks_index"));
        Assert.Equal(27.4, m.Number("shell_scripts_1_concurrent_result"));
        Assert.Equal(8.0, m.Number("shell_scripts_8_concurrent_index"));
        Assert.Equal(53.5, m.Number("system_call_overhead_index"));
        Assert.Equal(1 + 12 * 2, m.Metrics.Count);
        Assert.Equal("index_score", catalog.Headline(m.Metrics));
    }

    [Theory]
    [InlineData("arm64/unixbench-dhry2reg-i1-c1.txt")]
    [InlineData("arm64/unixbench-quick-i1-c2.txt")]
    [InlineData("arm64/unixbench-index-i2-c1.txt")]
    public void Every_metric_of_the_real_outputs_is_in_the_catalog_and_improves_upwards(string file)
    {
        var m = parser.ParseFixture(file);

        Assert.All(m.Metrics.Keys, k =>
        {
            Assert.NotNull(catalog.Find(k));
            Assert.Equal(MetricDirection.HigherIsBetter, catalog.Direction(k));
        });
    }

    [Fact]
    public void The_image_builds_run_check_accepts_the_real_dhry2reg_output()
    {
        Assert.Empty(UnixBenchInstall.ProblemsOfRunCheck(SuiteFixtures.Read("arm64/unixbench-dhry2reg-i1-c1.txt")));
    }

    [Fact]
    public void The_image_builds_run_check_refuses_an_output_without_its_index()
    {
        var text = SuiteFixtures.Read("arm64/unixbench-dhry2reg-i1-c1.txt");
        var cut = text[..text.IndexOf("System Benchmarks Partial Index", StringComparison.Ordinal)];

        var problem = Assert.Single(UnixBenchInstall.ProblemsOfRunCheck(cut));

        Assert.StartsWith($"'{UnixBenchInstall.RunCheck}' printed no UnixBench index: UnixBench stopped before printing its index", problem);
    }

    [Fact]
    public void The_image_builds_run_check_is_the_smoke_profiles_unixbench_command()
    {
        // The build proves the very test the smoke profile runs (dhry2reg, 1 iteration) from the folder it runs it from.
        var smoke = VmLab.Lab.Plan.LabProfiles.Load(VmLab.Common.RepoPaths.Find(AppContext.BaseDirectory), "smoke").SettingsOf<UnixBenchCommand>();

        Assert.Equal(UnixBenchInstall.Directory, smoke.Directory);
        Assert.Equal("dhry2reg", smoke.Tests);
        Assert.Equal(1, smoke.Iterations);
        Assert.EndsWith($"./Run -q -i {smoke.Iterations} -c 1 {smoke.Tests}", UnixBenchInstall.RunCheck);
    }
}
