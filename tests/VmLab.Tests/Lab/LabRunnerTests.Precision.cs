using VmLab.Lab;
using VmLab.Lab.Ledger;
using VmLab.Lab.Plan;
using VmLab.Statistics;

namespace VmLab.Tests.Lab;

// A precision run against fake VMs: after the profile's blocks it looks, adds whole blocks while not precise, stops when
// precise (however significant the comparison was before), records every look, and a resume of a stopped run boots nothing.
public sealed partial class LabRunnerTests
{
    // Significant from the first look on (Holm p 0.01), precise only when asked: the rule waits for the width.
    private static ComparisonDecision Look(int blocks, bool precise) =>
        new("Q4", "hackbench process", "time_s", blocks, 1.2, precise ? 1.1 : 1.05, precise ? 1.3 : 1.4, 0.001, 0.01, true, precise ? "slower; precise: ±9% ≤ ±10%" : "slower; not yet precise: ±25% > ±10%", precise ? 0.086 : 0.22, precise);

    [Fact]
    public async Task A_precision_run_adds_whole_blocks_until_its_comparisons_are_precise_and_a_resume_keeps_its_stop()
    {
        var settings = NewRun();
        var vm = new FakeVm(boot => Behaving(boot));
        var plan = HostHackbench with { Precision = PrecisionRule.Parse("10%", "Q4", "6h") };
        var looks = 0;
        var written = 0;
        var runner = new LabRunner(plan, settings, vm, TextWriter.Null)
        {
            // blocks 2 and 3 significant but not precise, block 4 precise (smoke has 2 repeats)
            Looker = () => [Look(++looks + 1, looks == 3)],
            AfterLook = () => written++,
        };

        var ledger = await runner.RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal([1, 2, 3, 4], vm.Booted);
        Assert.Equal(4, ledger.Order!.Blocks.Count);
        Assert.Equal(4, RunLedger.Load(settings.RunDirectory)!.Order!.Blocks.Count);
        Assert.Equal((3, 3), (looks, written));
        Assert.Equal([2, 3, 4], runner.Precision!.Looks.Select(l => l.Blocks));
        Assert.Equal([null, null], runner.Precision.Looks.Take(2).Select(l => l.Stop));
        Assert.Equal("precise: the 95% intervals of all 1 chosen headline comparisons are at most ±10% wide after 4 blocks", runner.Precision.Stop);
        Assert.All(runner.Precision.Looks, l => Assert.True(l.SpentSeconds > 0 && l.BlockSeconds > 0));

        var again = new FakeVm(boot => Behaving(boot));
        var resumed = new LabRunner(plan, settings, again, TextWriter.Null) { Looker = () => throw new InvalidOperationException("no new look"), EarlierLooks = runner.Precision.Looks };
        await resumed.RunAsync(TestContext.Current.CancellationToken);

        Assert.Empty(again.Booted);
        Assert.Equal(runner.Precision.Looks, resumed.Precision!.Looks);
    }

    [Fact]
    public async Task A_precision_run_stops_when_another_block_would_not_fit_its_budget()
    {
        var settings = NewRun();
        var vm = new FakeVm(boot => Behaving(boot));
        var plan = HostHackbench with { Precision = PrecisionRule.Parse("10%", null, "0s") };
        var runner = new LabRunner(plan, settings, vm, TextWriter.Null) { Looker = () => [Look(2, precise: false)] };

        await runner.RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal([1, 2], vm.Booted);
        var look = Assert.Single(runner.Precision!.Looks);
        Assert.StartsWith("budget: 2 blocks took", look.Stop, StringComparison.Ordinal);
        Assert.Contains("1 of 1 not yet precise: Q4 hackbench process", look.Stop, StringComparison.Ordinal);
    }
}
