using VmLab.Common;
using VmLab.Results;
using VmLab.Suites;

namespace VmLab.Tests.Suites;

/// <summary>
/// The metric catalogs against what the parsers really produce: every real output under tests/VmLab.Tests/fixtures
/// (seed-2023, l0, lab, the synthetic run) and every committed run's raw/ under results/.
/// </summary>
public sealed class MetricCatalogTests
{
    /// <summary>(where, suite, metrics) of every recognised real output.</summary>
    private static IEnumerable<(string File, string Suite, IReadOnlyDictionary<string, MetricValue> Metrics)> RealOutputs()
    {
        foreach (var file in SuiteFixtures.Files.Where(f => !SuiteFixtures.ToolErrors.Contains(f)))
        {
            var suite = SuiteFixtures.SuiteOf(file);
            yield return (file, suite, SuiteParsers.Get(suite).ParseFixture(file).Metrics);
        }

        yield return ("lab/console-l1-host-hackbench.log", "console",
            SuiteParsers.Get("console").Recognised(Fixture.Read("lab", "console-l1-host-hackbench.log")).Metrics);

        var runs = new[] { new RunDirectory(Fixture.Path("synthetic-run")) }
            .Concat(Directory.GetDirectories(RepoPaths.Find(AppContext.BaseDirectory).ResultsDir).Select(d => new RunDirectory(d)))
            .Where(r => Directory.Exists(r.RawDir));
        foreach (var run in runs)
        {
            var manifest = File.Exists(Path.Combine(run.Path, "manifest.json")) ? run.ReadManifest() : null;
            foreach (var unit in RunParser.Parse(run, manifest).Units.Where(u => u.Recognised))
            {
                yield return ($"{run.RunId}/{unit.File}", unit.Suite, unit.Metrics);
            }
        }
    }

    [Fact]
    public void Every_metric_of_every_real_output_is_in_its_suites_catalog()
    {
        var outputs = RealOutputs().ToList();

        Assert.True(outputs.Count > 100, $"only {outputs.Count} real outputs found");
        var unknown = outputs.SelectMany(o => o.Metrics.Keys.Where(k => SuiteRegistry.Catalog(o.Suite).Find(k) is null).Select(k => $"{o.File}: {o.Suite} {k}")).ToList();
        Assert.Empty(unknown);
        Assert.All(SuiteRegistry.All.Where(s => s.IsBenchmark), s => Assert.Contains(outputs, o => o.Suite == s.Id));
    }

    [Fact]
    public void Every_benchmark_output_has_exactly_one_headline_and_a_console_log_none()
    {
        foreach (var (file, suite, metrics) in RealOutputs())
        {
            var definition = SuiteRegistry.Get(suite);
            var catalog = definition.Catalog;
            var headline = catalog.Headline(metrics);
            if (!definition.IsBenchmark)
            {
                Assert.True(headline is null, $"{file}: a console log has no headline, got {headline}");
                continue;
            }

            Assert.True(headline is not null, $"{file}: no headline among {string.Join(", ", metrics.Keys)}");
            Assert.True(metrics[headline].IsNumber, $"{file}: headline {headline} is not a number");
            Assert.NotEqual(MetricDirection.None, catalog.Direction(headline));
            Assert.True(catalog.IsShown(headline), $"{file}: headline {headline} is not shown in the tables");

            // The catalog never declares two headlines in one output: at most one Headline-role metric is present,
            // and when one is, it is the headline unless the suite's rule says otherwise (UnixBench's one-test run).
            var declared = metrics.Keys.Where(k => catalog.Find(k)?.Role == MetricRole.Headline).ToList();
            Assert.True(declared.Count <= 1, $"{file}: {string.Join(", ", declared)} are all headlines");
        }
    }

