using VmLab.Suites;

namespace VmLab.Tests.Suites;

/// <summary>
/// Every UnixBench test's own index, in each pass (issue 24: the 2023 report's claim that the guest copies files faster
/// than the host can be checked test by test): <c>&lt;test&gt;_index</c> for the first pass, <c>c&lt;N&gt;_&lt;test&gt;_index</c>
/// for the N-copy pass UnixBench adds on a machine with more than one CPU.
/// </summary>
public sealed class UnixBenchPerTestIndexTests
{
    private readonly UnixBenchParser parser = new();
    private readonly MetricCatalog catalog = SuiteRegistry.Catalog("unixbench");

    [Fact]
    public void A_real_run_of_both_passes_gives_each_tests_index_in_each_pass()
    {
        var m = parser.ParseFixture("l0/unixbench-dhry2reg-fstime-i1-two-passes.txt");

        Assert.True(m.Valid, string.Join("; ", m.Problems));
        // 1 copy: plain names; 2 copies: c2_.
        Assert.Equal((1054.6, 1285.0, 865.5), (m.Number("index_score")!.Value, m.Number("dhrystone_2_using_register_variables_index")!.Value, m.Number("file_copy_1024_bufsize_2000_maxblocks_index")!.Value));
        Assert.Equal((276.6, 744.6, 102.7), (m.Number("c2_index_score")!.Value, m.Number("c2_dhrystone_2_using_register_variables_index")!.Value, m.Number("c2_file_copy_1024_bufsize_2000_maxblocks_index")!.Value));
        Assert.Equal(342751.0, m.Number("file_copy_1024_bufsize_2000_maxblocks_result"));
        Assert.Equal(40684.0, m.Number("c2_file_copy_1024_bufsize_2000_maxblocks_result"));
        Assert.Equal(2 * (1 + 2 * 2), m.Metrics.Count);
        Assert.Equal("index_score", catalog.Headline(m.Metrics));
        Assert.Equal(("*_index", MetricRole.Shown), (catalog.Find("file_copy_1024_bufsize_2000_maxblocks_index")!.Id, catalog.Find("file_copy_1024_bufsize_2000_maxblocks_index")!.Role));
        Assert.Equal("c#_*_index", catalog.Find("c2_file_copy_1024_bufsize_2000_maxblocks_index")!.Id);
    }

    [Fact]
    public void The_2023_file_copy_claim_can_be_read_test_by_test_from_the_seeds_indices()
    {
        // The 2023 report: the guest (baseline) copies files faster than the host. Its two index tables, test by test.
        var host = parser.ParseFixture("seed-2023/q4-host-unixbench.txt");
        var guest = parser.ParseFixture("seed-2023/q4-baseline-unixbench.txt");
        string[] copies = ["file_copy_1024_bufsize_2000_maxblocks_index", "file_copy_256_bufsize_500_maxblocks_index", "file_copy_4096_bufsize_8000_maxblocks_index"];

        Assert.All(copies, test => Assert.True(host.Number(test) is not null && guest.Number(test) is not null, test));
        Assert.Equal(12, guest.Metrics.Keys.Count(k => catalog.Find(k)?.Id == "*_index"));
        Assert.Equal(289.6, guest.Number(copies[0]));
        Assert.Equal(185.4, guest.Number(copies[1]));
        Assert.Equal(535.9, guest.Number(copies[2]));
    }
}
