using VmLab.Counters;

namespace VmLab.Tests.Counters;

/// <summary>A unit's counters in every layer, from real COUNT lines of an arm64 boot (fixtures/arm64/counters).</summary>
public sealed class BootCountersTests
{
    private static IReadOnlyDictionary<string, UnitCounters> Baseline() => BootCounters.FromConsoles(
        Fixture.Read("arm64", "counters", "console-l1-baseline.log"),
        [Fixture.Read("arm64", "counters", "console-l2-baseline.log")]);

    [Fact]
    public void A_CPU_unit_in_L2_has_L2s_own_counters_and_L1s_about_it_each_its_end_less_its_start()
    {
        var unit = Baseline()["hackbench/1"].Values;

        // L2 (the measured system), read by L2 at the unit's edges.
        Assert.Equal(1.45, unit["sys.seconds"], 6);
        Assert.Equal(1958, unit["sys.ctxt"]);
        Assert.Equal(4067, unit["sys.pgfault"]);
        Assert.Equal(0.5, unit["sys.cpu.user"], 6);
        Assert.Equal(1.62, unit["sys.cpu.system"], 6);
        Assert.Equal(0, unit["sys.tcp.in_segs"]);
        Assert.Equal(0, unit["sys.anon_huge_kb"]);
        // L1 about L2: its QEMU's threads (ticks of 0.01 s), the vhost worker, THP backing, KVM's exits.
        Assert.Equal(2.19, unit["l1.seconds"], 6);
        Assert.Equal(2.7, unit["l1.qemu.user"], 6);
        Assert.Equal(0.08, unit["l1.qemu.main.user"], 6);
        Assert.Equal(1.35, unit["l1.qemu.vcpu0.user"], 6);
        Assert.Equal(1.19, unit["l1.qemu.vcpu1.user"], 6);
        Assert.Equal(2.54, unit["l1.qemu.vcpus.user"], 6);
        Assert.Equal(0.09, unit["l1.qemu.other.cpu"], 6);
        Assert.Equal(0, unit["l1.vhost.user"]);
        Assert.Equal(1, unit["l1.vhost.threads"]);
        Assert.Equal(88064, unit["l1.qemu.anon_huge_kb"]);
        Assert.Equal(8192, unit["l1.qemu.anon_huge_kb.delta"]);
        Assert.Equal(2320, unit["l1.kvm.exits"]);
        Assert.Equal(501, unit["l1.kvm.mmio_exit_kernel"]);
        Assert.Equal(0, unit["l1.kvm.mmio_exit_user"]);
        Assert.Equal(326, unit["l1.kvm.wfi_exit_stat"]);
        Assert.Equal(51, unit["l1.kvm.hvc_exit_stat"]);
        Assert.Equal(2, unit["l1.kvm.vcpus"]);
    }

    [Fact]
    public void Every_name_the_catalog_expects_of_a_guest_unit_has_a_value_or_a_reason()
    {
        foreach (var (name, counters) in Baseline())
        {
            var expected = CounterCatalog.Fixed(CounterCatalog.System).Concat(CounterCatalog.Fixed(CounterCatalog.L1));
            Assert.All(expected, n => Assert.True(counters.Values.ContainsKey(n) || counters.Unavailable.ContainsKey(n), $"{name}: {n}"));
            Assert.Empty(counters.Unavailable); // this kernel and QEMU have every one
        }
    }

    [Fact]
    public void A_network_unit_counts_TCP_segments_and_KVMs_exits_with_vhost_in_the_kernel()
    {
        var unit = Baseline()["netperf-rr/1"].Values;

        Assert.True(unit["sys.tcp.in_segs"] > 100);
        Assert.True(unit["sys.softirq.net_rx"] > 0);
        Assert.Equal(3687, unit["l1.kvm.exits"]);
        Assert.Equal(1011, unit["l1.kvm.mmio_exit_kernel"]); // vhost=on: the queue kicks end in the kernel (ioeventfd)
        Assert.Equal(0, unit["l1.kvm.mmio_exit_user"]);
    }

    [Fact]
    public void A_layer_that_read_nothing_or_a_counter_read_at_one_edge_only_is_unavailable_with_the_reason()
    {
        var l1 = Fixture.Read("arm64", "counters", "console-l1-baseline.log");
        var l2 = Fixture.Read("arm64", "counters", "console-l2-baseline.log");
        var withoutL1End = string.Join('\n', l1.Split('\n').Where(l => !l.StartsWith("@@VMLAB:COUNT hackbench/1 end", StringComparison.Ordinal)));
        var withoutPgfaultAtEnd = string.Join('\n', l2.Split('\n').Where(l => !l.StartsWith("@@VMLAB:COUNT hackbench/1 end vmstat pgfault", StringComparison.Ordinal)));

        var noL1 = BootCounters.FromConsoles(withoutL1End, [l2])["hackbench/1"];
        var halfPgfault = BootCounters.FromConsoles(l1, [withoutPgfaultAtEnd])["hackbench/1"];
        var kvmless = string.Join('\n', l1.Split('\n').Select(l => l.StartsWith("@@VMLAB:COUNT hackbench/1 end kvm ", StringComparison.Ordinal) ? "@@VMLAB:COUNT hackbench/1 end kvm-unavailable no QMP reply within 5 s@@" : l));
        var withoutKvm = BootCounters.FromConsoles(kvmless, [l2])["hackbench/1"];

        Assert.Equal("L1 read no counters at the unit's end", noL1.Unavailable["l1.kvm.exits"]);
        Assert.Equal("L1 read no counters at the unit's end", noL1.Unavailable["l1.qemu.vcpu0.user"]);
        Assert.Equal(1958, noL1.Values["sys.ctxt"]); // L2's own are still there
        Assert.Equal("L2 read it at the unit's start only", halfPgfault.Unavailable["sys.pgfault"]);
        Assert.Equal("no QMP reply within 5 s", withoutKvm.Unavailable["l1.kvm.exits"]);
        Assert.Equal("no QMP reply within 5 s", withoutKvm.Unavailable["l1.kvm.vcpus"]);
        Assert.Equal(1.35, withoutKvm.Values["l1.qemu.vcpu0.user"], 6); // the rest of L1's reading holds
    }
}
