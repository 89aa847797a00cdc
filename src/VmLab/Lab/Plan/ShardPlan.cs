using System.Globalization;
using System.Text.RegularExpressions;
using VmLab.Common;
using VmLab.Lab.Ledger;
using VmLab.Results;
using VmLab.Suites;

namespace VmLab.Lab.Plan;

/// <summary>How a run is cut into shards: whole repeat blocks, or single units when one block cannot fit a job.</summary>
public enum ShardGrain
{
    /// <summary>Each shard is a run of whole repeat blocks (every scenario once per block, in its seeded order).</summary>
    Block,

    /// <summary>Each shard is a run of consecutive units of the seeded order: asked for when there are more shards than blocks.</summary>
    Unit,
}

/// <summary>One shard of a run: its 1-based index, the blocks it touches, its units in execution order and its estimate.</summary>
/// <param name="Estimate">Its boots' estimates plus <see cref="ShardPlan.JobOverhead"/>: what the job that runs it should take.</param>
public sealed record Shard(int Index, int Count, IReadOnlyList<int> Blocks, IReadOnlyList<LabUnit> Units, int Boots, TimeSpan Estimate)
{
    /// <summary><c>K/N</c>, as <c>--shard</c> takes it.</summary>
    public string Id => $"{Index.ToString(CultureInfo.InvariantCulture)}/{Count.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The shard's run directory name: the run id plus <c>-shard-K</c>.</summary>
    public string DirectoryName(string runId) => $"{runId}-shard-{Index.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// A run split into <see cref="Count"/> shards for separate machines (../shared/DESIGN.md, "Scale-out"). The split depends
/// only on the plan (profile, scenarios, suites, seed) and the shard count, so every shard of a run, planned again on
/// its own machine with the same <c>--seed</c>, finds the same units. Shards are contiguous stretches of the seeded
/// order: whole repeat blocks while there are no more shards than blocks, single units beyond that; among such
/// splits the one whose longest shard is shortest is taken (ties: the earliest cut).
/// </summary>
public sealed record ShardPlan(RunPlan Plan, ShardGrain Grain, IReadOnlyList<Shard> Shards)
{
    /// <summary>What a job spends besides its boots: checkout, prerequisites, artifacts download, upload (a generous guess).</summary>
    public static readonly TimeSpan JobOverhead = TimeSpan.FromMinutes(20);

    /// <summary>The default per-job limit: under GitHub-hosted runners' 6 h, with room for a slow step.</summary>
    public static readonly TimeSpan DefaultJobLimit = TimeSpan.FromMinutes(330);

    public int Count => Shards.Count;

    /// <summary>The sum of every shard's estimate: what the run costs in runner time.</summary>
    public TimeSpan Total => Shards.Aggregate(TimeSpan.Zero, (t, s) => t + s.Estimate);

    /// <summary>The run split into <paramref name="count"/> shards (see the type's remarks).</summary>
    public static ShardPlan Of(RunPlan plan, int count)
    {
        plan = plan with { Shard = null };
        var units = plan.Units.ToList();
        var blocks = plan.Order.Blocks.Count;
        if (count < 1 || count > units.Count)
        {
            throw new LabException($"--shards {count}: a run of {units.Count} units splits into 1 to {units.Count} shards.", "ask for fewer shards");
        }

        var grain = count <= blocks ? ShardGrain.Block : ShardGrain.Unit;
        // The items cut into shards: whole blocks, or single units, each a list of units in execution order.
        var items = grain == ShardGrain.Block
            ? units.GroupBy(u => u.Repeat).Select(g => g.ToList()).ToList()
            : units.Select(u => new List<LabUnit> { u }).ToList();
        var cuts = Partition(plan, items, count);
        var shards = new List<Shard>();
        for (var k = 0; k < count; k++)
        {
            var members = items.Skip(cuts[k]).Take(cuts[k + 1] - cuts[k]).SelectMany(i => i).ToList();
            shards.Add(Of(plan, k + 1, count, members));
        }

        return new ShardPlan(plan, grain, shards);
    }

