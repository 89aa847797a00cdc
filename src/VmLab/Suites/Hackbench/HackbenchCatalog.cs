using static VmLab.Suites.MetricDirection;
using static VmLab.Suites.MetricRole;

namespace VmLab.Suites;

/// <summary>hackbench's metrics (<see cref="HackbenchParser"/>): one run, one time; the time is the headline.</summary>
public sealed class HackbenchCatalog : MetricCatalog
{
    private const string Run = "hackbench run";

    /// <inheritdoc />
    public override string Suite => HackbenchParser.Id;

    /// <inheritdoc />
    public override IReadOnlyList<MetricDefinition> Metrics { get; } =
    [
        new("time_s", "s", LowerIsBetter, MetricRole.Headline, Run, "wall time to pass every message between the groups' senders and receivers"),
        new("tasks", "tasks", None, Recorded, Run, "senders plus receivers over all groups"),
        new("groups", "groups", None, Recorded, Run, "number of groups"),
        new("mode", "", None, Recorded, Run, "process or thread (rt-tests only): the workload"),
        new("loops", "messages", None, Recorded, Run, "messages each sender writes to each receiver of its group (rt-tests only: 'Each sender will pass N messages')"),
        new("messages", "messages", None, Recorded, Run, "messages passed in all: groups × (senders per group)² × loops (rt-tests only); the operation of the per-message mechanism metrics"),
    ];
}
