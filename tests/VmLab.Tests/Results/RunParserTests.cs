using VmLab.Common;
using VmLab.Results;

namespace VmLab.Tests.Results;

public sealed class RunParserTests : IDisposable
{
    private readonly string temp = Path.Combine(Path.GetTempPath(), "vmlab-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(temp))
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    internal static RunDirectory Reference => new(Path.Combine(RepoPaths.Find(AppContext.BaseDirectory).ResultsDir, "reference-2023"));

    [Fact]
    public void Committed_reference_results_json_is_exactly_what_parse_run_derives_from_raw()
    {
        var run = Reference;

        var fresh = RunJson.Serialize(RunParser.Parse(run, run.ReadManifest()));

        Assert.Equal(File.ReadAllText(run.ResultsPath), fresh);
    }

    [Fact]
    public void Reference_run_finds_every_output_the_2023_report_reused_and_nothing_else()
    {
        var results = RunParser.Parse(Reference);

        var reused = results.Units.Where(u => u.DuplicateOf.Count > 0)
            .Select(u => $"{u.File} = {string.Join(" = ", u.DuplicateOf)}").ToList();

        // Found by reading the report: Q4's host kernbench is Q1's 2-vCPU one, the THP ab run #3 is the vhost-on ab
        // (which Q4 shows again as the guest's), and Q4's guest TCP_STREAM is Q3's vhost-on one.
        Assert.Equal(
        [
            "raw/q1-baseline/kernbench/1.txt = raw/q4-host/kernbench/1.txt",
            "raw/q2-baseline/ab/3.txt = raw/q3-baseline/ab/1.txt = raw/q4-baseline/ab/1.txt",
            "raw/q3-baseline/ab/1.txt = raw/q2-baseline/ab/3.txt = raw/q4-baseline/ab/1.txt",
            "raw/q3-baseline/netperf/1.txt = raw/q4-baseline/netperf/1.txt",
            "raw/q4-baseline/ab/1.txt = raw/q2-baseline/ab/3.txt = raw/q3-baseline/ab/1.txt",
            "raw/q4-baseline/netperf/1.txt = raw/q3-baseline/netperf/1.txt",
            "raw/q4-host/kernbench/1.txt = raw/q1-baseline/kernbench/1.txt",
        ], reused);
    }

    [Fact]
    public void Reference_guest_ab_runs_are_invalid_404_pages_and_the_host_one_is_valid()
    {
        var units = RunParser.Parse(Reference).Units.Where(u => u.Suite == "ab" && u.File.EndsWith("/ab/1.txt", StringComparison.Ordinal)).ToDictionary(u => u.Scenario);

        Assert.Contains(units["q3-guest-vhost-off"].Problems, p => p.Contains("non-2xx", StringComparison.Ordinal));
        Assert.Contains(units["q4-baseline"].Problems, p => p.Contains("non-2xx", StringComparison.Ordinal));
        Assert.True(units["q4-host"].Valid);
    }

    [Fact]
    public void Every_reference_raw_file_is_a_byte_identical_seed_fixture()
    {
        var fixtures = Directory.GetFiles(Fixture.Path("seed-2023"), "*.txt").Select(Hashing.Sha256OfFile).Order().ToList();

        var raw = RunParser.Parse(Reference).Units.Select(u => u.Sha256).Order().ToList();

        Assert.Equal(fixtures, raw);
    }

    [Fact]
    public void Independent_repeats_of_a_real_benchmark_are_not_taken_for_copies()
    {
        var run = SyntheticRun.Copy(temp);

        Assert.All(RunParser.Parse(run).Units, u => Assert.Empty(u.DuplicateOf));
    }

    [Fact]
    public void A_raw_output_copied_into_another_scenario_is_caught_even_with_different_line_ends()
    {
        var run = SyntheticRun.Copy(temp);
        var text = File.ReadAllText(run.RawPath("baseline", "netperf", 2));
        run.WriteRaw("guest-vhost-off", "netperf", 4, text.ReplaceLineEndings("\r\n") + "\n\n");

        var copy = RunParser.Parse(run).Units.Single(u => u.File == "raw/guest-vhost-off/netperf/4.txt");

        Assert.Equal(["raw/baseline/netperf/2.txt"], copy.DuplicateOf);
        Assert.False(copy.Valid);
    }

    [Fact]
    public void Two_hackbench_runs_that_agree_to_the_millisecond_by_chance_are_not_taken_for_one_reused_output()
    {
        // Real outputs of the smoke run seed-20261129-smoke-merged: boots 4 (baseline) and 3 (guest-vhost-off), both
        // "Time: 3.872". One measured figure can agree by chance; two at once (netperf's time and throughput) cannot.
        var run = SyntheticRun.Copy(temp);
        var merged = Path.Combine(RepoPaths.Find(AppContext.BaseDirectory).ResultsDir, "seed-20261129-smoke-merged", "raw");
        run.WriteRaw("baseline", "hackbench", 9, File.ReadAllText(Path.Combine(merged, "baseline", "hackbench", "1.txt")));
        run.WriteRaw("guest-vhost-off", "hackbench", 9, File.ReadAllText(Path.Combine(merged, "guest-vhost-off", "hackbench", "1.txt")));

        var units = RunParser.Parse(run).Units.Where(u => u.File.EndsWith("hackbench/9.txt", StringComparison.Ordinal)).ToList();

        Assert.Equal(2, units.Count);
        Assert.Equal(units[0].Metrics["time_s"], units[1].Metrics["time_s"]);
        Assert.All(units, u => Assert.Empty(u.DuplicateOf));
    }

    [Fact]
    public void The_labs_netperf_stream_and_rr_folders_are_read_by_the_netperf_parser_and_kept_apart_by_test()
    {
        var run = new RunDirectory(Path.Combine(temp, "run"));
        run.WriteRaw("baseline", "netperf-stream", 1, Fixture.Read("l0/netperf-tcp-stream.txt"));
        run.WriteRaw("baseline", "netperf-rr", 1, Fixture.Read("l0/netperf-tcp-rr.txt"));
        Directory.CreateDirectory(Path.Combine(run.RawDir, "baseline", "netperf_rr"));

        var error = Assert.Throws<LabException>(() => RunParser.Parse(run));
        Directory.Delete(Path.Combine(run.RawDir, "baseline", "netperf_rr"));
        var units = RunParser.Parse(run).Units;

        Assert.Contains("'netperf_rr' is not a suite", error.Message);
        Assert.Equal(["netperf", "netperf"], units.Select(u => u.Suite));
        Assert.Equal(["TCP_RR", "TCP_STREAM"], units.Select(u => u.Workload));
        Assert.Equal(["raw/baseline/netperf-rr/1.txt", "raw/baseline/netperf-stream/1.txt"], units.Select(u => u.File));
        // The parser finds nothing wrong; without a units.json (and no provenance) no ledger vouches for them (issue 26, item 1).
        Assert.All(units, u => Assert.Equal([RunParser.NoLedger], u.Problems));
        Assert.Null(RunParser.SuiteOf("rr-netperf"));
    }

    [Fact]
    public void Run_directory_writes_raw_files_where_the_contract_says_and_refuses_escaping_names()
    {
        var run = new RunDirectory(Path.Combine(temp, "run"));

        var path = run.WriteRaw("baseline", "hackbench", 3, "Time: 1.0\n");

        Assert.Equal(Path.Combine(run.Path, "raw", "baseline", "hackbench", "3.txt"), path);
        Assert.Equal("Time: 1.0\n", File.ReadAllText(path));
        Assert.Throws<ArgumentException>(() => run.RawPath("../etc", "hackbench", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => run.RawPath("baseline", "hackbench", 0));
        Assert.Equal("2026-11-25T1012Z-smoke", RunDirectory.NewRunId(new DateTimeOffset(2026, 11, 25, 10, 12, 59, TimeSpan.Zero), "smoke"));
    }

    [Fact]
    public void Manifest_and_results_read_back_as_written()
    {
        var run = SyntheticRun.Copy(temp);
        var manifest = run.ReadManifest();
        var results = RunParser.Parse(run, manifest);
        run.WriteResults(results);

        var back = run.ReadResults();

        Assert.Equal(RunJson.Serialize(results), RunJson.Serialize(back));
        Assert.False(manifest.VcpuRule!.Met);
        Assert.Equal(4, manifest.Scenarios.Count);
    }

    [Fact]
    public void Missing_results_json_says_which_command_makes_it()
    {
        var run = new RunDirectory(Path.Combine(temp, "run"));

        var e = Assert.Throws<LabException>(run.ReadResults);

        Assert.Contains("vmlab parse-run", e.Next);
    }
}

/// <summary>A fresh copy of fixtures/synthetic-run under <c>dir</c> (tests write results.json and REPORT.md into it).</summary>
internal static class SyntheticRun
{
    public static RunDirectory Copy(string dir)
    {
        var target = Path.Combine(dir, "synthetic-run");
        var source = Fixture.Path("synthetic-run");
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }

        return new RunDirectory(target);
    }
}
