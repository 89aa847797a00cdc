using VmLab.Counters;
using VmLab.Results;
using VmLab.Suites;
using static VmLab.Suites.MetricDirection;

namespace VmLab.Why;

/// <summary>What one unit of a suite output does, counted: netperf TCP_RR's transactions, TCP_STREAM's megabytes, ab's requests, hackbench's messages, kernbench's build.</summary>
/// <param name="Name">The operation in words, singular: <c>transaction</c>, <c>MB</c>, <c>request</c>, <c>message</c>, <c>build</c>.</param>
/// <param name="Count">How many the unit did, by its own output.</param>
public sealed record Operation(string Name, double Count);

/// <summary>A derived value of one unit, or why it has none (a counter unavailable, no operation).</summary>
public readonly record struct Derived(double? Value, string? Why)
{
    public static Derived Of(double value) => new(value, null);

    public static Derived None(string why) => new(null, why);
}

/// <summary>
/// One mechanism metric derived from a unit's counters (<see cref="UnitCounters"/>): a counter, or a sum of counters, per
/// operation of the unit's suite output, or a share. Never a headline (<see cref="MetricKind.Mechanism"/>); each
/// question tests them in a Holm family of their own.
/// </summary>
/// <param name="Definition">Its id, unit, direction (a cost: lower is better), role and meaning, as a catalog entry.</param>
/// <param name="Network">True when only network outputs have it (netperf, ab): TCP segments, NET_RX softirqs.</param>
/// <param name="Formula">How a unit's value is computed from its counters.</param>
public sealed record DerivedMetric(MetricDefinition Definition, bool Network, Func<DerivedInputs, Derived> Formula)
{
    /// <summary>The metric's id (<c>kvm_exits_per_op</c>).</summary>
    public string Id => Definition.Id;
}

/// <summary>What a derived metric reads of one unit.</summary>
/// <param name="Counters">The unit's counters; null for a unit without any (a run made before issue 24, or with <c>--no-counters</c>).</param>
/// <param name="Operation">The unit's operation count; null when its suite output has none, with <paramref name="NoOperation"/> saying why.</param>
/// <param name="L2MemoryMb">L2's memory as the manifest records it (for the share of it THP backs); null when not recorded.</param>
public sealed record DerivedInputs(UnitCounters? Counters, Operation? Operation, string? NoOperation, long? L2MemoryMb)
{
    /// <summary>The sum of <paramref name="names"/>; unavailable (with the first reason) when any of them is.</summary>
    public Derived Sum(params string[] names)
    {
        if (Counters is null)
        {
            return Derived.None("the unit has no counters");
        }

        var sum = 0.0;
        foreach (var name in names)
        {
            if (Counters.Values.TryGetValue(name, out var value))
            {
                sum += value;
            }
            else
            {
                return Derived.None($"{name}: {Counters.Unavailable.GetValueOrDefault(name) ?? "not counted for this unit's layers"}");
            }
        }

        return Derived.Of(sum);
    }

    /// <summary><paramref name="names"/> summed, times <paramref name="scale"/>, per operation.</summary>
    public Derived PerOperation(double scale, params string[] names)
    {
        if (Operation is null)
        {
            return Derived.None(NoOperation ?? "the output has no operation count");
        }

        var sum = Sum(names);
        return sum.Value is { } v ? Derived.Of(v * scale / Operation.Count) : sum;
    }
}

/// <summary>
/// The mechanism metrics every suite output with an operation gets from its units' counters (issue 24, item 2): one
/// shared derivation keyed by suite, since the counters are the same for every suite and only the operation differs
/// (<see cref="OperationOf"/>). A counter unavailable for a unit makes the derived value unavailable, never 0.
/// CPU seconds and nanoseconds become µs per operation.
/// </summary>
public static class DerivedMetrics
{
    private const string Group = "the unit's counters";
    private const double Micro = 1e6;

    private static DerivedMetric PerOp(string id, string unit, string meaning, double scale, params string[] counters) =>
        new(Def(id, $"{unit}/op", meaning), Network: false, i => i.PerOperation(scale, counters));

    private static DerivedMetric NetPerOp(string id, string meaning, params string[] counters) =>
        new(Def(id, "count/op", meaning), Network: true, i => i.PerOperation(1, counters));

    private static MetricDefinition Def(string id, string unit, string meaning, MetricDirection direction = LowerIsBetter) =>
        new(id, unit, direction, MetricRole.Shown, Group, meaning) { Kind = MetricKind.Mechanism };

