using static VmLab.Suites.MetricDirection;
using static VmLab.Suites.MetricRole;

namespace VmLab.Suites;

/// <summary>
/// kernbench's metrics (<see cref="KernbenchParser"/>): GNU time's view of one timed build. Elapsed time is the
/// headline; user and system time are the same build's CPU accounting, shown but not tested.
/// </summary>
public sealed class KernbenchCatalog : MetricCatalog
{
    private const string Build = "timed build";
    private const string Average = "kernbench's own average over its runs";

    /// <inheritdoc />
    public override string Suite => KernbenchParser.Id;

    /// <inheritdoc />
    public override IReadOnlyList<MetricDefinition> Metrics { get; } =
    [
        new("elapsed_s", "s", LowerIsBetter, MetricRole.Headline, Build, "wall time of the build (GNU time %e)"),
        new("user_s", "s", LowerIsBetter, Shown, Build, "CPU time in user mode over all build jobs (%U)"),
        new("system_s", "s", LowerIsBetter, Shown, Build, "CPU time in the kernel over all build jobs (%S)"),
        new("cpu_percent", "%", None, Recorded, Build, "(user + system) / elapsed (%P)"),
        new("context_switches", "switches", None, Recorded, Build, "involuntary context switches (%c)"),
        new("sleeps", "waits", None, Recorded, Build, "voluntary context switches (%w)"),
        new("*_sd", "as the metric", None, Recorded, Average, "kernbench's standard deviation of a figure over its -n runs"),
    ];
}
