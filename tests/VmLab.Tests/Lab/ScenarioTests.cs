using VmLab.Common;
using VmLab.Lab.Plan;

namespace VmLab.Tests.Lab;

public sealed class ScenarioTests
{
    private static readonly Topology TwoCores = Topology.Choose(new MachineCapacity(2, 24000), 1024);

    [Fact]
    public void The_ids_are_the_ones_docs_CONTRACTS_md_names()
    {
        var contracts = File.ReadAllText(Path.Combine(RepoPaths.Find(AppContext.BaseDirectory).Root, "docs", "CONTRACTS.md"));

        Assert.Equal(["baseline", "guest-up", "guest-thp-never", "guest-vhost-off", "host"], Scenario.All.Select(s => s.Id));
        Assert.All(Scenario.All, s => Assert.Contains($"| `{s.Id}` |", contracts));
    }

    [Fact]
    public void Each_question_varies_exactly_one_factor_against_the_baseline()
    {
        static IEnumerable<string> Differences(Scenario a, Scenario b) =>
            new (string, bool)[]
            {
                ("measured", a.Measured != b.Measured), ("smp", a.GuestSmp != b.GuestSmp),
                ("thp", a.Thp != b.Thp), ("vhost", a.Vhost != b.Vhost),
            }.Where(d => d.Item2).Select(d => d.Item1);

        Assert.Equal(["smp"], Differences(Scenario.Baseline, Scenario.GuestUp));
        Assert.Equal(["thp"], Differences(Scenario.Baseline, Scenario.GuestThpNever));
        Assert.Equal(["vhost"], Differences(Scenario.Baseline, Scenario.GuestVhostOff));
        Assert.Equal(["measured"], Differences(Scenario.Baseline, Scenario.Host));
    }

    [Fact]
    public void The_guest_has_two_vcpus_except_in_the_UP_scenario()
    {
        Assert.Equal([2, 1, 2, 2, 2], Scenario.All.Select(s => s.GuestCpus(TwoCores)));
    }

    [Fact]
    public void An_unknown_scenario_is_an_error_listing_the_valid_ids()
    {
        var error = Assert.Throws<LabException>(() => Scenario.Parse("smp"));

        Assert.Contains("baseline, guest-up, guest-thp-never, guest-vhost-off, host", error.Next);
    }

    [Fact]
    public void A_plan_expands_to_every_scenario_suite_and_repeat_in_seeded_blocks()
    {
        var plan = RunPlan.Of(Profiles.Smoke, TwoCores, seed: 42);
        var units = plan.Units.ToList();

        Assert.Equal(5 * 6 * 2, units.Count);
        Assert.Equal(units.Count, units.Select(u => u.Key).Distinct().Count());
        // Block 1 holds every scenario's repeat 1, then block 2 every repeat 2, each in the seed's permutation.
        Assert.All(units.Take(30), u => Assert.Equal(1, u.Repeat));
        Assert.All(units.Skip(30), u => Assert.Equal(2, u.Repeat));
        Assert.Equal($"{plan.Order.Blocks[0][0]}/netperf-stream/1", units[0].Key);
        Assert.Equal($"{plan.Order.Blocks[1][^1]}/unixbench/2", units[^1].Key);
        Assert.Equal("raw/guest-up/kernbench/2.txt", units.Single(u => u.Key == "guest-up/kernbench/2").RawPath);
    }

    [Fact]
    public void Boots_group_the_pending_units_by_scenario_and_repeat_and_number_on_from_the_first_free_boot()
    {
        var plan = RunPlan.Of(Profiles.Smoke, TwoCores, ["baseline", "host"], ["hackbench", "ab"])
            .WithOrder(new RunOrder(1, [["host", "baseline"], ["baseline", "host"]]));
        var finished = new HashSet<string> { "baseline/hackbench/1", "baseline/ab/1", "host/ab/2" };

        var boots = plan.Boots(u => !finished.Contains(u.Key), firstBoot: 7);

        Assert.Equal(
            ["7 host r1: ab hackbench", "8 baseline r2: ab hackbench", "9 host r2: hackbench"],
            boots.Select(b => $"{b.Number} {b.Scenario.Id} r{b.Repeat}: {string.Join(' ', b.Suites.Select(s => s.Id))}"));
    }

    [Fact]
    public void The_estimate_counts_boot_costs_and_every_suite_and_the_plan_prints_it_with_the_vcpu_rule()
    {
        var plan = RunPlan.Of(Profiles.Smoke, TwoCores, ["baseline"], ["hackbench"]);
        var boots = plan.Boots(_ => true);

        // One L1 boot + its one L2 boot (the profile's measured costs) + hackbench's estimate.
        var smoke = Profiles.Smoke;
        Assert.Equal(TimeSpan.FromSeconds(smoke.L1BootEstimateSeconds + smoke.L2BootEstimateSeconds + smoke.SettingsOf<VmLab.Suites.HackbenchCommand>().EstimateSeconds), plan.Estimate(boots[0]));
        var text = plan.Describe(boots, alreadyDone: 0);
        Assert.Contains("1 scenarios × 1 suites × 2 repeats = 2 units; 0 already finished, 2 to run in 2 boots", text);
        Assert.Contains("NOT met, run is overcommitted", text);
        Assert.Contains($"Estimated duration: {RunPlan.FormatDuration(plan.Estimate(boots[0]) + plan.Estimate(boots[1]))} ", text);
    }
}