    /// <summary>Every derived metric, in the order the report lists them: the measured system, L1 about L2, L0 about L1.</summary>
    public static IReadOnlyList<DerivedMetric> All { get; } =
    [
        PerOp("ctxt_per_op", "count", "context switches in the measured system per operation (sys.ctxt)", 1, "sys.ctxt"),
        PerOp("intr_per_op", "count", "interrupts in the measured system per operation, IPIs included (sys.intr)", 1, "sys.intr"),
        PerOp("sys_user_us_per_op", "µs", "user CPU time of the measured system per operation, all CPUs (sys.cpu.user)", Micro, "sys.cpu.user"),
        PerOp("sys_system_us_per_op", "µs", "system CPU time of the measured system per operation, all CPUs (sys.cpu.system)", Micro, "sys.cpu.system"),
        PerOp("sys_softirq_us_per_op", "µs", "softirq CPU time of the measured system per operation (sys.cpu.softirq)", Micro, "sys.cpu.softirq"),
        PerOp("pgfault_per_op", "count", "page faults in the measured system per operation (sys.pgfault)", 1, "sys.pgfault"),
        new(Def("thp_fault_share", "fraction", "faults the measured system served with a huge page, per page fault (sys.thp_fault_alloc / sys.pgfault)", HigherIsBetter), Network: false,
            i => Share(i.Sum("sys.thp_fault_alloc"), i.Sum("sys.pgfault"), "no page fault was counted")),
        NetPerOp("net_rx_softirqs_per_op", "NET_RX softirqs in the measured system per operation (sys.softirq.net_rx)", "sys.softirq.net_rx"),
        NetPerOp("net_tx_softirqs_per_op", "NET_TX softirqs in the measured system per operation (sys.softirq.net_tx)", "sys.softirq.net_tx"),
        NetPerOp("tcp_segments_per_op", "TCP segments the measured system received and sent per operation (sys.tcp.in_segs + out_segs)", "sys.tcp.in_segs", "sys.tcp.out_segs"),
        PerOp("kvm_exits_per_op", "count", "KVM exits of L2's vCPUs per operation, every reason (l1.kvm.exits)", 1, "l1.kvm.exits"),
        PerOp("kvm_mmio_user_per_op", "count", "MMIO exits L1's KVM handed to QEMU in user space, per operation (l1.kvm.mmio_exit_user)", 1, "l1.kvm.mmio_exit_user"),
        PerOp("kvm_mmio_kernel_per_op", "count", "MMIO exits L1's kernel handled itself (ioeventfd, vgic), per operation (l1.kvm.mmio_exit_kernel)", 1, "l1.kvm.mmio_exit_kernel"),
        PerOp("kvm_wfi_per_op", "count", "WFI exits (an idle vCPU) per operation (l1.kvm.wfi_exit_stat)", 1, "l1.kvm.wfi_exit_stat"),
        PerOp("kvm_wfe_per_op", "count", "WFE exits (a vCPU spinning on a lock) per operation (l1.kvm.wfe_exit_stat)", 1, "l1.kvm.wfe_exit_stat"),
        PerOp("kvm_hvc_per_op", "count", "HVC exits (hypercalls: PSCI, …) per operation (l1.kvm.hvc_exit_stat)", 1, "l1.kvm.hvc_exit_stat"),
        PerOp("kvm_halt_wakeups_per_op", "count", "halted vCPUs woken per operation (l1.kvm.halt_wakeup)", 1, "l1.kvm.halt_wakeup"),
        PerOp("kvm_halt_wait_us_per_op", "µs", "time L2's vCPUs waited halted, per operation (l1.kvm.halt_wait_ns)", 1e-3, "l1.kvm.halt_wait_ns"),
        PerOp("l2_qemu_vcpus_us_per_op", "µs", "CPU time of L2's vCPU threads in L1 per operation (l1.qemu.vcpus.user + system)", Micro, "l1.qemu.vcpus.user", "l1.qemu.vcpus.system"),
        PerOp("l2_qemu_main_us_per_op", "µs", "CPU time of L2's QEMU main loop in L1 per operation (l1.qemu.main.user + system)", Micro, "l1.qemu.main.user", "l1.qemu.main.system"),
        PerOp("l2_qemu_other_us_per_op", "µs", "CPU time of L2's QEMU's other threads (I/O, workers) in L1 per operation (l1.qemu.other.cpu)", Micro, "l1.qemu.other.cpu"),
        PerOp("vhost_us_per_op", "µs", "CPU time of the vhost workers in L1 per operation (l1.vhost.user + system)", Micro, "l1.vhost.user", "l1.vhost.system"),
        PerOp("l1_io_us_per_op", "µs", "L1's CPU time for L2's devices per operation: L2's QEMU but its vCPUs, and the vhost workers", Micro,
            "l1.qemu.main.user", "l1.qemu.main.system", "l1.qemu.other.cpu", "l1.vhost.user", "l1.vhost.system"),
        new(Def("main_loop_share", "fraction", "share of L2's device work in L1 done by QEMU's main loop rather than the vhost workers: main / (main + vhost)"), Network: false,
            i => Share(i.Sum("l1.qemu.main.user", "l1.qemu.main.system"), i.Sum("l1.qemu.main.user", "l1.qemu.main.system", "l1.vhost.user", "l1.vhost.system"), "neither QEMU's main loop nor a vhost worker ran")),
        new(Def("l2_huge_page_share", "fraction", "share of L2's memory that L1 backs with huge pages at the unit's end: l1.qemu.anon_huge_kb / L2's memory", HigherIsBetter), Network: false, HugePages),
        PerOp("l0_qemu_us_per_op", "µs", "CPU time of L1's QEMU (TCG) on L0 per operation, all its threads (l0.qemu.user + system)", Micro, "l0.qemu.user", "l0.qemu.system"),
        PerOp("l0_qemu_main_us_per_op", "µs", "CPU time of L1's QEMU main loop on L0 per operation (l0.qemu.main.user + system)", Micro, "l0.qemu.main.user", "l0.qemu.main.system"),
    ];

