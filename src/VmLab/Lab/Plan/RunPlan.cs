using System.Globalization;
using System.Text;
using VmLab.Lab.Ledger;
using VmLab.Lab.Vm;
using VmLab.Suites;

namespace VmLab.Lab.Plan;

/// <summary>
/// What a run will do: scenarios × suites × repeats under a profile and a topology, in the seeded order of
/// <see cref="Order"/> (repeat blocks, each a permutation of the scenarios), the boots that run the units still
/// pending, and how long that should take. Printed before anything starts.
/// </summary>
public sealed record RunPlan(LabProfile Profile, Topology Topology, IReadOnlyList<Scenario> Scenarios, IReadOnlyList<ILabSuite> Suites)
{
    /// <summary>The seed of the run order (0 unless the plan was made with one).</summary>
    public ulong Seed { get; init; }

    /// <summary>An order recorded by an earlier part of this run (resume), which wins over a draw from <see cref="Seed"/>.</summary>
    public RunOrder? RecordedOrder { get; init; }

    /// <summary>
    /// The shard of a sharded run this plan runs (<c>--shard K/N</c>): only its units run and count. Null runs every unit.
    /// </summary>
    public Results.ShardOf? Shard { get; init; }

    /// <summary>The stopping rule of a precision run (docs/PRECISION.md); null for a run of the profile's repeats.</summary>
    public PrecisionRule? Precision { get; init; }

    /// <summary>
    /// This plan under <paramref name="rule"/> (null: none): the rule's margin becomes the run's declared equivalence
    /// margin, so the report's "no meaningful difference" and the rule's "decided" are one test.
    /// </summary>
    public RunPlan WithPrecision(PrecisionRule? rule) =>
        rule is null ? this with { Precision = null }
        : this with { Precision = rule, Profile = Profile with { Analysis = (Profile.Analysis ?? new Statistics.AnalysisPlan(rule.Margin, false)) with { EquivalenceMargin = rule.Margin } } };

    /// <summary>The repeat blocks this plan runs: the profile's repeats, or more once a precision run has added some.</summary>
    public int Blocks
    {
        get => _blocks ?? Profile.Repeats;
        init => _blocks = value;
    }

    private readonly int? _blocks;

    /// <summary>The order boots run in: the recorded one, else drawn from <see cref="Seed"/> for these scenarios and blocks.</summary>
    public RunOrder Order => RecordedOrder ?? RunOrder.Draw(Seed, Scenarios.Select(s => s.Id).ToList(), Blocks);

    /// <summary>The plan of every scenario and suite of <paramref name="profile"/>, optionally narrowed.</summary>
    /// <param name="seed">The seed of the run order; null draws a new one (<see cref="RunOrder.NewSeed"/>).</param>
    public static RunPlan Of(LabProfile profile, Topology topology, IEnumerable<string>? scenarios = null, IEnumerable<string>? suites = null, ulong? seed = null)
    {
        var chosen = scenarios?.Select(Scenario.Parse).DistinctBy(s => s.Id).ToList() ?? Scenario.All;
        return new RunPlan(profile, topology, chosen, suites is null ? profile.Suites : Narrow(profile, suites.ToList()))
        {
            Seed = seed ?? RunOrder.NewSeed(),
        };
    }

    /// <summary>
    /// This plan in a recorded order (a resumed run keeps the order it started with), or a <see cref="Common.LabException"/>
    /// when the order does not fit this plan's scenarios and repeats (a precision run's order may hold more blocks).
    /// </summary>
    public RunPlan WithOrder(RunOrder order)
    {
        var blocks = Precision is not null && order.Blocks.Count >= Profile.Repeats ? order.Blocks.Count : Blocks;
        return order.Mismatch(Scenarios.Select(s => s.Id).ToList(), blocks) is { } why
            ? throw new Common.LabException($"This run cannot be resumed with these options: {why}.", "resume with the run's own --scenario options (see its manifest.json), or start a new run")
            : this with { Seed = order.Seed, RecordedOrder = order, Blocks = blocks };
    }

    /// <summary>
    /// This plan with one more block at the end (a precision run going on): the blocks so far as they are, the new one
    /// drawn from the seed exactly as a plan of that many blocks would draw it (<see cref="RunOrder.Draw"/>).
    /// </summary>
    public RunPlan WithAnotherBlock()
    {
        var next = RunOrder.Draw(Order.Seed, Scenarios.Select(s => s.Id).ToList(), Blocks + 1).Blocks[^1];
        return this with { Blocks = Blocks + 1, RecordedOrder = new RunOrder(Order.Seed, [.. Order.Blocks, next]) };
    }

    /// <summary>The profile's suites named in <paramref name="ids"/>, in the profile's order (network suites first).</summary>
    private static List<ILabSuite> Narrow(LabProfile profile, List<string> ids)
    {
        ids.ForEach(id => profile.Suite(id)); // an unknown id is an error naming the valid ones
        return profile.Suites.Where(s => ids.Contains(s.Id)).ToList();
    }

