using CliWrap.Buffered;
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
    public void Report_out_leaves_charts_it_did_not_write_in_place()
    {
        var foreign = Path.Combine(temp, "elsewhere", "charts", "x.svg");
        Directory.CreateDirectory(Path.GetDirectoryName(foreign)!);
        File.WriteAllText(foreign, "<svg>not vmlab's</svg>");

        ReportWriter.Write(RunParserTests.Reference, ReferenceData, new ReportRenderer(), Path.Combine(temp, "elsewhere", "R.md"));

        Assert.Equal("<svg>not vmlab's</svg>", File.ReadAllText(foreign));
        Assert.True(Directory.GetFiles(Path.GetDirectoryName(foreign)!, "*.svg").Length > 1, "the report's own charts were not written");
    }

    [Fact]
    public void Report_out_refuses_to_overwrite_a_report_or_charts_it_did_not_write_and_changes_nothing()
    {
        // `report <smoke> --out <a copy of reference-2023>/REPORT.md` deleted all 14 reference charts.
        var copy = Path.Combine(temp, "reference-copy");
        foreach (var file in Directory.GetFiles(RunParserTests.Reference.Path, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(copy, Path.GetRelativePath(RunParserTests.Reference.Path, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }

        Assert.True(File.Exists(Path.Combine(copy, ".REPORT.md.outputs"))); // reference-2023's own list: not the synthetic run's
        var before = Directory.GetFiles(copy, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText);
        var synthetic = SyntheticRun.Copy(temp);
        synthetic.WriteResults(RunParser.Parse(synthetic, synthetic.ReadManifest()));

        var error = Assert.Throws<LabException>(() => ReportWriter.Write(synthetic, ReferenceData, new ReportRenderer(), Path.Combine(copy, "REPORT.md")));

        Assert.Contains("vmlab report for run synthetic-run would overwrite", error.Message);
        Assert.Equal(before, Directory.GetFiles(copy, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText));
    }

    [Fact]
    public void A_chart_the_report_wrote_before_and_no_longer_draws_is_removed_and_only_that_one()
    {
        var run = SyntheticRun.Copy(temp);
        run.WriteResults(RunParser.Parse(run, run.ReadManifest()));
        var target = Path.Combine(temp, "out", "R.md");
        ReportWriter.Write(run, ReferenceData, new ReportRenderer(), target);
        var charts = Path.Combine(temp, "out", "charts");
        File.WriteAllText(Path.Combine(charts, "mine.svg"), "<svg/>");
        File.AppendAllText(Path.Combine(temp, "out", ".R.md.outputs"), "charts/old.svg\n");
        File.WriteAllText(Path.Combine(charts, "old.svg"), "<svg/>");

        ReportWriter.Write(run, ReferenceData, new ReportRenderer(), target);

        Assert.False(File.Exists(Path.Combine(charts, "old.svg")));
        Assert.True(File.Exists(Path.Combine(charts, "mine.svg")));
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
        var headlines = rows.Where(x => x.r.Headline).ToList();
        Assert.All(headlines, x => Assert.Equal(Verdict.Inconclusive, x.r.Verdict));
        Assert.All(rows.Where(x => !x.r.Headline), x => Assert.Equal(((Verdict?)null, (double?)null, (double?)null), (x.r.Verdict, x.r.P, x.r.HolmP)));
        Assert.Single(rows.Where(x => x.r.Headline), x => x.Question == "Q4" && x.Suite == "unixbench" && x.r.Metric == "index_score");

        // Nothing was tested, so every question's Holm family is empty, and the report says so per question.
        Assert.Equal(
            ["Q1: no headline comparison could be tested (3 inconclusive comparisons), so Holm's family is empty and nothing is significant.",
             "Q2: no headline comparison could be tested (1 inconclusive comparison), so Holm's family is empty and nothing is significant.",
             "Q3: no headline comparison could be tested (4 inconclusive comparisons), so Holm's family is empty and nothing is significant.",
             "Q4: no headline comparison could be tested (6 inconclusive comparisons), so Holm's family is empty and nothing is significant."],
            model.Multiplicity);

        // The why cell names the invalid units and their reasons, then the statistical one.
        Assert.All(headlines.Where(x => x.Suite == "ab" && x.B is "q3-guest-vhost-off" or "q4-baseline"), x => Assert.StartsWith("invalid and reused data: ", x.r.Reason));
        Assert.StartsWith("invalid data: q3-baseline-c1/ab/1, q3-guest-vhost-off-c1/ab/1: partial ab output", headlines.Single(x => x.B == "q3-guest-vhost-off-c1").r.Reason);
        Assert.Equal(
            "invalid and reused data: q3-baseline/ab/1, q3-guest-vhost-off/ab/1: 100000 of 100000 responses were non-2xx: the document is missing on the server; " +
            "q3-baseline/ab/1: identical to raw/q2-baseline/ab/3.txt, raw/q4-baseline/ab/1.txt: the same output reused, not an independent measurement; " +
            "n=1: a single run has no spread to test against",
            headlines.Single(x => x.B == "q3-guest-vhost-off" && x.Suite == "ab").r.Reason);
        Assert.All(headlines.Where(x => x.Question != "Q2"), x => Assert.Contains("n=1: a single run has no spread", x.r.Reason));
        Assert.Contains(model.Questions.Single(q => q.B == "q3-guest-vhost-off").Suites.Single(t => t.Suite == "ab").Missing,
            n => n.Contains("non-2xx: the document is missing on the server", StringComparison.Ordinal));
        Assert.Null(model.SmokeBanner);
        Assert.Null(model.Overcommit); // the 2023 run recorded no vCPU numbers
    }

    [Fact]
    public void Q2_ab_has_three_runs_a_side_and_its_test_is_shown_though_the_data_is_invalid()
    {
        var (model, _) = ReportBuilder.Build(ReferenceData, null);

        var rows = model.Questions.Single(q => q.Question == "Q2").Suites.Single().Rows;
        var total = ShownTables.Of(rows.Single(r => r.Headline));

        // The 2023 Q2 quotes only ab's connection times, so the headline is the mean total time. With THP totals 868,
        // 867, 830; without 938, 849, 830 (independent_check.py: ratio 1.020273, p = 0.662097, CI 0.884254–1.177215,
        // MDE +20.2%). Invalid data: inconclusive, not tested, no Holm p and no detectable change.
        Assert.Equal("total_mean", total.Metric);
        Assert.Equal(("3", "3"), (total.CountA, total.CountB));
        Assert.Equal(("855.0 ± 21.66", "2.5%", "872.3 ± 57.66", "6.6%"), (total.A, total.CvA, total.B, total.CvB));
        Assert.Equal(("1.020", "0.884–1.177", "0.662", "–", "–"), (total.Ratio, total.RatioCi, total.P, total.HolmP, total.Mde));
        Assert.Equal("inconclusive", total.Verdict);
        Assert.Equal(["total_mean", "connect_mean", "processing_mean", "waiting_mean"], rows.Select(r => r.Metric));
    }

    [Fact]
    public void Synthetic_run_verdicts_match_an_independent_computation()
    {
        var run = SyntheticRun.Copy(temp);
        run.WriteResults(RunParser.Parse(run, run.ReadManifest()));

        var (model, charts) = ReportBuilder.Build(RunData.Load(run), null);

        // independent_check.py on the raw files' numbers (the Welch test of the log ratio), each question a family of one:
        // Q1 hackbench time_s baseline → guest-up: ratio 1.846301, p = 0.001768, CI 1.402630–2.430311, MDE +45.6%;
        // Q3 TCP_RR baseline → guest-vhost-off: ratio 0.408716, p = 0.040667, CI 0.180674–0.924584, MDE +186%;
        // Q4 host → baseline: ratio 1.875598, p = 0.011066, CI 1.265611–2.779580, MDE +69.5%. The synthetic run has no
        // seeded order (no repeat blocks), so it is Welch's test; in a family of one, Holm's α is 0.05 and the detectable
        // fall is 1 / (1 + MDE) − 1: −31%, −65%, −41%.
        var q1 = ShownTables.Of(model.Questions.Single(q => q.Question == "Q1").Suites.Single(t => t.Suite == "hackbench").Rows.Single());
        var q3 = ShownTables.Of(model.Questions.Single(q => q.Question == "Q3").Suites.Single(t => t.Suite == "netperf").Rows.Single());
        var q4 = ShownTables.Of(model.Questions.Single(q => q.Question == "Q4").Suites.Single(t => t.Suite == "hackbench").Rows.Single());
        Assert.Equal(("1.846", "1.403–2.430", "0.002", "0.002", "-31% / +46%", "slower"), (q1.Ratio, q1.RatioCi, q1.P, q1.HolmP, q1.Mde, q1.Verdict));
        Assert.Equal(("0.409", "0.181–0.925", "0.041", "0.041", "-65% / +186%", "slower"), (q3.Ratio, q3.RatioCi, q3.P, q3.HolmP, q3.Mde, q3.Verdict));
        Assert.Equal(("1.876", "1.266–2.780", "0.011", "0.011", "-41% / +70%", "slower"), (q4.Ratio, q4.RatioCi, q4.P, q4.HolmP, q4.Mde, q4.Verdict));
        Assert.Equal(("17%", "14%"), (q1.CvA, q1.CvB)); // sd/mean 0.0685/0.392 and 0.0983/0.724
        Assert.Contains("guest-up vs baseline: hackbench process `time_s` +85% (p=0.002, Holm p=0.002, slower)", model.Questions[0].Findings);
        Assert.Equal("Only CONFIG_VHOST_NET differs between the host and guest kernels, as the study requires.", model.ConfigDiffVerdict);
        Assert.NotNull(model.Overcommit);
        Assert.Equal(3, charts.Count);
        Assert.Equal(
            ["Q1: 1 headline comparison tested (one per suite output), Holm-adjusted as one family of 1: 1 significant after the adjustment (1 at p < 0.05 before it).",
             "Q2: no headline comparison: no suite output was measured on both sides.",
             "Q3: 1 headline comparison tested (one per suite output), Holm-adjusted as one family of 1: 1 significant after the adjustment (1 at p < 0.05 before it).",
             "Q4: 1 headline comparison tested (one per suite output), Holm-adjusted as one family of 1: 1 significant after the adjustment (1 at p < 0.05 before it)."],
            model.Multiplicity);
    }

    [Fact]
    public void Comparisons_of_one_question_are_one_Holm_family_matching_an_independent_computation()
    {
        // The synthetic run's three comparisons asked as one question: one family of 3. independent_check.py:
        // p 0.001768, 0.040667, 0.011066 → Holm 0.005305, 0.040667, 0.022132.
        var run = SyntheticRun.Copy(temp);
        run.WriteResults(RunParser.Parse(run, run.ReadManifest()));
        var data = RunData.Load(run);
        data = data with
        {
            Manifest = data.Manifest with
            {
                Comparisons =
                [
                    new("Q1", "hackbench", "baseline", "guest-up", "stand-in"),
                    new("Q1", "netperf", "baseline", "guest-vhost-off", "stand-in"),
                    new("Q1", "host", "host", "baseline", "stand-in"),
                ],
            },
        };

        var (model, _) = ReportBuilder.Build(data, null);

        var rows = model.Questions.SelectMany(q => q.Suites).SelectMany(t => t.Rows).ToList();
        Assert.Equal(["0.002", "0.041", "0.011"], rows.Select(r => Cells.P(r.P)));
        Assert.Equal(["0.005", "0.041", "0.022"], rows.Select(r => Cells.P(r.HolmP)));
        Assert.All(rows, r => Assert.Equal(Verdict.Slower, r.Verdict));
        var family = "Q1: 3 headline comparisons tested (one per suite output), Holm-adjusted as one family of 3: 3 significant after the adjustment (3 at p < 0.05 before it).";
        Assert.Equal([family], model.Multiplicity);
        Assert.All(model.Questions, q => Assert.Equal(family, q.Family));
    }

    [Fact]
    public void An_invalid_unit_makes_every_verdict_that_uses_it_inconclusive_names_its_reasons_and_leaves_the_family()
    {
        // What the lab adds to a unit's problems (docs: "console: …", "factor: …", "fact missing: …") reaches the why
        // cell of every comparison using the unit: baseline's hackbench is in Q1 (vs guest-up) and Q4 (vs host).
        var run = SyntheticRun.Copy(temp);
        var results = RunParser.Parse(run, run.ReadManifest());
        string[] problems =
        [
            "console: L1 boot 1: rcu_preempt detected stalls on CPUs/tasks",
            "factor: L2 has 1 vCPU, expected 2",
        ];
        // The problems the boot checks would give, put straight into the data (a results.json edited so would be refused).
        var data = new RunData(run.ReadManifest(), results with
        {
            Units = results.Units.Select(u => u.File switch
            {
                "raw/baseline/hackbench/1.txt" => u with { Problems = problems },
                "raw/baseline/hackbench/3.txt" => u with { Problems = [problems[0]] },
                "raw/guest-up/hackbench/2.txt" => u with { Problems = ["fact missing: L2 /proc/cmdline", "console: L2 boot 3: soft lockup", "factor: THP"] },
                _ => u,
            }).ToList(),
        }, run.ReadKernelConfigDiff());

        var (model, _) = ReportBuilder.Build(data, null);

        var q1 = model.Questions.Single(q => q.Question == "Q1");
        var row = q1.Suites.Single(t => t.Suite == "hackbench").Rows.Single();
        Assert.Equal(Verdict.Inconclusive, row.Verdict);
        Assert.Equal(
            "invalid data: baseline/hackbench/1, baseline/hackbench/3: console: L1 boot 1: rcu_preempt detected stalls on CPUs/tasks; " +
            "guest-up/hackbench/2: fact missing: L2 /proc/cmdline; baseline/hackbench/1: factor: L2 has 1 vCPU, expected 2 (+2 more)",
            row.Reason);
        Assert.Null(row.HolmP); // not tested, so not adjusted
        Assert.Equal("0.002", Cells.P(row.P)); // the numbers are still shown
        Assert.StartsWith("invalid data: baseline/hackbench/1, baseline/hackbench/3: console: L1 boot 1:",
            model.Questions.Single(q => q.Question == "Q4").Suites.Single(t => t.Suite == "hackbench").Rows.Single().Reason);
        Assert.Equal("Q1: no headline comparison could be tested (1 inconclusive comparison), so Holm's family is empty and nothing is significant.", q1.Family);
        Assert.Contains(q1.Suites.Single(t => t.Suite == "hackbench").Missing, n => n == "`raw/guest-up/hackbench/2.txt`: fact missing: L2 /proc/cmdline; console: L2 boot 3: soft lockup; factor: THP");
        Assert.Equal(["No finding: every headline comparison is inconclusive (see the why column)."], q1.Findings);
    }

    [Fact]
    public void A_smoke_run_says_on_page_one_that_its_verdicts_are_not_evidence()
    {
        var run = SyntheticRun.Copy(temp);
        run.WriteResults(RunParser.Parse(run, run.ReadManifest()));
        var data = RunData.Load(run);

        var (smoke, _) = ReportBuilder.Build(data with { Manifest = data.Manifest with { Profile = "smoke" } }, null);
        var (other, _) = ReportBuilder.Build(data, null);
        var text = new ReportRenderer().Render("report", smoke);

        Assert.Null(other.SmokeBanner);
        Assert.StartsWith("**Smoke run: these verdicts are not evidence.** The smoke profile runs every suite at tiny sizes with 4 repeats per scenario", smoke.SmokeBanner);
        var summary = VmLab.Release.ReportSummary.Extract(text, "REPORT.md");
        Assert.Contains("> " + smoke.SmokeBanner, summary);
    }

    [Theory]
    [InlineData(2, 2, 2, true, "the host scenario's limit to L2's 2 CPUs limits nothing real (L1 has only 2)")]
    [InlineData(4, 2, 2, true, "the host scenario's limit to L2's 2 CPUs limits nothing real (L1 has only 2)")]
    [InlineData(2, 2, 1, false, "the guest's vCPUs compete with L1's own threads for L0's 2 CPUs")]
    public void The_overcommit_note_says_how_Q1_and_Q4_are_biased_from_the_vcpu_numbers(int l0, int l1, int l2, bool q1Biased, string q4)
    {
        var data = ReferenceData with { Manifest = ReferenceData.Manifest with { VcpuRule = new VcpuRule(l0, l1, l2) } };

        var note = ReportBuilder.Build(data, null).Model.Overcommit!;

        Assert.StartsWith($"The vCPU rule pCPU(L0) > vCPU(L1) > vCPU(L2) was not met ({l0} > {l1} > {l2} is false)", note);
        Assert.Equal(q1Biased, note.Contains("Q1 is expected to understate SMP's gain (UP may even look better), by an amount this run does not measure", StringComparison.Ordinal));
        Assert.Contains(q4, note);
        Assert.Contains("the host–VM gap is expected to be overstated, by an amount this run does not measure", note);
        Assert.Contains($"The netperf and ab clients run on L0 and compete with the TCG threads for the same {l0} CPUs.", note);
        Assert.Null(ReportBuilder.Build(ReferenceData with { Manifest = ReferenceData.Manifest with { VcpuRule = new VcpuRule(4, 3, 2) } }, null).Model.Overcommit);
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

        Snapshot.Match(new { Questions = ShownTables.Of(model.Questions), Reference = ShownTables.Of(model.Reference) }, Snap(nameof(Synthetic_run_statistics_tables_snapshot)));
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
    public async Task Charts_are_the_same_bytes_in_another_process()
    {
        // `vmlab report --out` in a child process must reproduce the committed charts exactly (ScottPlot has no
        // per-process state such as random ids or timestamps in its SVG).
        var dir = temp;
        var report = await VmlabCli.RunAsync("report", RunParserTests.Reference.Path, "--out", Path.Combine(dir, "REPORT.md"));

        Assert.Equal(0, report.ExitCode);
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
    [InlineData("# VmLab kernel config diff: guest .config -> host .config (scripts/diffconfig notation)\n+VHOST y\n+VHOST_IOTLB y\n VHOST_NET n -> y\n", "as the study requires, with what it selects on the host: CONFIG_VHOST, CONFIG_VHOST_IOTLB.")]
    [InlineData("+VHOST y\n", "CONFIG_VHOST_NET does not differ between host and guest, contrary to the study's setup (the only differences: CONFIG_VHOST).")]
    [InlineData("# VmLab kernel config diff: guest .config -> host .config (scripts/diffconfig notation)\n VHOST_NET m -> y\n", "Only CONFIG_VHOST_NET differs")]
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
        Assert.All(model.Scenarios.SelectMany(s => s.Suites).SelectMany(t => t.Rows), r => Assert.Equal(("1.000", "1.000"), (Cells.Ratio(r.Ratio), Cells.P(r.P))));
        Assert.Contains("# VmLab comparison: synthetic-run vs synthetic-run", text);
        Assert.Null(model.ProfileWarning);
    }

    [Fact]
    public void Compare_says_whether_each_verdict_replicates_in_the_other_run()
    {
        // Run B is the synthetic run with its raw files rearranged: Q1's two sides swapped (the verdict reverses), two of
        // guest-vhost-off's three netperf repeats gone (Q3 cannot decide in B); Q4 host vs baseline then compares host
        // with the twice-as-long hackbench and is still slower (confirmed).
        var a = SyntheticRun.Copy(Path.Combine(temp, "a"));
        var b = SyntheticRun.Copy(Path.Combine(temp, "b"));
        var up = Path.Combine(b.RawDir, "guest-up", "hackbench");
        var baseline = Path.Combine(b.RawDir, "baseline", "hackbench");
        Directory.Move(up, up + ".tmp");
        Directory.Move(baseline, up);
        Directory.Move(up + ".tmp", baseline);
        File.Delete(Path.Combine(b.RawDir, "guest-vhost-off", "netperf", "2.txt"));
        File.Delete(Path.Combine(b.RawDir, "guest-vhost-off", "netperf", "3.txt"));
        a.WriteResults(RunParser.Parse(a, a.ReadManifest()));
        b.WriteResults(RunParser.Parse(b, b.ReadManifest()));

        var replication = Replication.Of(RunData.Load(a), RunData.Load(b));
        var (model, _) = ReportBuilder.BuildComparison(RunData.Load(a), RunData.Load(b), replication);
        var text = new ReportRenderer().Render("compare", model);

        Assert.Equal(
            [("Q1", "hackbench", "time_s", Agreement.Reversed), ("Q3", "netperf", "transactions_per_s", Agreement.InconclusiveInOne), ("Q4", "hackbench", "time_s", Agreement.Confirmed)],
            replication.Comparisons.Select(c => (c.Question, c.Suite, c.Metric, c.Agreement)));
        Assert.Equal((Verdict.Slower, Verdict.Faster), (replication.Comparisons[0].RunA!.Verdict, replication.Comparisons[0].RunB!.Verdict));
        Assert.Equal(1, replication.Counts.Single(c => c.Agreement == Agreement.Reversed).Count);
        Assert.Equal(Enum.GetValues<Agreement>().Length, model.Counts.Count);
        Assert.Contains("| reversed | 1 | significant in both runs, opposite directions |", text);
        Assert.Contains("| Q1 | `guest-up` vs `baseline` | hackbench process | `time_s` | slower · B/A 1.846 · Holm p 0.002 | faster · B/A 0.542 · Holm p 0.002 | reversed |", text);
        Assert.True(text.IndexOf("## Do the verdicts replicate?", StringComparison.Ordinal) < text.IndexOf("## Each scenario in both runs", StringComparison.Ordinal));

        var json = RunJson.Serialize(replication);
        Assert.Contains("\"agreement\": \"reversed\"", json);
        Assert.Contains("\"agreement\": \"inconclusive_in_one\"", json);
    }

    [Fact]
    public async Task Compare_json_on_the_command_line_is_the_agreement_table()
    {
        var run = SyntheticRun.Copy(temp);
        run.WriteResults(RunParser.Parse(run, run.ReadManifest()));
        var compare = await VmlabCli.RunAsync("compare", run.Path, run.Path, "--json");

        Assert.Equal(0, compare.ExitCode);
        var replication = RunJson.Deserialize<Replication>(compare.StandardOutput, "vmlab compare --json");
        Assert.Equal(3, replication.Counts.Single(c => c.Agreement == Agreement.Confirmed).Count);
        Assert.All(replication.Comparisons, c => Assert.Equal(c.RunA, c.RunB));
    }

    [Fact]
    public async Task Compare_out_writes_its_own_files_again_but_refuses_a_file_it_did_not_write()
    {
        var reference = RunParserTests.Reference.Path;
        Task<BufferedCommandResult> Compare(string output) => VmlabCli.RunAsync("compare", reference, reference, "--out", output);

        var own = Path.Combine(temp, "cmp", "cmp.md");
        Directory.CreateDirectory(Path.GetDirectoryName(own)!);
        Assert.Equal(0, (await Compare(own)).ExitCode);
        var charts = Directory.GetFiles(Path.Combine(temp, "cmp", "charts"));
        Assert.NotEmpty(charts);
        File.WriteAllText(charts[0], "<svg>edited by hand</svg>");
        Assert.Equal(0, (await Compare(own)).ExitCode); // its own chart, listed in .cmp.md.outputs: rewritten
        Assert.NotEqual("<svg>edited by hand</svg>", File.ReadAllText(charts[0]));

        var notes = Path.Combine(temp, "cmp", "notes.md");
        File.WriteAllText(notes, "mine\n");
        var refused = await Compare(notes);

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("would overwrite 1 file(s) it did not write", refused.StandardError);
        Assert.Equal("mine\n", File.ReadAllText(notes));
    }

    [Fact]
    public async Task Report_last_renders_the_last_lab_run_parsing_it_first_and_says_when_there_is_none()
    {
        var artifacts = new RepoPaths(temp) { Artifacts = Path.Combine(temp, "artifacts") };
        async Task<BufferedCommandResult> Report(params string[] args) =>
            await VmlabCli.Command(["report", .. args])
                .WithWorkingDirectory(AppContext.BaseDirectory)
                .WithEnvironmentVariables(e => e.Set(RepoPaths.ArtifactsVariable, artifacts.Artifacts))
                .ExecuteBufferedAsync(TestContext.Current.CancellationToken);

        var none = await Report("--last");
        var run = SyntheticRun.Copy(temp); // raw/ and manifest.json, no results.json: as a lab run leaves it
        Directory.CreateDirectory(Path.GetDirectoryName(artifacts.LastRun)!);
        File.WriteAllText(artifacts.LastRun, run.Path + "\n");
        var last = await Report("--last");

        Assert.NotEqual(0, none.ExitCode);
        Assert.Contains("No lab run has been recorded yet", none.StandardError);
        Assert.Equal(0, last.ExitCode);
        Assert.Equal(run.ReportPath, last.StandardOutput.Trim());
        Assert.True(File.Exists(run.ResultsPath));
        Assert.NotEqual(0, (await Report("--last", run.Path)).ExitCode);
    }

    [Fact]
    public void Compare_warns_when_the_runs_used_different_profiles()
    {
        var (model, _) = ReportBuilder.BuildComparison(ReferenceData, ReferenceData with { Manifest = ReferenceData.Manifest with { Profile = "smoke" } });

        Assert.StartsWith("The runs used different profiles (2023-study, smoke)", model.ProfileWarning);
        Assert.All(model.Agreement, r => Assert.Equal("inconclusive in both", r.Agreement));
    }
}
