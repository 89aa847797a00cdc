using VmLab.Common;
using VmLab.Lab.Plan;

namespace VmLab.Tests.Lab;

public sealed class ShardPlanTests
{
    private static readonly Topology FourCores = Topology.Choose(new MachineCapacity(4, 16384), guestMemoryMiB: 2048);

    private static RunPlan Plan(LabProfile profile, ulong seed) => RunPlan.Of(profile, FourCores, seed: seed);

    [Fact]
    public void The_same_seed_and_count_give_the_same_shards()
    {
        var a = ShardPlan.Of(Plan(Profiles.Smoke, 925827383), 2);
        var b = ShardPlan.Of(Plan(Profiles.Smoke, 925827383), 2);
        Assert.Equal(a.Shards.Select(s => string.Join(",", s.Units)), b.Shards.Select(s => string.Join(",", s.Units)));
        Assert.NotEqual(
            a.Shards.Select(s => string.Join(",", s.Units)),
            ShardPlan.Of(Plan(Profiles.Smoke, 1), 2).Shards.Select(s => string.Join(",", s.Units)));
    }

    [Fact]
    public void Block_shards_hold_whole_blocks_in_the_seeded_order_and_together_every_unit_once()
    {
        var plan = Plan(Profiles.Full, 42);
        foreach (var count in new[] { 1, 2, 3 })
        {
            var shards = ShardPlan.Of(plan, count);
            Assert.Equal(ShardGrain.Block, shards.Grain);
            Assert.Equal(count, shards.Count);
            Assert.Equal(plan.Units.Select(u => u.Key), shards.Shards.SelectMany(s => s.Units).Select(u => u.Key));
            foreach (var shard in shards.Shards)
            {
                // Every block it touches is whole: every scenario × suite of that repeat, in the block's seeded order.
                Assert.Equal(plan.Units.Where(u => shard.Blocks.Contains(u.Repeat)).Select(u => u.Key), shard.Units.Select(u => u.Key));
            }
        }

        var smoke = ShardPlan.Of(Plan(Profiles.Smoke, 925827383), 2);
        Assert.Equal([[1], [2]], smoke.Shards.Select(s => s.Blocks.ToArray()));
        Assert.All(smoke.Shards, s => Assert.Equal(5, s.Boots));
        Assert.Null(smoke.Refusal(ShardPlan.DefaultJobLimit));
    }

    [Fact]
    public void More_shards_than_blocks_split_blocks_into_consecutive_units()
    {
        var plan = Plan(Profiles.Smoke, 3);
        var shards = ShardPlan.Of(plan, 4);
        Assert.Equal(ShardGrain.Unit, shards.Grain);
        Assert.Equal(plan.Units.Select(u => u.Key), shards.Shards.SelectMany(s => s.Units).Select(u => u.Key));
        Assert.All(shards.Shards, s => Assert.NotEmpty(s.Units));
        var longest = shards.Shards.Max(s => s.Estimate);
        Assert.True(longest < ShardPlan.Of(plan, 2).Shards.Max(s => s.Estimate));
    }

    [Fact]
    public void A_split_that_cannot_fit_the_job_limit_is_refused_naming_the_unit_and_its_estimate()
    {
        var plan = Plan(Profiles.Full, 42);
        var why = ShardPlan.Of(plan, 24).Refusal(ShardPlan.DefaultJobLimit);
        Assert.NotNull(why);
        var firstKernbench = plan.Units.First(u => u.Suite == "kernbench").Key;
        Assert.Contains($"unit {firstKernbench} is estimated 10 h 00 min", why);
        Assert.Contains("over the job limit 5 h 30 min", why);

        // Shards too long for the limit (but each unit fits): the shard is named with the count that would fit.
        var smoke = ShardPlan.Of(Plan(Profiles.Smoke, 1), 1);
        var tooLong = smoke.Refusal(TimeSpan.FromMinutes(28));
        Assert.NotNull(tooLong);
        Assert.StartsWith("shard 1/1 (block(s) 1, 2) is estimated", tooLong);
        Assert.Contains("ask for at least --shards 2", tooLong);
    }

    [Fact]
    public void A_job_limit_over_six_hours_is_refused_on_GitHub_hosted_labels_only()
    {
        var shards = ShardPlan.Of(Plan(Profiles.Full, 42), 24);
        var thirteen = TimeSpan.FromHours(13);

        var hosted = ShardMatrixJson.Of(shards, "R", thirteen, "ubuntu-24.04");
        Assert.False(hosted.Fits);
        Assert.Contains("job limit 13 h 00 min is over the 6 h 00 min GitHub-hosted runners allow (runner ubuntu-24.04)", hosted.Refusal);
        Assert.Contains("self-hosted runner label", hosted.Refusal);
        Assert.NotNull(ShardPlan.RunnerRefusal("macos-15", TimeSpan.FromMinutes(361)));
        Assert.Null(ShardPlan.RunnerRefusal("ubuntu-24.04", TimeSpan.FromHours(6)));

        // A self-hosted label takes the long limit; full then fits in 24 shards (README: "Scale-out").
        var selfHosted = ShardMatrixJson.Of(shards, "R", thirteen, "vmlab-big");
        Assert.True(selfHosted.Fits, selfHosted.Refusal);
        Assert.All(selfHosted.Matrix.Include, e => Assert.True(e.JobTimeout > 360));
    }

    [Fact]
    public void The_lab_step_times_out_before_its_job_so_the_job_still_uploads_the_shard()
    {
        foreach (var (profile, count, limit) in new[] { (Profiles.Smoke, 2, ShardPlan.DefaultJobLimit), (Profiles.Full, 24, TimeSpan.FromHours(13)), (Profiles.Quick, 1, TimeSpan.FromHours(6)) })
        {
            var matrix = ShardMatrixJson.Of(ShardPlan.Of(Plan(profile, 7), count), "R", limit).Matrix.Include;
            Assert.All(matrix, e =>
            {
                Assert.True(e.JobTimeout >= e.Timeout + ShardPlan.JobOverhead.TotalMinutes, $"{e.Shard}: step {e.Timeout} min, job {e.JobTimeout} min");
                Assert.True(e.JobTimeout <= Math.Max(limit.TotalMinutes, 50), $"{e.Shard}: job {e.JobTimeout} min over the limit {limit}");
            });
        }
    }

    [Fact]
    public void Shard_and_duration_options_are_checked()
    {
        Assert.Equal((2, 3), ShardPlan.ParseShard("2/3"));
        Assert.Throws<LabException>(() => ShardPlan.ParseShard("4/3"));
        Assert.Throws<LabException>(() => ShardPlan.ParseShard("0/3"));
        Assert.Equal(TimeSpan.FromMinutes(330), ShardPlan.ParseDuration("5h30m"));
        Assert.Equal(TimeSpan.FromMinutes(90), ShardPlan.ParseDuration("90m"));
        Assert.Throws<LabException>(() => ShardPlan.ParseDuration("5.5h"));
    }

    [Fact]
    public void A_shard_plan_runs_only_its_units()
    {
        var plan = Plan(Profiles.Smoke, 925827383);
        var shards = ShardPlan.Of(plan, 2);
        var second = plan with { Shard = shards.Describe(shards.Shards[1], "r") };
        Assert.Equal(shards.Shards[1].Units.Select(u => u.Key), second.Units.Select(u => u.Key));
        Assert.Equal(5, second.Boots(_ => true).Count);
        Assert.All(second.Boots(_ => true), b => Assert.Equal(2, b.Repeat));
    }
}