    [Fact]
    public void Each_netperf_test_and_ab_dialect_has_its_own_headline()
    {
        var catalog = SuiteRegistry.Catalog("netperf");
        Assert.Equal("throughput_mbps", catalog.Headline(SuiteParsers.Get("netperf").ParseFixture("l0/netperf-tcp-stream.txt").Metrics));
        Assert.Equal("throughput_mbps", catalog.Headline(SuiteParsers.Get("netperf").ParseFixture("l0/netperf-tcp-maerts.txt").Metrics));
        Assert.Equal("transactions_per_s", catalog.Headline(SuiteParsers.Get("netperf").ParseFixture("l0/netperf-tcp-rr.txt").Metrics));

        // A full ab output is tested on requests/s; the 2023 report's connection-times-only quotes on the mean total time.
        var ab = SuiteRegistry.Catalog("ab");
        Assert.Equal("requests_per_s", ab.Headline(SuiteParsers.Get("ab").ParseFixture("l0/ab-n2000-c20-document.txt").Metrics));
        Assert.Equal("total_mean", ab.Headline(SuiteParsers.Get("ab").ParseFixture("seed-2023/q2-baseline-ab-1.txt").Metrics));
    }

    [Fact]
    public void A_unixbench_run_of_one_test_is_tested_on_that_tests_index_and_a_full_run_on_the_score()
    {
        // The seed's full index, and the same output cut down to its first test, as `./Run dhry2reg` prints it.
        var full = SuiteFixtures.Read("seed-2023/q4-host-unixbench.txt");
        var lines = full.ReplaceLineEndings("\n").Split('\n');
        var header = Array.FindIndex(lines, l => l.StartsWith("System Benchmarks Index Values", StringComparison.Ordinal));
        var first = lines[header + 1];
        var one = string.Join('\n', lines[header], first, "                                                                   ========",
            "System Benchmarks Index Score (Partial Only)                           " + first.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], "");
        var parser = SuiteParsers.Get("unixbench");
        var catalog = SuiteRegistry.Catalog("unixbench");

        Assert.Equal("index_score", catalog.Headline(parser.Recognised(full).Metrics));
        Assert.Equal("dhrystone_2_using_register_variables_index", catalog.Headline(parser.Recognised(one).Metrics));
    }

    [Theory]
    [InlineData("unixbench", "c2_index_score", "c#_index_score", MetricRole.Shown)]
    [InlineData("unixbench", "c2_pipe_throughput_index", "c#_*_index", MetricRole.Recorded)]
    [InlineData("unixbench", "context_switching_index", "*_index", MetricRole.Shown)]
    [InlineData("ab", "p50_ms", "p#_ms", MetricRole.Recorded)]
    [InlineData("ab", "processing_median", "processing_*", MetricRole.Recorded)]
    [InlineData("ab", "processing_sd", "*_sd", MetricRole.Recorded)]
    [InlineData("ab", "processing_mean", "processing_mean", MetricRole.Shown)]
    [InlineData("kernbench", "elapsed_s_sd", "*_sd", MetricRole.Recorded)]
    public void Exact_names_win_over_patterns_and_specific_patterns_over_general_ones(string suite, string metric, string id, MetricRole role)
    {
        var definition = SuiteRegistry.Catalog(suite).Find(metric);

        Assert.Equal((id, role), (definition?.Id, definition?.Role));
    }

    [Fact]
    public void The_registry_holds_each_suite_once_with_its_parser_and_catalog()
    {
        Assert.Equal(["hackbench", "kernbench", "netperf", "ab", "unixbench", "console"], SuiteRegistry.All.Select(s => s.Id));
        Assert.All(SuiteRegistry.All, s => Assert.Equal((s.Id, s.Id), (s.Parser.Suite, s.Catalog.Suite)));
        Assert.All(SuiteRegistry.All.Where(s => s.IsBenchmark), s => Assert.Contains(s.Catalog.Metrics, m => m.Role == MetricRole.Headline));
        Assert.All(SuiteRegistry.All.SelectMany(s => s.Catalog.Metrics), m => Assert.False(
            m.Role != MetricRole.Recorded && m.Direction == MetricDirection.None, $"{m.Id} is shown but has no direction"));
        Assert.Equal(SuiteRegistry.All.Select(s => s.Id), SuiteParsers.Names);
    }
}