    /// <summary>The derived metric <paramref name="id"/>; null when there is none.</summary>
    public static DerivedMetric? Find(string id) => All.FirstOrDefault(m => m.Id == id);

    /// <summary>The derived metrics of <paramref name="suite"/>'s outputs: none for a suite without an operation (UnixBench's tests each count their own).</summary>
    public static IReadOnlyList<DerivedMetric> Of(string suite) =>
        suite switch
        {
            NetperfParser.Id or ApacheBenchParser.Id => All,
            HackbenchParser.Id or KernbenchParser.Id => All.Where(m => !m.Network).ToList(),
            _ => [],
        };

    /// <summary>
    /// The operation of <paramref name="unit"/>, by its own output: netperf TCP_RR transactions (rate × elapsed), TCP_STREAM
    /// and TCP_MAERTS megabytes (10^6 bit/s × elapsed / 8), ab's completed requests, hackbench's messages (rt-tests), one
    /// kernbench build. Null, with why, when the output does not say.
    /// </summary>
    public static (Operation? Operation, string? Why) OperationOf(UnitResult unit)
    {
        double? N(string metric) => unit.Metrics.GetValueOrDefault(metric).Number;
        (Operation?, string?) Count(string name, double? count, string missing) =>
            count is > 0 ? (new Operation(name, count.Value), null) : (null, missing);

        return unit.Suite switch
        {
            NetperfParser.Id when unit.Workload == "TCP_RR" => Count("transaction", N("transactions_per_s") * N("elapsed_s"), "netperf's output has no transaction rate and elapsed time"),
            NetperfParser.Id => Count("MB", N("throughput_mbps") * N("elapsed_s") / 8, "netperf's output has no throughput and elapsed time"),
            ApacheBenchParser.Id => Count("request", N("complete_requests"), "ab's output has no completed requests"),
            HackbenchParser.Id => Count("message", N("messages"), "the hackbench output does not say its loops (LTP's does not), so its messages are not known"),
            KernbenchParser.Id => (new Operation("build", 1), null),
            _ => (null, $"{unit.Suite} has no one operation"),
        };
    }

    /// <summary>Every derived value of <paramref name="unit"/>'s suite output, by id.</summary>
    public static IReadOnlyDictionary<string, Derived> Of(UnitResult unit, long? l2MemoryMb)
    {
        var (operation, why) = OperationOf(unit);
        var inputs = new DerivedInputs(unit.Counters, operation, why, l2MemoryMb);
        return Of(unit.Suite).ToDictionary(m => m.Id, m => m.Formula(inputs), StringComparer.Ordinal);
    }

    private static Derived Share(Derived part, Derived whole, string empty) =>
        part.Value is not { } p ? part
        : whole.Value is not { } w ? whole
        : w > 0 ? Derived.Of(p / w) : Derived.None(empty);

    // Of L2's memory, not of QEMU's: the process also holds QEMU's own heap, so the share can exceed 1 by a little.
    private static Derived HugePages(DerivedInputs i)
    {
        if (i.L2MemoryMb is not > 0)
        {
            return Derived.None("the manifest does not record L2's memory");
        }

        var huge = i.Sum("l1.qemu.anon_huge_kb");
        return huge.Value is { } kb ? Derived.Of(kb / (i.L2MemoryMb.Value * 1024.0)) : huge;
    }
}
