using CliWrap.Buffered;
using VmLab.Common;

namespace VmLab.Tests.CommandLine;

/// <summary>The sharded options of the real <c>vmlab</c>, on the paths that refuse before anything boots.</summary>
public sealed class ShardCommandTests
{
    private static readonly string Root = RepoPaths.Find(AppContext.BaseDirectory).Root;

    [Fact]
    public async Task A_shard_without_a_seed_is_refused_before_anything_starts()
    {
        var run = await Vmlab("lab", "run", "--profile", "smoke", "--shard", "1/2", "--results", Directory.CreateTempSubdirectory("vmlab-shard-").FullName);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--shard needs --seed", System.Text.RegularExpressions.Regex.Replace(run.StandardOutput + run.StandardError, @"\s+", " "));
    }

    [Fact]
    public async Task The_plan_text_names_each_shard_its_directory_and_the_command_that_runs_it()
    {
        var plan = await Vmlab("lab", "plan", "--profile", "smoke", "--shards", "2", "--seed", "20261130");

        Assert.Equal(0, plan.ExitCode);
        Assert.Contains("results/seed-20261130-smoke-shard-1", plan.StandardOutput);
        Assert.Contains("results/seed-20261130-smoke-shard-2", plan.StandardOutput);
        Assert.Contains("./build.sh --target=Lab --profile=smoke --seed=20261130 --run-id=seed-20261130-smoke --shard=K/2", plan.StandardOutput);
    }

    [Fact]
    public async Task Merge_refuses_a_directory_that_is_not_a_shard()
    {
        var committed = Path.Combine(Root, "results", "2026-11-29T0447Z-smoke");
        var merge = await Vmlab("merge", committed, "--out", Path.Combine(Directory.CreateTempSubdirectory("vmlab-merge-cli-").FullName, "out"));

        Assert.NotEqual(0, merge.ExitCode);
        // (the error printer wraps long lines at the console's width)
        Assert.Contains("is not a shard: its manifest.json has no \"shard\"", System.Text.RegularExpressions.Regex.Replace(merge.StandardOutput + merge.StandardError, @"\s+", " "));
    }

    private static async Task<BufferedCommandResult> Vmlab(params string[] args) =>
        await VmlabCli.Command(args).WithWorkingDirectory(Root).ExecuteBufferedAsync(TestContext.Current.CancellationToken);
}
