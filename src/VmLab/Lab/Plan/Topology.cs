using System.Globalization;

namespace VmLab.Lab.Plan;

/// <summary>What this machine (L0) offers: its logical CPUs and memory.</summary>
public sealed record MachineCapacity(int Cpus, long MemoryMiB)
{
    /// <summary>Reads this machine's CPU count and <c>MemTotal</c> from <c>/proc/meminfo</c>.</summary>
    public static MachineCapacity OfThisMachine()
    {
        var memKb = File.ReadLines("/proc/meminfo")
            .Where(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture))
            .First();
        return new MachineCapacity(Environment.ProcessorCount, memKb / 1024);
    }
}

/// <summary>Sizes the user forced on the command line; null means "let the vCPU rule choose".</summary>
public sealed record TopologyOverrides(int? L1Cpus = null, int? L2Cpus = null, long? L1MemoryMiB = null, long? L2MemoryMiB = null)
{
    public static readonly TopologyOverrides None = new();
}

/// <summary>
/// The vCPUs and memory of each layer, chosen by the study's rule pCPU(L0) &gt; vCPU(L1) &gt; vCPU(L2)
/// (the course example: 16 &gt; 4 &gt; 2). When the machine cannot satisfy it, the run still goes with the closest
/// sizes and <see cref="Overcommitted"/> is set: results.json and the report must say so, because an L2 vCPU
/// then competes with L1's own vCPU threads and the numbers mean something else.
/// </summary>
/// <param name="L0">The machine.</param>
/// <param name="L1Cpus">vCPUs of the KVM host (TCG threads on L0).</param>
/// <param name="L1MemoryMiB">Memory of the KVM host.</param>
/// <param name="L2SmpCpus">vCPUs of the SMP guest (the study: 2).</param>
/// <param name="L2UpCpus">vCPUs of the UP guest (always 1).</param>
/// <param name="L2MemoryMiB">Memory of the guest; the host scenario limits L1's benchmarks to this much too.</param>
/// <param name="Violations">Which inequalities of the rule do not hold, in words; empty when the rule is met.</param>
public sealed record Topology(
    MachineCapacity L0,
    int L1Cpus,
    long L1MemoryMiB,
    int L2SmpCpus,
    int L2UpCpus,
    long L2MemoryMiB,
    IReadOnlyList<string> Violations)
{
    /// <summary>The study's SMP guest size.</summary>
    public const int StudyGuestCpus = 2;

    /// <summary>What L1 needs beside L2's memory: its kernel, page cache, QEMU for L2, the services (measured: ~600 MiB).</summary>
    public const long L1OverheadMiB = 1024;

    /// <summary>What L0 keeps for itself and the other users of this machine.</summary>
    public const long L0ReserveMiB = 2048;

    /// <summary>Smallest guest that boots the Debian image and runs apache2 and the suites.</summary>
    public const long MinimumGuestMemoryMiB = 512;

    /// <summary>True when pCPU &gt; L1 vCPU &gt; L2 vCPU does not hold: every result of the run is marked.</summary>
    public bool Overcommitted => Violations.Count > 0;

    /// <summary>The rule as numbers, e.g. "2 > 2 > 2 (overcommitted: ...)", for the plan and the manifest.</summary>
    public string RuleText =>
        $"pCPU {L0.Cpus} > L1 vCPU {L1Cpus} > L2 vCPU {L2SmpCpus}: " +
        (Overcommitted ? "NOT met, run is overcommitted (" + string.Join("; ", Violations) + ")" : "met");

    /// <summary>The most CPUs QEMU's virt machine boots with gic-version=2.</summary>
    public const int GicV2MaxCpus = 8;

    /// <summary>
    /// Chooses the sizes. L2 SMP is the study's 2 vCPUs (UP: 1). L1 gets twice L2's vCPUs (the course ratio
    /// 4:2), kept strictly between L2 and L0; when no such number exists, L1 gets the closest size that still runs
    /// L2 without more vCPUs than L1 has: max(L2, min(L0, L2 + 1)). Memory: L2 as the profile asks (shrunk if L0
    /// cannot hold it), L1 = L2 + <see cref="L1OverheadMiB"/>, L0 keeps <see cref="L0ReserveMiB"/>.
    /// </summary>
    /// <param name="l0">This machine.</param>
    /// <param name="guestMemoryMiB">L2's memory from the profile.</param>
    /// <param name="overrides">Sizes forced by the user; they win over the rule, and are checked against it like any other.</param>
    public static Topology Choose(MachineCapacity l0, long guestMemoryMiB, TopologyOverrides? overrides = null)
    {
        overrides ??= TopologyOverrides.None;
        var l2 = overrides.L2Cpus ?? StudyGuestCpus;
        if (l2 < 1)
        {
            throw new Common.LabException($"L2 needs at least 1 vCPU, not {l2}.", "drop --l2-cpus or give a positive number");
        }

        var l1 = overrides.L1Cpus ?? (l0.Cpus - 1 > l2
            ? Math.Clamp(2 * l2, l2 + 1, l0.Cpus - 1)
            : Math.Max(l2, Math.Min(l0.Cpus, l2 + 1)));
        if (l1 < 1)
        {
            throw new Common.LabException($"L1 needs at least 1 vCPU, not {l1}.", "drop --l1-cpus or give a positive number");
        }

        // L1 is QEMU's virt machine with GICv2 (QemuL1Launcher), which boots at most 8 CPUs; L2 runs on L1's vCPUs.
        if (l1 > GicV2MaxCpus)
        {
            throw new Common.LabException($"L1 cannot have {l1} vCPUs: its virt machine's GICv2 boots at most {GicV2MaxCpus}.", $"drop --l1-cpus/--l2-cpus or give at most {GicV2MaxCpus}");
        }

        if (l2 > l1)
        {
            throw new Common.LabException($"L2 cannot have {l2} vCPUs on an L1 with {l1}.", "give --l2-cpus at most --l1-cpus");
        }

        var available = l0.MemoryMiB - L0ReserveMiB;
        var l2Memory = overrides.L2MemoryMiB ?? Math.Min(guestMemoryMiB, available - L1OverheadMiB);
        var l1Memory = overrides.L1MemoryMiB ?? l2Memory + L1OverheadMiB;
        if (l2Memory < MinimumGuestMemoryMiB || l1Memory > l0.MemoryMiB || l1Memory <= l2Memory)
        {
            throw new Common.LabException(
                $"This machine's {l0.MemoryMiB} MiB cannot hold L1 ({l1Memory} MiB) around L2 ({l2Memory} MiB, at least {MinimumGuestMemoryMiB}).",
                "free memory, or pass smaller sizes: vmlab lab run --l1-memory MIB --l2-memory MIB");
        }

        var violations = new List<string>();
        if (!(l0.Cpus > l1))
        {
            violations.Add($"L0 has {l0.Cpus} CPUs, not more than L1's {l1} vCPUs");
        }

        if (!(l1 > l2))
        {
            violations.Add($"L1 has {l1} vCPUs, not more than L2's {l2}");
        }

        return new Topology(l0, l1, l1Memory, l2, 1, l2Memory, violations);
    }
}
