using VmLab.Lab;
using VmLab.Results;

namespace VmLab.Tests.Lab;

public sealed class LabManifestTests
{
    [Fact]
    public void The_manifest_says_overcommitted_names_the_layers_as_reported_and_lists_units_that_did_not_count()
    {
        var topology = Topology.Choose(new MachineCapacity(2, 24000), 1024);
        var plan = RunPlan.Of(Profiles.Smoke, topology, ["baseline", "host"], ["hackbench", "unixbench"]);
        var ledger = RunLedger.Empty("2026-11-25T0700Z-smoke", "smoke")
            .With(new LabUnit("host", "unixbench", 1), new UnitRecord(UnitState.Unavailable, 1, null, null, null, ["not installed in this image"]))
            .With(new LabUnit("host", "hackbench", 1), new UnitRecord(UnitState.Done, 1, 0, 1.2, "ab", ["THP in L1 is 'always madvise [never]', the scenario needs [always]"]))
            .With(1, new BootRecord("host", 1, "finished", 9.1, new Dictionary<string, string> { ["uname"] = "Linux l1 6.1.0 aarch64", ["thp"] = "[always] madvise never" }, []));
        var run = new RunDirectory(Path.Combine(Directory.CreateTempSubdirectory("vmlab-manifest-").FullName, ledger.RunId));

        run.WriteManifest(LabManifest.Build(plan, null, ledger, "QEMU emulator version 7.2.22", DateTimeOffset.UnixEpoch, null));
        var manifest = run.ReadManifest();

        Assert.Equal(new VcpuRule(2, 2, 2), manifest.VcpuRule);
        Assert.False(manifest.VcpuRule!.Met);
        Assert.StartsWith("Overcommitted: the vCPU rule pCPU 2 > L1 vCPU 2 > L2 vCPU 2: NOT met", manifest.Notes[0]);
        Assert.Contains(manifest.Notes, n => n == "1 unit(s) unavailable: host/unixbench/1 (not installed in this image)");
        Assert.Contains(manifest.Notes, n => n.StartsWith("host/hackbench/1 is invalid: THP in L1", StringComparison.Ordinal));
        Assert.Equal(["baseline", "host"], manifest.Scenarios.Select(s => s.Id));
        Assert.Equal((2, "on"), (manifest.Scenarios[0].L2Vcpus, manifest.Scenarios[0].Vhost));
        Assert.Null(manifest.Scenarios[1].L2Vcpus);
        Assert.Equal("Linux l1 6.1.0 aarch64", manifest.Layers.Single(l => l.Layer == "L1").Uname);
        Assert.Equal("QEMU emulator version 7.2.22", manifest.Tools["qemu"]);
    }
}