    // The suites whose clients run on L0 (netperf, ab), in registry order, whichever of them this plan runs.
    private IEnumerable<string> NetworkSuites =>
        SuiteRegistry.All.Where(s => s.Commands(Profile).Any(c => c.IsNetwork)).Select(s => s.Id);

    /// <summary>Every unit, block by block in the seeded order, suite by suite (the order they run in).</summary>
    public IEnumerable<LabUnit> Units =>
        from step in Order.Sequence
        from suite in Suites
        let unit = new LabUnit(step.Scenario, suite.Id, step.Repeat)
        where InShard(unit)
        select unit;

    private bool InShard(LabUnit unit) => Shard is null || Shard.Units.Contains(unit.Key);

    /// <summary>
    /// The boots that run the units <paramref name="isPending"/> says are still to do, numbered from
    /// <paramref name="firstBoot"/>: one per scenario and repeat that has any pending unit, in the seeded block order.
    /// </summary>
    public IReadOnlyList<Boot> Boots(Func<LabUnit, bool> isPending, int firstBoot = 1)
    {
        var boots = new List<Boot>();
        foreach (var (repeat, id) in Order.Sequence)
        {
            var scenario = Scenarios.Single(s => s.Id == id);
            var pending = Suites.Where(s => new LabUnit(scenario.Id, s.Id, repeat) is var u && InShard(u) && isPending(u)).ToList();
            if (pending.Count > 0)
            {
                boots.Add(new Boot(firstBoot + boots.Count, scenario, repeat, pending));
            }
        }

        return boots;
    }

    /// <summary>The expected duration of <paramref name="boot"/>: the profile's measured boot costs plus its suites' estimates.</summary>
    public TimeSpan Estimate(Boot boot)
    {
        // One L2 boot serves every suite of a guest scenario (CPU suites, then the servers for L0's clients); the
        // host scenario boots no L2.
        var fixedCost = Profile.L1BootEstimateSeconds + (boot.Scenario.Measured == Layer.L2 ? Profile.L2BootEstimateSeconds : 0);
        return boot.Suites.Aggregate(TimeSpan.FromSeconds(fixedCost), (t, s) => t + s.Estimate);
    }

    /// <summary>The plan as the user reads it before the run starts.</summary>
    public string Describe(IReadOnlyList<Boot> boots, int alreadyDone)
    {
        var total = boots.Aggregate(TimeSpan.Zero, (t, b) => t + Estimate(b));
        var units = boots.Sum(b => b.Suites.Count);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Profile {Profile.Name}: {Profile.Description}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Topology: L1 {Topology.L1Cpus} vCPU / {Topology.L1MemoryMiB} MiB (TCG), L2 {Topology.L2SmpCpus} (SMP) or {Topology.L2UpCpus} (UP) vCPU / {Topology.L2MemoryMiB} MiB (KVM)");
        text.AppendLine(CultureInfo.InvariantCulture, $"vCPU rule: {Topology.RuleText}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Plan: {Scenarios.Count} scenarios × {Suites.Count} suites × {Blocks} repeats = {Units.Count()} units; {alreadyDone} already finished, {units} to run in {boots.Count} boots");
        if (Precision is { } rule)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Precision: {rule.Describe()}: after these {Blocks} blocks, whole blocks are added until every chosen headline comparison is {(rule.StopOn == PrecisionStopOn.Precision ? "precise (its 95% interval at most that wide)" : "decided")} or the budget cannot fit another");
        }

        foreach (var scenario in Scenarios)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {scenario.Id,-16} {scenario.Question,-6} measured in {scenario.Measured}, L2 {(scenario.GuestSmp ? "SMP" : "UP")}, THP {scenario.Thp.ToString().ToLowerInvariant()}, vhost {(scenario.Vhost ? "on" : "off")}");
        }

        if (Shard is { } shard)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Shard {shard.Index}/{shard.Count} of run {shard.RunId}: {shard.Units.Count} units of block(s) {string.Join(", ", shard.Blocks)}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"Suites: {string.Join(", ", Suites.Select(s => s.Id))}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Network: clients ({string.Join(", ", NetworkSuites)}) on L0 in a private network namespace; servers in the measured system (L2 .105, or L1 .101 for host)");
        text.AppendLine(CultureInfo.InvariantCulture, $"Order (seed {Order.Seed}): {string.Join("; ", Order.Describe())}");
        text.Append(CultureInfo.InvariantCulture, $"Estimated duration: {FormatDuration(total)} (from the profile's per-suite estimates)");
        return text.ToString();
    }

    /// <summary>"1 h 05 min", "3 min 20 s": how people read durations.</summary>
    public static string FormatDuration(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{(int)span.TotalHours} h {span.Minutes:00} min"
        : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes} min {span.Seconds:00} s"
        : $"{span.Seconds} s";
}