    /// <summary>
    /// Null when every shard fits a job of <paramref name="jobLimit"/>; else why not, naming the unit that cannot fit
    /// and its estimate, or the shard that is too long and how many shards would do.
    /// </summary>
    public string? Refusal(TimeSpan jobLimit)
    {
        var limit = RunPlan.FormatDuration(jobLimit);
        var lone = Plan.Units.Select(u => (Unit: u, Alone: Of(Plan, 1, 1, [u]).Estimate)).FirstOrDefault(x => x.Alone > jobLimit);
        if (lone.Unit is not null)
        {
            var suite = Plan.Suites.Single(s => s.Id == lone.Unit.Suite);
            return $"unit {lone.Unit.Key} is estimated {RunPlan.FormatDuration(suite.Estimate)} ({RunPlan.FormatDuration(lone.Alone)} as a job of its own, with its boot and {RunPlan.FormatDuration(JobOverhead)} of job overhead), over the job limit {limit}: no split fits it (lab/profiles.json, {Plan.Profile.Name}.{SuiteKey(suite.Id)}.estimateSeconds; raise --job-limit on self-hosted runners)";
        }

        if (Shards.FirstOrDefault(s => s.Estimate > jobLimit) is not { } over)
        {
            return null;
        }

        var enough = Enumerable.Range(Count + 1, Plan.Units.Count() - Count).FirstOrDefault(n => Of(Plan, n).Shards.All(s => s.Estimate <= jobLimit));
        var what = Grain == ShardGrain.Block ? $"block(s) {string.Join(", ", over.Blocks)}" : $"{over.Units.Count} units";
        return $"shard {over.Id} ({what}) is estimated {RunPlan.FormatDuration(over.Estimate)}, over the job limit {limit}: ask for at least --shards {enough}"
               + (Grain == ShardGrain.Block && enough > Plan.Order.Blocks.Count ? $" (more shards than the {Plan.Order.Blocks.Count} blocks split blocks into units)" : "");
    }

    /// <summary>
    /// The timeout of a shard's lab step in minutes: half again its estimate, never under 30 min, never over the job
    /// limit less <see cref="JobOverhead"/>. A step that times out fails and the job goes on to upload the shard's
    /// finished units; a job that times out is cancelled and uploads nothing, so the step must time out first.
    /// </summary>
    public static int TimeoutMinutes(Shard shard, TimeSpan jobLimit) =>
        (int)Math.Ceiling(Math.Min(Math.Max(30, jobLimit.TotalMinutes - JobOverhead.TotalMinutes), Math.Max(30, shard.Estimate.TotalMinutes * 1.5)));

    /// <summary>The timeout of a shard's job in minutes: the job limit, which leaves <see cref="JobOverhead"/> after the lab step's.</summary>
    public static int JobTimeoutMinutes(Shard shard, TimeSpan jobLimit) =>
        Math.Max(TimeoutMinutes(shard, jobLimit) + (int)JobOverhead.TotalMinutes, (int)Math.Ceiling(jobLimit.TotalMinutes));

    /// <summary>The longest a job may run on a GitHub-hosted runner; GitHub cancels it then.</summary>
    public static readonly TimeSpan HostedJobLimit = TimeSpan.FromHours(6);

    /// <summary>
    /// True for the labels of GitHub-hosted runners (<c>ubuntu-*</c>, <c>windows-*</c>, <c>macos-*</c>), whose jobs end
    /// at 6 h; any other label is taken for a self-hosted runner (5 days).
    /// See https://docs.github.com/en/actions/reference/limits
    /// </summary>
    public static bool IsHostedRunner(string runner) =>
        Regex.IsMatch(runner.Trim(), @"^(ubuntu|windows|macos)-", RegexOptions.IgnoreCase);

    /// <summary>Null when a job limit fits the runner; else why not (a job limit over 6 h on a GitHub-hosted label).</summary>
    public static string? RunnerRefusal(string? runner, TimeSpan jobLimit) =>
        runner is not null && IsHostedRunner(runner) && jobLimit > HostedJobLimit
            ? $"the job limit {RunPlan.FormatDuration(jobLimit)} is over the {RunPlan.FormatDuration(HostedJobLimit)} GitHub-hosted runners allow (runner {runner.Trim()}), which would cancel every longer job and lose its shard: give a self-hosted runner label (the runner input, --runner) or a job limit of at most 6h"
            : null;

