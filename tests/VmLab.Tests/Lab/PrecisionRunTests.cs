using VmLab.Common;
using VmLab.Lab.Ledger;
using VmLab.Lab.Plan;
using VmLab.Report;
using VmLab.Results;

namespace VmLab.Tests.Lab;

/// <summary>
/// A precision run's rule (issue 23, item 4): parsed from the options, recorded in the manifest with its looks and read
/// back unchanged, kept on resume (another rule is refused), and a plan that grows by whole blocks of the seeded order.
/// </summary>
public sealed class PrecisionRunTests : IDisposable
{
    private static readonly string ResultsDir = RepoPaths.Find(AppContext.BaseDirectory).ResultsDir;

    private readonly string _root = Directory.CreateTempSubdirectory("vmlab-precision-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static RunPlan Plan(PrecisionRule? rule = null) =>
        RunPlan.Of(Profiles.Quick, Topology.Choose(new MachineCapacity(4, 24000), Profiles.Quick.GuestMemoryMiB), seed: 20261129) with { Precision = rule };

    [Fact]
    public void The_rule_is_read_from_the_options_and_written_back_the_same()
    {
        var rule = PrecisionRule.Parse("10%", "q3, Q1,Q3", "6h");

        Assert.Equal(0.10, rule.Margin);
        Assert.Equal(["Q1", "Q3"], rule.Questions);
        Assert.Equal(6 * 3600, rule.BudgetSeconds);
        Assert.Equal("--precision=10% --questions=Q1,Q3 --budget=6h0m0s", rule.Options);
        Assert.True(rule.Same(PrecisionRule.Parse("0.1", "Q1,Q3", "5h60m")));
        Assert.False(rule.Same(PrecisionRule.Parse("10%", "Q1", "6h")));
        Assert.Equal(0.025, PrecisionRule.Parse("2.5%", null, "90m").Margin);
    }

    [Theory]
    [InlineData("ten", "6h", "is not a margin")]
    [InlineData("100%", "6h", "outside (0%, 100%)")]
    [InlineData("0%", "6h", "outside (0%, 100%)")]
    [InlineData("10%", null, "--precision needs --budget")]
    [InlineData("10%", "six hours", "--budget: 'six hours' is not a duration")]
    public void A_rule_that_cannot_be_meant_is_refused(string precision, string? budget, string message)
    {
        var error = Assert.Throws<LabException>(() => PrecisionRule.Parse(precision, null, budget));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plan_grows_by_whole_blocks_drawn_from_the_seed_as_a_bigger_plan_would_draw_them()
    {
        var plan = Plan(PrecisionRule.Parse("10%", null, "6h"));
        var grown = plan.WithAnotherBlock().WithAnotherBlock();

        Assert.Equal(5, grown.Blocks);
        Assert.Equal(RunOrder.Draw(20261129, plan.Scenarios.Select(s => s.Id).ToList(), 5).Blocks, grown.Order.Blocks);
        Assert.Equal(5 * 5 * 6, grown.Units.Count());
        // 0703Z's own order (drawn from 20261129 for 3 blocks) is the start of it.
        Assert.Equal(plan.Order.Blocks, grown.Order.Blocks.Take(3));

        // The rule's margin is the run's declared equivalence margin: the report's "no meaningful difference" is the rule's test.
        Assert.Equal(0.05, Plan().WithPrecision(PrecisionRule.Parse("5%", null, "6h")).Profile.Analysis!.EquivalenceMargin);
        Assert.Equal(Profiles.Quick.Analysis, Plan().WithPrecision(null).Profile.Analysis);

        // A resumed precision run keeps its recorded blocks; a run without a rule must have the profile's.
        Assert.Equal(5, plan.WithOrder(grown.Order).Blocks);
        var error = Assert.Throws<LabException>(() => Plan().WithOrder(grown.Order));
        Assert.Contains("the recorded order has 5 blocks, the plan 3 repeats", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The manifest of a precision run that looked at 0703Z's first 2 and 3 blocks (real decisions).</summary>
    private static Manifest WithLooks(PrecisionRule rule)
    {
        var quick = RunData.Load(new RunDirectory(Path.Combine(ResultsDir, "2026-11-29T0703Z-quick")));
        var looks = new[] { 2, 3 }.Select(k =>
        {
            var comparisons = RunDecisions.Look(quick, rule.Margin, rule.Questions, k);
            return new PrecisionLook(k, DateTimeOffset.UnixEpoch.AddHours(k), k * 2280.5, 2280.5, comparisons, k == 3 ? PrecisionStop.Reason(rule, k, comparisons, 3 * 2280.5, 2280.5) : null);
        }).ToList();
        return quick.Manifest with { Precision = new PrecisionRecord(rule, looks) };
    }

    [Fact]
    public void The_manifest_keeps_the_rule_every_look_and_the_reason_for_stopping()
    {
        var rule = PrecisionRule.Parse("10%", "Q4", "2h");
        var manifest = WithLooks(rule);
        var run = new RunDirectory(Path.Combine(_root, "run"));
        Directory.CreateDirectory(run.Path);

        run.WriteManifest(manifest);
        var back = run.ReadManifest().Precision!;

        Assert.True(back.Rule.Same(rule));
        Assert.Equal([2, 3], back.Looks.Select(l => l.Blocks));
        Assert.Equal(manifest.Precision!.Looks.SelectMany(l => l.Comparisons), back.Looks.SelectMany(l => l.Comparisons));
        Assert.StartsWith("budget: 3 blocks took 1 h 54 min of 2 h 00 min", back.Stop, StringComparison.Ordinal);
        Assert.Equal(RunJson.Serialize(manifest), RunJson.Serialize(run.ReadManifest()));
        Assert.Contains("\"precision\": {", File.ReadAllText(run.ManifestPath), StringComparison.Ordinal);
        Assert.Contains("\"stop_on\": \"precision\"", File.ReadAllText(run.ManifestPath), StringComparison.Ordinal);
        Assert.DoesNotContain("\"precision\"", File.ReadAllText(Path.Combine(ResultsDir, "2026-11-29T0703Z-quick", "manifest.json")), StringComparison.Ordinal);

        var section = PrecisionReport.Of(run.ReadManifest())!;
        Assert.Equal(2, section.Looks.Count);
        Assert.Equal($"{back.Looks[1].Precise} of 6", section.Looks[1].Met);
        Assert.Equal(PrecisionStopOn.Precision, back.Rule.StopOn);
        Assert.Equal(6, section.Last.Count);
        Assert.StartsWith("**Stopped:** budget:", section.Stop, StringComparison.Ordinal);

        // The report renders it as its own section (Templates/_precision.scriban, included by report.scriban).
        var quick = RunData.Load(new RunDirectory(Path.Combine(ResultsDir, "2026-11-29T0703Z-quick")));
        var report = new ReportRenderer().Render("report", ReportBuilder.Build(quick with { Manifest = run.ReadManifest() }, ReferenceRun.Embedded).Model);
        var plain = new ReportRenderer().Render("report", ReportBuilder.Build(quick, ReferenceRun.Embedded).Model);
        Assert.Contains("## Precision: the stopping rule and its looks", report, StringComparison.Ordinal);
        Assert.Contains($"| 2 | 3 | 1 h 54 min | 38 min 00 s | {back.Looks[1].Precise} of 6 | Q4 ", report, StringComparison.Ordinal);
        Assert.DoesNotContain("## Precision", plain, StringComparison.Ordinal);
        var start = report.IndexOf("## Precision", StringComparison.Ordinal);
        var end = report.IndexOf("## Validity", start, StringComparison.Ordinal);
        Assert.Equal(plain, report[..start] + "\n" + report[end..]); // the section is all a rule adds
        Assert.DoesNotContain("|  |", report[start..end], StringComparison.Ordinal); // every cell has a value (a misspelt member renders empty)
    }

    [Fact]
    public void A_resume_goes_on_under_the_manifests_rule_and_refuses_another()
    {
        var rule = PrecisionRule.Parse("10%", "Q4", "2h");
        var run = new RunDirectory(Path.Combine(_root, "2026-12-07T0300Z-quick"));
        Directory.CreateDirectory(run.Path);
        run.WriteManifest(WithLooks(rule));
        var before = File.ReadAllText(run.ManifestPath);

        Assert.Equal(2, LabStart.Precision(run.Path, resume: true, given: null)!.Looks.Count);
        Assert.True(LabStart.Precision(run.Path, resume: true, PrecisionRule.Parse("10%", "Q4", "120m"))!.Rule.Same(rule));
        var error = Assert.Throws<LabException>(() => LabStart.Precision(run.Path, resume: true, PrecisionRule.Parse("5%", "Q4", "2h")));
        Assert.Contains("was started under the precision rule ±10% for Q4", error.Message, StringComparison.Ordinal);
        Assert.Contains("--precision=10% --questions=Q4 --budget=2h0m0s", error.Next, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(run.ManifestPath));

        // A run started without a rule cannot take one on resume; a new run takes the one given.
        run.WriteManifest(run.ReadManifest() with { Precision = null });
        var added = Assert.Throws<LabException>(() => LabStart.Precision(run.Path, resume: true, rule));
        Assert.Contains("was started without a precision rule", added.Message, StringComparison.Ordinal);
        Assert.Null(LabStart.Precision(run.Path, resume: true, given: null));
        Assert.Empty(LabStart.Precision(Path.Combine(_root, "new"), resume: false, rule)!.Looks);
    }

    [Fact]
    public void A_manifest_of_the_first_rule_is_read_as_that_rule_and_a_resume_goes_on_under_it()
    {
        // fixtures/precision/first-rule-manifest.json: the manifest a precision run of vmlab 66f14a4 wrote (README there).
        var run = new RunDirectory(Path.Combine(_root, "smoke-precision-1"));
        Directory.CreateDirectory(run.Path);
        File.Copy(Fixture.Path("precision", "first-rule-manifest.json"), run.ManifestPath);

        var record = run.ReadManifest().Precision!;
        Assert.Equal(PrecisionStopOn.Decided, record.Rule.StopOn);
        Assert.Equal("decided: all 1 chosen headline comparisons are decided after 2 blocks", record.Stop);
        Assert.Null(record.Looks[0].Precise);
        Assert.Null(record.Looks[0].Comparisons[0].Precise);
        Assert.EndsWith("stopping when decided (the first rule)", record.Rule.Describe(), StringComparison.Ordinal);

        // A resume, without options or with the same ones, keeps the first rule; written back, the manifest says so.
        Assert.Equal(PrecisionStopOn.Decided, LabStart.Precision(run.Path, resume: true, given: null)!.Rule.StopOn);
        Assert.Equal(PrecisionStopOn.Decided, LabStart.Precision(run.Path, resume: true, PrecisionRule.Parse("50%", "Q4", "8m"))!.Rule.StopOn);
        run.WriteManifest(run.ReadManifest());
        Assert.Contains("\"stop_on\": \"decided\"", File.ReadAllText(run.ManifestPath), StringComparison.Ordinal);
        Assert.Equal(PrecisionStopOn.Decided, run.ReadManifest().Precision!.Rule.StopOn);

        var section = PrecisionReport.Of(run.ReadManifest())!;
        Assert.StartsWith("**the first rule**", section.Rule, StringComparison.Ordinal);
        Assert.Equal(("decided", "1 of 1", "–"), (section.Met, section.Looks[0].Met, section.Looks[0].NotYet));
    }
}
