using VmLab.Counters;
using VmLab.Results;
using VmLab.Suites;
using VmLab.Why;

namespace VmLab.Tests.Why;

/// <summary>
/// The per-operation mechanism metrics, from real counters and the same units' real outputs (fixtures/arm64/counters:
/// baseline, boot 1, hackbench/1 and netperf-rr/1 of one smoke run).
/// </summary>
public sealed class DerivedMetricsTests
{
    private static IReadOnlyDictionary<string, UnitCounters> Counters(string? l1 = null) => BootCounters.FromConsoles(
        l1 ?? Fixture.Read("arm64", "counters", "console-l1-baseline.log"),
        [Fixture.Read("arm64", "counters", "console-l2-baseline.log")]);

    private static UnitResult Unit(string suite, string output, UnitCounters? counters)
    {
        var measurement = SuiteParsers.Get(suite).Parse(Fixture.Read("arm64", "counters", output)).Measurement!;
        return new UnitResult("baseline", suite, "1", $"raw/baseline/{suite}/1.txt", "0", null, measurement.Metrics, measurement.Problems, []) { Counters = counters };
    }

    [Fact]
    public void A_hackbench_unit_divides_its_counters_by_the_messages_its_output_says_it_passed()
    {
        var counters = Counters()["hackbench/1"];
        var unit = Unit("hackbench", "hackbench-1.txt", counters);

        var derived = DerivedMetrics.Of(unit, l2MemoryMb: 1024);

        Assert.Equal(new Operation("message", 2 * 20 * 20 * 10), DerivedMetrics.OperationOf(unit).Operation); // -g 2 -l 10
        Assert.Equal(1958.0 / 8000, derived["ctxt_per_op"].Value!.Value, 9);
        Assert.Equal(2320.0 / 8000, derived["kvm_exits_per_op"].Value!.Value, 9);
        Assert.Equal(501.0 / 8000, derived["kvm_mmio_kernel_per_op"].Value!.Value, 9);
        Assert.Equal(1.62e6 / 8000, derived["sys_system_us_per_op"].Value!.Value, 6); // 1.62 s of system time
        Assert.Equal((2.54 + counters.Values["l1.qemu.vcpus.system"]) * 1e6 / 8000, derived["l2_qemu_vcpus_us_per_op"].Value!.Value, 6);
        Assert.Equal(88064.0 / (1024 * 1024), derived["l2_huge_page_share"].Value!.Value, 9); // 86 MiB of L2's 1 GiB in huge pages
        Assert.False(derived.ContainsKey("tcp_segments_per_op"), "a CPU suite has no network metrics");
    }

    [Fact]
    public void A_TCP_RR_unit_counts_transactions_as_rate_times_elapsed_time()
    {
        var counters = Counters()["netperf-rr/1"];
        var unit = Unit("netperf", "netperf-rr-1.txt", counters);
        var transactions = 234.41 * 2.00;

        var derived = DerivedMetrics.Of(unit, l2MemoryMb: 1024);

        Assert.Equal("transaction", DerivedMetrics.OperationOf(unit).Operation!.Name);
        Assert.Equal(transactions, DerivedMetrics.OperationOf(unit).Operation!.Count, 9);
        Assert.Equal(3687 / transactions, derived["kvm_exits_per_op"].Value!.Value, 9);
        Assert.Equal(0, derived["kvm_mmio_user_per_op"].Value); // vhost=on: the kicks end in L1's kernel
        Assert.Equal((counters.Values["sys.tcp.in_segs"] + counters.Values["sys.tcp.out_segs"]) / transactions, derived["tcp_segments_per_op"].Value!.Value, 9);
        Assert.True(derived["tcp_segments_per_op"].Value >= 2, "a transaction is a request and a response");
    }

    [Fact]
    public void A_counter_unavailable_for_a_unit_makes_its_derived_values_unavailable_with_the_reason_never_zero()
    {
        var l1 = Fixture.Read("arm64", "counters", "console-l1-baseline.log");
        var kvmless = string.Join('\n', l1.Split('\n').Select(l => l.StartsWith("@@VMLAB:COUNT hackbench/1 end kvm ", StringComparison.Ordinal) ? "@@VMLAB:COUNT hackbench/1 end kvm-unavailable no QMP reply within 5 s@@" : l));
        var unit = Unit("hackbench", "hackbench-1.txt", Counters(kvmless)["hackbench/1"]);

        var derived = DerivedMetrics.Of(unit, l2MemoryMb: 1024);

        Assert.Null(derived["kvm_exits_per_op"].Value);
        Assert.Equal("l1.kvm.exits: no QMP reply within 5 s", derived["kvm_exits_per_op"].Why);
        Assert.NotNull(derived["ctxt_per_op"].Value); // L2's own counters still hold
    }

    [Fact]
    public void Without_counters_or_an_operation_count_nothing_is_derived_and_each_value_says_why()
    {
        var noCounters = DerivedMetrics.Of(Unit("hackbench", "hackbench-1.txt", counters: null), 1024);
        var ltp = new UnitResult("baseline", "hackbench", "1", "raw/baseline/hackbench/1.txt", "0", null,
            SuiteParsers.Get("hackbench").Parse(Fixture.Read("seed-2023", "q1-baseline-hackbench-50.txt")).Measurement!.Metrics, [], [])
        { Counters = Counters()["hackbench/1"] };

        Assert.All(noCounters.Values, d => Assert.Null(d.Value));
        Assert.Equal("the unit has no counters", noCounters["ctxt_per_op"].Why);
        Assert.Contains("does not say its loops", DerivedMetrics.Of(ltp, 1024)["ctxt_per_op"].Why);
        Assert.Equal("the manifest does not record L2's memory", DerivedMetrics.Of(Unit("hackbench", "hackbench-1.txt", Counters()["hackbench/1"]), null)["l2_huge_page_share"].Why);
        Assert.Empty(DerivedMetrics.Of("unixbench")); // UnixBench's tests each count their own work
    }

    [Fact]
    public void Every_derived_metric_is_a_mechanism_metric_with_a_direction_and_an_id_no_suite_uses()
    {
        Assert.All(DerivedMetrics.All, m =>
        {
            Assert.True(m.Definition.IsMechanism, m.Id);
            Assert.NotEqual(MetricDirection.None, m.Definition.Direction); // a descriptive metric is never tested
            Assert.All(SuiteRegistry.All, s => Assert.Null(s.Catalog.Find(m.Id)));
        });
        Assert.Equal(DerivedMetrics.All.Count, DerivedMetrics.All.Select(m => m.Id).Distinct().Count());
    }
}
