using System.Diagnostics;
using Snapshooter;
using Snapshooter.Xunit3;
using VmLab.Common;
using VmLab.Report;
using VmLab.Results;
using VmLab.Statistics;
using VmLab.Tests.Results;

namespace VmLab.Tests.Report;

public sealed class ReportTests : IDisposable
{
    private readonly string temp = Path.Combine(Path.GetTempPath(), "vmlab-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(temp))
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    private static RunData ReferenceData => RunData.Load(RunParserTests.Reference);

    // An explicit folder, not Snapshooter's guess from the stack trace: CI builds map source paths to /_/
    // (ContinuousIntegrationBuild), where no snapshot would be found. Snapshooter adds __snapshots__ itself.
    private static SnapshotFullName Snap(string test) =>
        new($"{nameof(ReportTests)}.{test}.snap", Path.Combine(RepoPaths.Find(AppContext.BaseDirectory).Root, "tests", "VmLab.Tests", "Report"));

    [Fact]
    public void Committed_reference_report_and_charts_are_byte_identical_to_a_fresh_render()
    {
        var target = Path.Combine(temp, "REPORT.md");
        var reference = RunParserTests.Reference;

        ReportWriter.Write(reference, ReferenceData, new ReportRenderer(), target);

        Assert.Equal(File.ReadAllText(reference.ReportPath), File.ReadAllText(target));
        var committed = Directory.GetFiles(reference.ChartsDir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var fresh = Directory.GetFiles(Path.Combine(Path.GetDirectoryName(target)!, "charts")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(committed, fresh);
        Assert.All(committed, name => Assert.Equal(
            File.ReadAllText(Path.Combine(reference.ChartsDir, name!)),
            File.ReadAllText(Path.Combine(Path.GetDirectoryName(target)!, "charts", name!))));
    }

    [Fact]
    public void Reference_report_snapshot()
    {
        Snapshot.Match(File.ReadAllText(RunParserTests.Reference.ReportPath), Snap(nameof(Reference_report_snapshot)));
    }

    [Fact]
    public void Reference_results_json_snapshot()
    {
        Snapshot.Match(File.ReadAllText(RunParserTests.Reference.ResultsPath), Snap(nameof(Reference_results_json_snapshot)));
    }

    [Fact]
    public void Every_2023_comparison_is_inconclusive_and_the_guest_ab_ones_say_the_data_is_invalid()
    {
        var (model, _) = ReportBuilder.Build(ReferenceData, ReferenceData);

        var rows = model.Questions.SelectMany(q => q.Suites.SelectMany(t => t.Rows.Select(r => (q.Question, q.B, t.Suite, r)))).ToList();
        Assert.All(rows, x => Assert.Equal("inconclusive", x.r.Verdict));
        Assert.Null(model.Multiplicity); // nothing was tested, so nothing to say about chance findings
        Assert.All(rows.Where(x => x.Suite == "ab" && x.Question is "Q3" or "Q4"), x => Assert.Contains("invalid", x.r.Reason));
        Assert.All(rows.Where(x => x.Question != "Q2"), x => Assert.StartsWith("n=1", x.r.Reason));
        Assert.Contains(model.Questions.Single(q => q.B == "q3-guest-vhost-off").Suites.Single(t => t.Suite == "ab").Missing,
            n => n.Contains("non-2xx: the document is missing on the server", StringComparison.Ordinal));
    }

    [Fact]
    public void Q2_ab_has_three_runs_a_side_and_its_p_values_are_shown_though_the_data_is_invalid()
    {
        var (model, _) = ReportBuilder.Build(ReferenceData, null);

        var total = model.Questions.Single(q => q.Question == "Q2").Suites.Single().Rows.Single(r => r.Metric == "total_mean");

        // With THP totals 868, 867, 830; without 938, 849, 830: means 855.0 and 872.3, Welch p = 0.665
        // (Python, formulas + integration: t = 0.487, df = 2.55, p = 0.6647).
        Assert.Equal(("3", "3"), (total.CountA, total.CountB));
        Assert.Equal(("855.0 ± 21.66", "872.3 ± 57.66", "0.665"), (total.A, total.B, total.P));
        Assert.Equal("inconclusive", total.Verdict);
    }

    [Fact]
    public void Synthetic_run_verdicts_match_an_independent_computation()
    {
        var run = SyntheticRun.Copy(temp);
        run.WriteResults(RunParser.Parse(run, run.ReadManifest()));

        var (model, charts) = ReportBuilder.Build(RunData.Load(run), null);

        // Welch by hand (Python, formulas + numeric integration of the t density) on the raw files' numbers:
        // Q1 hackbench time_s baseline {0.474, 0.386, 0.401, 0.307} vs guest-up {0.683, 0.651, 0.692, 0.869}: ratio 1.846, p = 0.00213;
        // Q3 TCP_RR {24508.16, 31710.77, 32170.79} vs {17200.57, 8615.61, 10310.11}: ratio 0.409, p = 0.00857;
        // Q4 baseline vs host {0.255, 0.176, 0.196}: ratio 0.533 (host→baseline 1/0.533 = 1.876), p = 0.00746.
        var q1 = model.Questions.Single(q => q.Question == "Q1").Suites.Single(t => t.Suite == "hackbench").Rows.Single();
        var q3 = model.Questions.Single(q => q.Question == "Q3").Suites.Single(t => t.Suite == "netperf").Rows.Single();
        var q4 = model.Questions.Single(q => q.Question == "Q4").Suites.Single(t => t.Suite == "hackbench").Rows.Single();
        Assert.Equal(("1.846", "0.002", "slower"), (q1.Ratio, q1.P, q1.Verdict));
        Assert.Equal(("0.409", "0.009", "slower"), (q3.Ratio, q3.P, q3.Verdict));
        Assert.Equal(("1.876", "0.007", "slower"), (q4.Ratio, q4.P, q4.Verdict));
        Assert.Contains("guest-up vs baseline: hackbench process `time_s` +85% (p=0.002, slower)", model.Questions[0].Findings);
        Assert.Equal("Only CONFIG_VHOST_NET differs between the host and guest kernels, as the study requires.", model.ConfigDiffVerdict);
        Assert.NotNull(model.Overcommit);
        Assert.Equal(3, charts.Count);
        // Three tested comparisons (the rows above), all significant; 5% of 3 is 0.15.
        Assert.StartsWith("**Many comparisons:** 3 of 3 tested metric comparisons are significant at p < 0.05; if nothing differed, chance alone would give about 0.2 ",
            model.Multiplicity);
    }

    [Fact]
    public void Synthetic_run_report_snapshot()
    {
        var run = SyntheticRun.Copy(temp);
        run.WriteResults(RunParser.Parse(run, run.ReadManifest()));

        ReportWriter.Write(run, ReferenceData, new ReportRenderer());

        Snapshot.Match(File.ReadAllText(run.ReportPath), Snap(nameof(Synthetic_run_report_snapshot)));
    }

    [Fact]
    public void Synthetic_run_statistics_tables_snapshot()
    {
        var run = SyntheticRun.Copy(temp);
        run.WriteResults(RunParser.Parse(run, run.ReadManifest()));

        var (model, _) = ReportBuilder.Build(RunData.Load(run), ReferenceData);

        Snapshot.Match(new { model.Questions, model.Reference }, Snap(nameof(Synthetic_run_statistics_tables_snapshot)));
    }

    [Fact]
    public void Charts_are_the_same_bytes_on_every_render_and_are_svg()
    {
        var (_, charts) = ReportBuilder.Build(ReferenceData, null);
        var chart = charts.First(c => c.File.Contains("unixbench", StringComparison.Ordinal));

        var first = ChartRenderer.Svg(chart);
        var second = ChartRenderer.Svg(chart);

        Assert.Equal(first, second);
        Assert.Contains("<svg xmlns=\"http://www.w3.org/2000/svg\"", first);
        Assert.Contains("q4-host", first);
    }

    [Fact]
    public void Charts_are_the_same_bytes_in_another_process()
    {
        // `vmlab report --out` in a child process must reproduce the committed charts exactly (ScottPlot has no
        // per-process state such as random ids or timestamps in its SVG).
        var dir = temp;
        var cli = Path.Combine(AppContext.BaseDirectory, "VmLab.Cli.dll");
        var start = new ProcessStartInfo("dotnet") { ArgumentList = { cli, "report", RunParserTests.Reference.Path, "--out", Path.Combine(dir, "REPORT.md") }, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        process.WaitForExit();

        Assert.Equal(0, process.ExitCode);
        foreach (var svg in Directory.GetFiles(RunParserTests.Reference.ChartsDir))
        {
            Assert.Equal(File.ReadAllText(svg), File.ReadAllText(Path.Combine(dir, "charts", Path.GetFileName(svg))));
        }
    }

    [Fact]
    public void A_templates_directory_replaces_the_embedded_template_and_a_broken_one_is_a_clear_error()
    {
        var dir = temp;
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "report.scriban"), "{{ run_id }}: {{ validity.invalid }} invalid\n");
        var (model, _) = ReportBuilder.Build(ReferenceData, null);

        Assert.Equal("reference-2023: 16 invalid\n", new ReportRenderer(dir).Render("report", model));

        File.WriteAllText(Path.Combine(dir, "report.scriban"), "{{ no_such_field }}");
        var e = Assert.Throws<VmLab.Common.LabException>(() => new ReportRenderer(dir).Render("report", model));
        Assert.Contains("report.scriban", e.Message);
    }

    [Theory]
    [InlineData("-CONFIG_VHOST_NET=m\n+# CONFIG_VHOST_NET is not set\n", "Only CONFIG_VHOST_NET differs")]
    [InlineData("-VHOST_NET m\n", "Only CONFIG_VHOST_NET differs")]
    [InlineData("--- a\n+++ b\n-CONFIG_VHOST_NET=y\n+# CONFIG_VHOST_NET is not set\n-CONFIG_MACVTAP=y\n", "Options other than VHOST_NET differ between host and guest: MACVTAP.")]
    [InlineData("", "identical")]
    public void Config_diff_verdict_proves_or_refutes_that_only_vhost_net_differs(string diff, string expected)
    {
        var data = ReferenceData with { ConfigDiff = diff };

        Assert.Contains(expected, ReportBuilder.Build(data, null).Model.ConfigDiffVerdict);
    }

    [Fact]
    public void Compare_puts_the_same_scenario_of_two_runs_side_by_side()
    {
        var run = SyntheticRun.Copy(temp);
        run.WriteResults(RunParser.Parse(run, run.ReadManifest()));
        var data = RunData.Load(run);

        var (model, _) = ReportBuilder.BuildComparison(data, data);
        var text = new ReportRenderer().Render("compare", model);

        Assert.Equal(["baseline", "guest-up", "guest-vhost-off", "host"], model.Scenarios.Select(s => s.Question));
        Assert.All(model.Scenarios.SelectMany(s => s.Suites).SelectMany(t => t.Rows), r => Assert.Equal(("1.000", "1.000"), (r.Ratio, r.P)));
        Assert.Contains("# VmLab comparison: synthetic-run vs synthetic-run", text);
    }
}
