using System.Text.RegularExpressions;
using CliWrap.Buffered;
using VmLab.Common;
using VmLab.Lab.Plan;
using VmLab.Results;

namespace VmLab.Tests.CommandLine;

/// <summary>The precision options of the real <c>vmlab</c>: the pilot's plan, and the refusals before anything boots.</summary>
public sealed class PrecisionCommandTests
{
    private static readonly string Root = RepoPaths.Find(AppContext.BaseDirectory).Root;

    private static async Task<BufferedCommandResult> Vmlab(params string[] args) =>
        await VmlabCli.Command(args).WithWorkingDirectory(Root).ExecuteBufferedAsync(TestContext.Current.CancellationToken);

    private static string Said(BufferedCommandResult run) => Regex.Replace(run.StandardOutput + run.StandardError, @"\s+", " ");

    [Fact]
    public async Task Plan_pilot_prints_the_blocks_and_runner_hours_of_each_question_on_one_machine_and_across_shards()
    {
        var plan = await Vmlab("lab", "plan", "--pilot", "results/2026-11-29T0703Z-quick", "--precision", "10%", "--questions", "Q4", "--shards", "4");

        Assert.Equal(0, plan.ExitCode);
        Assert.Contains("Pilot 2026-11-29T0703Z-quick: profile quick, 3 blocks.", plan.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("the rule stops after 215 blocks", plan.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(@"netperf TCP_RR +transactions_per_s +pairs 3 +B/A +0\.191 +s +0\.702 +±10%: +211 +stop: +215", plan.StandardOutput);
        Assert.Matches(@"Now: its 3 blocks make 0 of 6 headline comparisons precise at ±10%; 2 are decided", plan.StandardOutput);
        Assert.Contains("across 4 shards", plan.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Q1 (", plan.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_with_a_rule_names_it()
    {
        var plan = await Vmlab("lab", "plan", "--profile", "smoke", "--precision", "10%", "--questions", "Q4", "--budget", "2h");

        Assert.Equal(0, plan.ExitCode);
        Assert.Contains("Precision: ±10% for Q4, within 2 h 00 min of lab time, stopping on precision: after these 2 blocks, whole blocks are added until every chosen headline comparison is precise", plan.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--precision needs --budget", "--precision", "10%")]
    [InlineData("--questions and --budget belong to --precision", "--questions", "Q1")]
    [InlineData("there is no question Q9", "--precision", "10%", "--budget", "1h", "--questions", "Q9")]
    [InlineData("--precision cannot run as a shard", "--precision", "10%", "--budget", "1h", "--seed", "1", "--shard", "1/2")]
    public async Task A_rule_that_cannot_run_is_refused_before_anything_starts(string message, params string[] options)
    {
        var results = Directory.CreateTempSubdirectory("vmlab-precision-cli-").FullName;
        var run = await Vmlab(["lab", "run", "--profile", "smoke", "--results", results, .. options]);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(message, Said(run), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(results));
    }

    [Fact]
    public async Task A_resume_with_another_rule_is_refused_and_changes_nothing()
    {
        var results = Directory.CreateTempSubdirectory("vmlab-precision-cli-").FullName;
        var run = new RunDirectory(Path.Combine(results, "2026-12-07T0300Z-smoke"));
        Directory.CreateDirectory(run.Path);
        run.WriteManifest(new Manifest { RunId = run.RunId, Profile = "smoke", Precision = new PrecisionRecord(PrecisionRule.Parse("10%", "Q4", "1h"), []) });
        var before = File.ReadAllText(run.ManifestPath);

        var resume = await Vmlab("lab", "run", "--profile", "smoke", "--results", results, "--resume", run.RunId, "--precision", "20%", "--budget", "1h");

        Assert.NotEqual(0, resume.ExitCode);
        Assert.Contains("was started under the precision rule ±10% for Q4", Said(resume), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(run.ManifestPath));
        Assert.Single(Directory.EnumerateFileSystemEntries(run.Path));
    }
}
