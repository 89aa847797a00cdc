namespace VmLab.Counters;

/// <summary>What a counter name means: its layer, its unit, and where it is read.</summary>
/// <param name="Name">The name in results.json, or a pattern with <c>N</c> for a CPU or vCPU number.</param>
/// <param name="Unit">count, s (CPU or wall seconds), ns, kB.</param>
public sealed record CounterInfo(string Name, string Unit, string Meaning);

/// <summary>
/// Every counter a unit can have (docs/PROTOCOL.md, "Counters"), by layer: <c>sys.*</c> in the measured system (L2,
/// or L1 in the host scenario), <c>l1.*</c> in L1 about L2 (guest scenarios), <c>l0.*</c> on L0 about L1's QEMU. Each
/// is the difference between the unit's end and its start, except the levels (<c>*_kb</c>, <c>l1.kvm.vcpus</c>), which
/// are the value at the end (with <c>NAME.delta</c> beside them). CPU seconds come from USER_HZ ticks (0.01 s).
/// </summary>
public static class CounterCatalog
{
    /// <summary>The measured system's counters, read with builtins at each edge from /proc.</summary>
    public static IReadOnlyList<CounterInfo> System { get; } =
    [
        new("sys.seconds", "s", "wall time of the window, by the measured system's /proc/uptime"),
        new("sys.ctxt", "count", "context switches (/proc/stat ctxt)"),
        new("sys.intr", "count", "interrupts serviced (/proc/stat intr, its total)"),
        .. EdgeSnapshot.CpuFields.Select(f => new CounterInfo($"sys.cpu.{f}", "s", $"CPU time in {f}, all CPUs (/proc/stat cpu)")),
        new("sys.cpuN.FIELD", "s", "the same for CPU N (/proc/stat cpuN), for each field above"),
        new("sys.pgfault", "count", "page faults (/proc/vmstat)"),
        new("sys.pgmajfault", "count", "major page faults (/proc/vmstat)"),
        new("sys.thp_fault_alloc", "count", "faults served with a transparent huge page (/proc/vmstat)"),
        new("sys.thp_fault_fallback", "count", "faults that wanted a huge page and fell back to small pages (/proc/vmstat)"),
        new("sys.softirq.net_rx", "count", "NET_RX softirqs, all CPUs (/proc/softirqs)"),
        new("sys.softirq.net_tx", "count", "NET_TX softirqs, all CPUs (/proc/softirqs)"),
        new("sys.tcp.in_segs", "count", "TCP segments received (/proc/net/snmp Tcp InSegs)"),
        new("sys.tcp.out_segs", "count", "TCP segments sent (/proc/net/snmp Tcp OutSegs)"),
        new("sys.tcp.retrans_segs", "count", "TCP segments retransmitted (/proc/net/snmp Tcp RetransSegs)"),
        new("sys.anon_huge_kb", "kB", "anonymous memory backed by huge pages at the unit's end (/proc/meminfo AnonHugePages); .delta: its change"),
    ];

    /// <summary>The KVM counters of L2's vCPUs that L1 asks QEMU's query-stats for (summed over the vCPUs as <c>l1.kvm.NAME</c>).</summary>
    public static IReadOnlyList<string> KvmNames { get; } =
    [
        "exits", "mmio_exit_user", "mmio_exit_kernel", "wfe_exit_stat", "wfi_exit_stat", "hvc_exit_stat", "signal_exits",
        "halt_successful_poll", "halt_attempted_poll", "halt_poll_invalid", "halt_wakeup", "halt_poll_success_ns", "halt_poll_fail_ns", "halt_wait_ns",
    ];

    /// <summary>L1's counters about L2, read by L1 at L2's edges with bash builtins (QMP over /dev/tcp, /proc).</summary>
    public static IReadOnlyList<CounterInfo> L1 { get; } =
    [
        new("l1.seconds", "s", "wall time of the window, by L1's /proc/uptime"),
        .. KvmNames.Select(n => new CounterInfo($"l1.kvm.{n}", n.EndsWith("_ns", StringComparison.Ordinal) ? "ns" : "count", $"KVM's {n} for L2's vCPUs, summed (QEMU query-stats, target vcpu)")),
        new("l1.kvm.vcpus", "count", "L2's vCPUs QEMU reported stats for"),
        .. Process("l1.qemu", "L2's QEMU in L1", "KVM"),
        new("l1.vhost.user", "s", "user CPU time of the vhost workers (kernel threads vhost-PID of L2's QEMU), summed; 0 with vhost=off"),
        new("l1.vhost.system", "s", "system CPU time of the vhost workers, summed"),
        new("l1.vhost.threads", "count", "vhost workers at the unit's end"),
        new("l1.qemu.anon_huge_kb", "kB", "L2's QEMU memory backed by huge pages in L1 at the unit's end (/proc/PID/smaps_rollup AnonHugePages); .delta: its change"),
    ];

    /// <summary>L0's counters about L1's QEMU, read by the lab (C#) when L1 says EDGE, or around a network client.</summary>
    public static IReadOnlyList<CounterInfo> L0 { get; } =
    [
        new("l0.seconds", "s", "wall time of L0's window"),
        .. Process("l0.qemu", "L1's QEMU on L0", "TCG"),
    ];

    /// <summary>Every name with a fixed spelling (not the per-CPU and per-vCPU patterns) of a layer's list.</summary>
    public static IEnumerable<string> Fixed(IEnumerable<CounterInfo> layer) =>
        layer.Select(c => c.Name).Where(n => !n.Contains('N', StringComparison.Ordinal)); // the patterns spell N (and FIELD) in capitals

    private static IEnumerable<CounterInfo> Process(string prefix, string what, string accelerator) =>
    [
        new($"{prefix}.user", "s", $"user CPU time of {what}, all its threads (those that ended included; /proc/PID/stat)"),
        new($"{prefix}.system", "s", $"system CPU time of {what}, all its threads"),
        new($"{prefix}.threads", "count", $"threads of {what} at the unit's end"),
        new($"{prefix}.main.user", "s", "user CPU time of its main loop (the thread whose id is the process's)"),
        new($"{prefix}.main.system", "s", "system CPU time of its main loop"),
        new($"{prefix}.vcpuN.user", "s", $"user CPU time of vCPU thread N ('CPU N/{accelerator}'); .system likewise"),
        new($"{prefix}.vcpus.user", "s", "user CPU time of the vCPU threads, summed"),
        new($"{prefix}.vcpus.system", "s", "system CPU time of the vCPU threads, summed"),
        new($"{prefix}.other.cpu", "s", "CPU time (user + system) of every other thread (I/O, workers, those that ended): the process's less main loop and vCPUs"),
    ];
}
