using VmLab.Lab.Plan;

namespace VmLab.Tests.Lab;

public sealed class RunOrderTests
{
    private static readonly string[] Scenarios = ["baseline", "guest-up", "guest-thp-never", "guest-vhost-off", "host"];

    [Fact]
    public void Each_block_is_a_permutation_of_every_scenario()
    {
        for (ulong seed = 0; seed < 200; seed++)
        {
            var order = RunOrder.Draw(seed, Scenarios, repeats: 3);
            Assert.Equal(3, order.Blocks.Count);
            Assert.All(order.Blocks, b => Assert.Equal(Scenarios.Order(), b.Order()));
            Assert.Null(order.Mismatch(Scenarios, 3));
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_order_and_other_seeds_give_others()
    {
        var a = RunOrder.Draw(20261129, Scenarios, 3);
        var b = RunOrder.Draw(20261129, Scenarios, 3);
        Assert.Equal(a.Describe(), b.Describe());

        var distinct = Enumerable.Range(0, 100).Select(s => string.Join("|", RunOrder.Draw((ulong)s, Scenarios, 3).Describe())).Distinct().Count();
        Assert.True(distinct > 90, $"only {distinct} distinct orders from 100 seeds");
    }

    [Fact]
    public void Blocks_of_one_run_are_drawn_independently_and_every_position_is_reached()
    {
        // Over many seeds, every scenario appears first in block 1 about as often as any other (5 scenarios: 20% each).
        var first = Enumerable.Range(0, 5000).Select(s => RunOrder.Draw((ulong)s, Scenarios, 2)).ToList();
        foreach (var scenario in Scenarios)
        {
            var share = first.Count(o => o.Blocks[0][0] == scenario) / 5000.0;
            Assert.InRange(share, 0.17, 0.23);
        }

        Assert.True(first.Count(o => o.Blocks[0].SequenceEqual(o.Blocks[1])) < 5000 / 50, "blocks of one run must not repeat one permutation");
    }

    [Fact]
    public void The_order_is_SplitMix64_Fisher_Yates_and_can_be_recomputed_elsewhere()
    {
        // Recomputed by hand in Python from the algorithm in RunOrder's remarks (tests/VmLab.Tests/fixtures/order/README.md).
        var order = RunOrder.Draw(42, Scenarios, 2);

        Assert.Equal(File.ReadAllLines(Fixture.Path("order", "seed-42.txt")), order.Describe());
    }

    [Fact]
    public void A_recorded_order_that_does_not_fit_the_plan_is_refused_with_the_reason()
    {
        var order = RunOrder.Draw(1, ["baseline", "host"], 2);

        Assert.Contains("2 blocks, the plan 3 repeats", order.Mismatch(["baseline", "host"], 3));
        Assert.Contains("not a permutation of the plan's scenarios", order.Mismatch(["baseline", "guest-up"], 2));
        var plan = RunPlan.Of(Profiles.Smoke, Topology.Choose(new MachineCapacity(2, 24000), 1024), ["baseline", "guest-up"]);
        Assert.Throws<VmLab.Common.LabException>(() => plan.WithOrder(order));
    }
}
