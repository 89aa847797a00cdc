using VmLab.Lab.Artifacts;
using VmLab.Lab.Ledger;
using VmLab.Lab.Plan;
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
            .With(1, new BootRecord("host", 1, BootEnd.Finished, 9.1, new Dictionary<string, string> { ["uname"] = "Linux l1 6.1.0 aarch64", ["thp"] = "[always] madvise never" }, []));
        var run = new RunDirectory(Path.Combine(Directory.CreateTempSubdirectory("vmlab-manifest-").FullName, ledger.RunId));

        run.WriteManifest(LabManifest.Build(plan, null, ArtifactProvenance.None, L0Facts.None with { Tools = new Dictionary<string, string> { ["qemu"] = "QEMU emulator version 7.2.22" } }, ledger, DateTimeOffset.UnixEpoch, null));
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
        Assert.Equal(new VmLab.Statistics.AnalysisPlan(0.10, ProbeCovariate: false), manifest.Analysis); // declared before the run: the manifest written at its start has it
    }
}

public sealed class ArtifactProvenanceTests
{
    private static System.Text.Json.Nodes.JsonNode Load(string name) =>
        System.Text.Json.Nodes.JsonNode.Parse(Fixture.Read("artifacts", name))!;

    [Fact]
    public void Every_fallback_and_substitution_of_a_real_build_reaches_the_manifest_once()
    {
        var provenance = ArtifactProvenance.FromMetadata(
            Load("kernel-host-metadata.json"),
            [("host", Load("rootfs-host-metadata.json")), ("guest", Load("rootfs-guest-metadata.json"))]);

        Assert.Equal(["kernel source (linux 6.1.192-2; both kernels and the kernbench tree)", "UnixBench 5.1.3", "Apache document set"], provenance.Sources.Select(s => s.Name));
        Assert.StartsWith("FALLBACK: linux-5.15.198.tar.xz", provenance.Sources[0].Fallback);
        Assert.Equal("debian-package: linux-source-6.1=6.1.192-2", provenance.Sources[0].Url);
        Assert.Equal("4d415b3d364834fd818270e88813e90323bbfce4f519a0e6bd4940ddcd7df693", provenance.Sources[0].Sha256);
        Assert.StartsWith("unavailable: https://github.com/kdlucas/byte-unixbench", provenance.Sources[1].Fallback);
        Assert.StartsWith("substituted: the gcc 4.4.7 HTML manual", provenance.Sources[2].Fallback);
        Assert.Equal(41288, provenance.AbDocumentLength);
        Assert.Equal("c828eaa0b4af9118f5459a7e64efc664ca36950a27622223c50c957a60720dc5", provenance.ImageSha256["guest"]);
        Assert.Equal("aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0", provenance.Tools["gcc"]);
    }

    [Fact]
    public void UnixBench_from_the_shared_local_copy_reaches_the_manifest_as_a_substitution_with_both_hashes()
    {
        var provenance = ArtifactProvenance.FromMetadata(Load("kernel-host-metadata.json"), [("guest", Load("rootfs-guest-unixbench-metadata.json"))]);

        var unixBench = provenance.Sources.Single(s => s.Name == "UnixBench 5.1.3");
        Assert.Equal("3e1c44ed8d5d610d00217ed0366ad009bfb969b449ac7ca32d12204b275cc078", unixBench.Sha256);
        Assert.StartsWith("substituted: the declared local copy /work/shared/third_party/byte-unixbench-5.1.3.tar.gz instead of byte-unixbench-5.1.3.tar.gz (sha256 3a6bb00f270a5329682dff20fd2c1ab5332ef046eb54a96a0d7bd371005d31a3)", unixBench.Fallback);
        Assert.Contains("tried first: https://github.com/kdlucas/byte-unixbench/archive/v5.1.3.tar.gz: Name or service not known", unixBench.Fallback);
        Assert.Equal("f58325662a0d10f388fea2eb559c507da3e3d23acb74d037aa03fadb3dd214a2", provenance.ImageSha256["guest"]);
    }

    [Fact]
    public void The_real_image_build_recorded_UnixBenchs_checks_and_their_output()
    {
        var metadata = Load("rootfs-guest-unixbench-metadata.json");
        var checks = metadata["checks"]!.AsArray().Select(c => (Command: c!["command"]!.GetValue<string>(), Rc: c["exitCode"]!.GetValue<int>(), Output: c["output"]!.GetValue<string>())).ToList();

        Assert.Equal([.. VmLab.Rootfs.RootfsDefinition.Load(Path.Combine(VmLab.Common.RepoPaths.Find(AppContext.BaseDirectory).RootfsDir)).Recipe("guest").Checks, .. VmLab.Rootfs.UnixBenchInstall.Checks], checks.Select(c => c.Command));
        Assert.All(checks, c => Assert.Equal(0, c.Rc));
        Assert.Equal("Run and 18 programs in pgms/", checks[^4].Output);
        Assert.Equal("22", checks[^3].Output);
        Assert.Empty(VmLab.Rootfs.UnixBenchInstall.ProblemsOfRunCheck(checks[^1].Output));
    }

    [Fact]
    public void Missing_metadata_contributes_nothing_rather_than_failing_the_run()
    {
        var provenance = ArtifactProvenance.FromMetadata(null, [("host", null)]);

        Assert.Empty(provenance.Sources);
        Assert.Null(provenance.AbDocumentLength);
    }
}