    /// <summary>The shard <c>K/N</c> as the user writes it, checked.</summary>
    public static (int Index, int Count) ParseShard(string text)
    {
        var m = Regex.Match(text, @"^(\d+)/(\d+)$");
        return m.Success && int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) is var k and >= 1
               && int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) is var n && k <= n
            ? (k, n)
            : throw new LabException($"--shard {text}: expected K/N with 1 ≤ K ≤ N, e.g. 1/2.", "see the shards with: vmlab lab plan --profile P --shards N --seed S");
    }

    /// <summary>A duration as <c>5h30m</c>, <c>90m</c>, <c>45s</c> or <c>2h</c> (the units in that order).</summary>
    public static TimeSpan ParseDuration(string text)
    {
        var m = Regex.Match(text.Trim(), @"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$");
        if (!m.Success || text.Trim().Length == 0)
        {
            throw new LabException($"'{text}' is not a duration: write it as 5h30m, 90m or 45s.", "e.g. --job-limit 5h30m");
        }

        int Part(int i) => m.Groups[i].Success ? int.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture) : 0;
        return new TimeSpan(Part(1), Part(2), Part(3));
    }

    /// <summary>The manifest's record of shard <paramref name="shard"/> of run <paramref name="runId"/>.</summary>
    public ShardOf Describe(Shard shard, string runId) => new(
        runId, shard.Index, shard.Count, Grain.ToString().ToLowerInvariant(), shard.Blocks, [.. shard.Units.Select(u => u.Key)],
        Math.Round(shard.Estimate.TotalSeconds));

    private static Shard Of(RunPlan plan, int index, int count, IReadOnlyList<LabUnit> units)
    {
        var keys = units.Select(u => u.Key).ToHashSet(StringComparer.Ordinal);
        var boots = plan.Boots(u => keys.Contains(u.Key));
        return new Shard(index, count, [.. units.Select(u => u.Repeat).Distinct()], units, boots.Count,
            boots.Aggregate(JobOverhead, (t, b) => t + plan.Estimate(b)));
    }

    /// <summary>
    /// Cuts <paramref name="items"/> into <paramref name="count"/> non-empty contiguous groups, the longest as short as
    /// possible (dynamic programming over cut points; the earliest cut wins ties). Returns count + 1 cut indices.
    /// </summary>
    private static int[] Partition(RunPlan plan, List<List<LabUnit>> items, int count)
    {
        var n = items.Count;
        var cost = new TimeSpan[n + 1, n + 1];
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j <= n; j++)
            {
                cost[i, j] = Of(plan, 1, 1, items.Skip(i).Take(j - i).SelectMany(x => x).ToList()).Estimate;
            }
        }

        var best = new TimeSpan[count + 1, n + 1];
        var from = new int[count + 1, n + 1];
        for (var j = 1; j <= n; j++)
        {
            best[1, j] = cost[0, j];
        }

        for (var k = 2; k <= count; k++)
        {
            for (var j = k; j <= n; j++)
            {
                best[k, j] = TimeSpan.MaxValue;
                for (var i = k - 1; i < j; i++)
                {
                    var longest = best[k - 1, i] > cost[i, j] ? best[k - 1, i] : cost[i, j];
                    if (longest < best[k, j])
                    {
                        (best[k, j], from[k, j]) = (longest, i);
                    }
                }
            }
        }

        var cuts = new int[count + 1];
        cuts[count] = n;
        for (var k = count; k >= 2; k--)
        {
            cuts[k - 1] = from[k, cuts[k]];
        }

        return cuts;
    }

    // The profile key of a unit's suite: netperf-rr's settings are the profile's netperf.
    private static string SuiteKey(string suite) => SuiteRegistry.OfOutput(suite)?.Id ?? suite;
}

