using System.Text.Json;
using VmLab.Common;
using VmLab.Lab.Plan;
using VmLab.Results;

namespace VmLab.CommandLine.Commands;

/// <summary>The sharded side of <c>vmlab lab plan</c> and <c>vmlab lab run</c> (README, "Scale-out").</summary>
internal static class Sharding
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary><c>lab plan --shards N</c>: the shard matrix, as text or JSON; exit 2 when it cannot fit the job limit.</summary>
    public static int PrintPlan(RunPlan plan, LabPlanSettings settings)
    {
        var shards = ShardPlan.Of(plan, settings.Shards!.Value);
        var limit = ShardPlan.ParseDuration(settings.JobLimit);
        var matrix = ShardMatrixJson.Of(shards, settings.RunId ?? ShardMatrixJson.DefaultRunId(plan.Profile.Name, plan.Order.Seed), limit, settings.Runner);
        if (settings.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(matrix, Json));
        }
        else
        {
            Console.WriteLine($"Run {matrix.RunId}: profile {matrix.Profile}, seed {matrix.Seed}, {matrix.Units} units in {matrix.ShardCount} shards of whole {(shards.Grain == ShardGrain.Block ? "blocks" : "units")}");
            foreach (var s in matrix.Shards)
            {
                Console.WriteLine($"  shard {s.Id,-6} block(s) {string.Join(",", s.Blocks),-6} {s.Units.Count,3} units in {s.Boots,2} boots  {s.Estimate,-14} timeout {s.TimeoutMinutes} min → results/{s.Directory}");
            }

            Console.WriteLine($"Runner time: {RunPlan.FormatDuration(shards.Total)} ({matrix.RunnerHours} runner-hours, {RunPlan.FormatDuration(ShardPlan.JobOverhead)} of job overhead per shard included); longest shard {RunPlan.FormatDuration(TimeSpan.FromSeconds(matrix.LongestShardSeconds))}, job limit {RunPlan.FormatDuration(limit)}");
            Console.WriteLine($"Each shard: ./build.sh --target=Lab --profile={matrix.Profile} --seed={matrix.Seed} --run-id={matrix.RunId} --shard=K/{matrix.ShardCount}");
        }

        if (matrix.Refusal is { } why)
        {
            Console.Error.WriteLine($"vmlab: this split cannot run: {why}.");
            return 2;
        }

        return 0;
    }

    /// <summary><c>lab run --shard K/N</c>: the plan narrowed to shard K, and its run directory's name.</summary>
    public static (RunPlan Plan, string RunId) ForShard(RunPlan plan, LabPlanSettings settings, string shardText)
    {
        if (settings.Seed is null)
        {
            throw new LabException("--shard needs --seed: every shard of a run must draw the same order.", "take the seed from the plan: vmlab lab plan --profile P --shards N --json (its \"seed\")");
        }

        var (index, count) = ShardPlan.ParseShard(shardText);
        var shards = ShardPlan.Of(plan, count);
        var runId = settings.RunId ?? ShardMatrixJson.DefaultRunId(plan.Profile.Name, plan.Order.Seed);
        var shard = shards.Shards[index - 1];
        return (plan with { Shard = shards.Describe(shard, runId) }, shard.DirectoryName(runId));
    }
}

/// <summary><c>vmlab merge &lt;shard-dir&gt;… --out results/&lt;run-id&gt;</c>: one run directory from a sharded run's shards.</summary>
internal sealed class MergeCommand : Spectre.Console.Cli.Command<MergeCommand.Settings>
{
    public sealed class Settings : Spectre.Console.Cli.CommandSettings
    {
        [Spectre.Console.Cli.CommandArgument(0, "<shard-dir>")]
        [System.ComponentModel.Description("The shards' run directories (results/<run-id>-shard-K), in any order.")]
        public string[] Shards { get; init; } = [];

        [Spectre.Console.Cli.CommandOption("--out <DIR>")]
        [System.ComponentModel.Description("The merged run directory to create, e.g. results/<run-id>.")]
        public string Out { get; init; } = "";

        [Spectre.Console.Cli.CommandOption("--allow-missing")]
        [System.ComponentModel.Description("Merge even when shards are missing: a partial run whose manifest and report name them.")]
        public bool AllowMissing { get; init; }
    }

    public override int Execute(Spectre.Console.Cli.CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Out.Length == 0)
        {
            throw new LabException("vmlab merge needs --out <DIR>: the merged run directory.", "e.g. vmlab merge results/R-shard-1 results/R-shard-2 --out results/R");
        }

        var manifest = ShardMerge.Merge(settings.Shards, settings.Out, settings.AllowMissing);
        Console.WriteLine($"vmlab: merged {manifest.Shards!.Count} shard(s) of run {manifest.RunId} into {settings.Out}" +
                          (manifest.MissingShards is { } missing ? $" (missing: {string.Join(", ", missing)})" : ""));
        Console.WriteLine($"  next: vmlab report {settings.Out} --reparse");
        return 0;
    }
}
