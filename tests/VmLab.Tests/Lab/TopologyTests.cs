using VmLab.Common;
using VmLab.Lab.Plan;

namespace VmLab.Tests.Lab;

public sealed class TopologyTests
{
    [Fact]
    public void The_course_machine_gets_the_course_sizes_and_meets_the_rule()
    {
        var topology = Topology.Choose(new MachineCapacity(16, 65536), guestMemoryMiB: 2048);

        Assert.Equal((4, 2, 1), (topology.L1Cpus, topology.L2SmpCpus, topology.L2UpCpus));
        Assert.False(topology.Overcommitted);
        Assert.Equal("pCPU 16 > L1 vCPU 4 > L2 vCPU 2: met", topology.RuleText);
    }

    [Fact]
    public void A_four_core_machine_still_meets_the_rule_with_three_L1_vcpus()
    {
        var topology = Topology.Choose(new MachineCapacity(4, 16384), guestMemoryMiB: 2048);

        Assert.Equal(3, topology.L1Cpus);
        Assert.False(topology.Overcommitted);
    }

    [Theory]
    [InlineData(2, 2)] // this machine: nothing fits between 2 and 2
    [InlineData(3, 3)] // L1 3 > L2 2, but L0 3 is not > 3
    [InlineData(1, 2)] // L1 never gets fewer vCPUs than the guest it runs
    public void A_small_machine_runs_anyway_with_the_closest_sizes_and_is_marked_overcommitted(int cpus, int expectedL1)
    {
        var topology = Topology.Choose(new MachineCapacity(cpus, 24000), guestMemoryMiB: 1024);

        Assert.Equal(expectedL1, topology.L1Cpus);
        Assert.Equal(2, topology.L2SmpCpus);
        Assert.True(topology.Overcommitted);
        Assert.Contains("NOT met", topology.RuleText);
    }

    [Fact]
    public void On_two_cores_both_inequalities_are_named()
    {
        var topology = Topology.Choose(new MachineCapacity(2, 24000), guestMemoryMiB: 1024);

        Assert.Equal(
            ["L0 has 2 CPUs, not more than L1's 2 vCPUs", "L1 has 2 vCPUs, not more than L2's 2"],
            topology.Violations);
    }

    [Fact]
    public void Overrides_win_and_are_checked_against_the_rule_like_any_other_size()
    {
        var topology = Topology.Choose(new MachineCapacity(16, 65536), 2048, new TopologyOverrides(L1Cpus: 2, L2Cpus: 2));

        Assert.Equal(2, topology.L1Cpus);
        Assert.True(topology.Overcommitted);
        Assert.Equal(["L1 has 2 vCPUs, not more than L2's 2"], topology.Violations);
    }

    [Fact]
    public void Memory_leaves_a_reserve_on_L0_and_gives_L1_room_around_L2()
    {
        var roomy = Topology.Choose(new MachineCapacity(2, 24000), guestMemoryMiB: 1024);
        var tight = Topology.Choose(new MachineCapacity(2, 4000), guestMemoryMiB: 2048);

        Assert.Equal((2048L, 1024L), (roomy.L1MemoryMiB, roomy.L2MemoryMiB));
        Assert.Equal(4000 - Topology.L0ReserveMiB - Topology.L1OverheadMiB, tight.L2MemoryMiB); // shrunk to fit
        Assert.True(tight.L1MemoryMiB < tight.L0.MemoryMiB);
    }

    [Fact]
    public void A_machine_that_cannot_hold_a_guest_is_an_error_that_says_what_to_pass()
    {
        var error = Assert.Throws<LabException>(() => Topology.Choose(new MachineCapacity(2, 3000), guestMemoryMiB: 1024));

        Assert.Contains("3000 MiB", error.Message);
        Assert.Contains("--l2-memory", error.Next);
    }

    [Theory]
    [InlineData(null, 999)]
    [InlineData(9, null)]
    [InlineData(2, 3)]
    public void Vcpu_overrides_a_machine_cannot_boot_are_refused(int? l1, int? l2)
    {
        // --l2-cpus=999 was planned instead of refused (issue 16, item 8).
        var error = Assert.Throws<LabException>(() => Topology.Choose(new MachineCapacity(2, 24000), 1024, new TopologyOverrides(L1Cpus: l1, L2Cpus: l2)));

        Assert.Contains("vCPU", error.Message);
    }
}