/// <summary>
/// <c>vmlab lab plan --shards N --json</c>: the shard matrix a workflow's lab jobs run (<c>.github/workflows/reproduce.yml</c>
/// reads <see cref="Matrix"/> as the <c>lab</c> job's <c>strategy.matrix</c>). Everything a shard job needs to run its
/// part is here, the seed and run id included, so every shard agrees on the order.
/// </summary>
/// <param name="Fits">False when the split cannot fit the job limit; <see cref="Refusal"/> says why.</param>
/// <param name="RunnerHours">The sum of the shards' estimates in hours (rounded up to a tenth): the run's cost.</param>
public sealed record ShardMatrixJson(
    string RunId,
    string Profile,
    ulong Seed,
    int ShardCount,
    string Grain,
    double JobLimitSeconds,
    IReadOnlyList<string> Scenarios,
    IReadOnlyList<string> Suites,
    int Units,
    double TotalEstimateSeconds,
    double RunnerHours,
    double LongestShardSeconds,
    bool Fits,
    string? Refusal,
    IReadOnlyList<ShardJson> Shards,
    ShardMatrix Matrix)
{
    /// <summary>The run id of a sharded run started without <c>--run-id</c>: derived from the seed and profile, the same on every machine.</summary>
    public static string DefaultRunId(string profile, ulong seed) => $"seed-{seed.ToString(CultureInfo.InvariantCulture)}-{profile}";

    /// <param name="runner">The lab jobs' runner label (<c>--runner</c>); null: not checked against hosted runners' limit.</param>
    public static ShardMatrixJson Of(ShardPlan shards, string runId, TimeSpan jobLimit, string? runner = null)
    {
        var refusal = ShardPlan.RunnerRefusal(runner, jobLimit) ?? shards.Refusal(jobLimit);
        return new ShardMatrixJson(
            runId,
            shards.Plan.Profile.Name,
            shards.Plan.Order.Seed,
            shards.Count,
            shards.Grain.ToString().ToLowerInvariant(),
            jobLimit.TotalSeconds,
            [.. shards.Plan.Scenarios.Select(s => s.Id)],
            [.. shards.Plan.Suites.Select(s => s.Id)],
            shards.Shards.Sum(s => s.Units.Count),
            shards.Total.TotalSeconds,
            Math.Ceiling(shards.Total.TotalHours * 10) / 10,
            shards.Shards.Max(s => s.Estimate).TotalSeconds,
            refusal is null,
            refusal,
            [.. shards.Shards.Select(s => new ShardJson(
                s.Id, s.Index, s.DirectoryName(runId), s.Blocks, [.. s.Units.Select(u => u.Key)], s.Boots, s.Estimate.TotalSeconds,
                RunPlan.FormatDuration(s.Estimate), ShardPlan.TimeoutMinutes(s, jobLimit)))],
            new ShardMatrix([.. shards.Shards.Select(s => new ShardMatrixEntry(s.Id, s.Index, ShardPlan.TimeoutMinutes(s, jobLimit), ShardPlan.JobTimeoutMinutes(s, jobLimit), RunPlan.FormatDuration(s.Estimate)))]));
    }
}

/// <summary>One shard in the plan's JSON.</summary>
/// <param name="Directory">Its run directory's name (the run id plus <c>-shard-K</c>).</param>
/// <param name="TimeoutMinutes">Its job's timeout (<see cref="ShardPlan.TimeoutMinutes"/>).</param>
public sealed record ShardJson(
    string Id, int Index, string Directory, IReadOnlyList<int> Blocks, IReadOnlyList<string> Units, int Boots, double EstimateSeconds, string Estimate, int TimeoutMinutes);

/// <summary>A GitHub Actions matrix: <c>strategy.matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}</c>.</summary>
public sealed record ShardMatrix(IReadOnlyList<ShardMatrixEntry> Include);

/// <summary>
/// One lab job: <c>matrix.shard</c> (<c>K/N</c>), <c>matrix.index</c>, <c>matrix.timeout</c> (the lab step's, minutes),
/// <c>matrix.jobTimeout</c> (the job's: the job limit), <c>matrix.estimate</c>.
/// </summary>
public sealed record ShardMatrixEntry(string Shard, int Index, int Timeout, int JobTimeout, string Estimate);
