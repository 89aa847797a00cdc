namespace VmLab.Lab.Plan;

/// <summary>Where a benchmark runs: the KVM host inside QEMU/TCG (L1) or the guest inside it (L2).</summary>
public enum Layer
{
    /// <summary>The arm64 KVM host, emulated by QEMU/TCG with EL2 on this machine.</summary>
    L1,

    /// <summary>The arm64 guest, run by KVM inside L1.</summary>
    L2,
}

/// <summary>THP mode written to L1's <c>/sys/kernel/mm/transparent_hugepage/enabled</c> before anything runs.</summary>
public enum ThpMode
{
    Always,
    Never,
}

/// <summary>
/// One configuration of the study (docs/CONTRACTS.md, "Scenarios"): which system is measured and which factor is
/// set how. Exactly one factor differs between <see cref="Baseline"/> and each other scenario, which is what lets
/// the report answer one question per comparison.
/// </summary>
/// <param name="Id">The id used in run directories, results.json and the report.</param>
/// <param name="Measured">The layer the suites measure (for network suites: where the server runs).</param>
/// <param name="GuestSmp">L2 is SMP (2 vCPUs by the study) rather than UP (1 vCPU).</param>
/// <param name="Thp">THP mode in L1.</param>
/// <param name="Vhost">vhost=on on L2's tap netdev.</param>
/// <param name="Question">The questions (Q1..Q4) this scenario answers, for the plan printout.</param>
public sealed record Scenario(string Id, Layer Measured, bool GuestSmp, ThpMode Thp, bool Vhost, string Question)
{
    public static readonly Scenario Baseline = new("baseline", Layer.L2, GuestSmp: true, ThpMode.Always, Vhost: true, "Q1-Q4");
    public static readonly Scenario GuestUp = Baseline with { Id = "guest-up", GuestSmp = false, Question = "Q1" };
    public static readonly Scenario GuestThpNever = Baseline with { Id = "guest-thp-never", Thp = ThpMode.Never, Question = "Q2" };
    public static readonly Scenario GuestVhostOff = Baseline with { Id = "guest-vhost-off", Vhost = false, Question = "Q3" };

    /// <summary>
    /// The KVM host measured directly. Its CPU and memory are limited to the baseline guest's (so Q4 compares like
    /// with like); L2 still boots, as the network client, with the baseline's settings.
    /// </summary>
    public static readonly Scenario Host = Baseline with { Id = "host", Measured = Layer.L1, Question = "Q4" };

    /// <summary>Every scenario of the study, in the order a run executes them (baseline first: every question needs it).</summary>
    public static IReadOnlyList<Scenario> All { get; } = [Baseline, GuestUp, GuestThpNever, GuestVhostOff, Host];

    /// <summary>The scenario called <paramref name="id"/>, or a <see cref="Common.LabException"/> listing the valid ids.</summary>
    public static Scenario Parse(string id) =>
        All.FirstOrDefault(s => s.Id == id)
        ?? throw new Common.LabException(
            $"There is no scenario '{id}'.",
            $"use one of: {string.Join(", ", All.Select(s => s.Id))}");

    /// <summary>L2's vCPU count in this scenario, under <paramref name="topology"/>.</summary>
    public int GuestCpus(Topology topology) => GuestSmp ? topology.L2SmpCpus : topology.L2UpCpus;
}
