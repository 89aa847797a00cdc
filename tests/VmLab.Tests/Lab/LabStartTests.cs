using VmLab.Common;
using VmLab.Lab.Artifacts;
using VmLab.Lab.Ledger;
using VmLab.Lab.Plan;
using VmLab.Tests.Results;

namespace VmLab.Tests.Lab;

/// <summary>
/// A lab run checks everything (run id, resume state, profile, seed, kernel artifacts) before it writes anything
/// (issue 16, items 2 and 5), on a copy of the committed smoke run.
/// </summary>
public sealed class LabStartTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vmlab-start-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static RunPlan Plan(LabProfile profile, ulong? seed = null) =>
        RunPlan.Of(profile, Topology.Choose(new MachineCapacity(4, 24000), profile.GuestMemoryMiB), seed: seed);

    private static Dictionary<string, string> Snapshot(string dir) =>
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories).ToDictionary(f => f, f => Hashing.Sha256OfFile(f));

    /// <summary>Kernel artifacts whose configs are the run's own (or, with <paramref name="other"/>, differ from them).</summary>
    private LabArtifacts Kernel(string runDirectory, bool other = false)
    {
        var kernel = Path.Combine(_root, "kernel");
        foreach (var (from, to) in new[] { ("host.config", "host/.config"), ("guest.config", "guest/.config"), ("config.diff", "config.diff") })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(kernel, to))!);
            File.WriteAllText(Path.Combine(kernel, to), File.ReadAllText(Path.Combine(runDirectory, "kernel", from)) + (other ? "CONFIG_X=y\n" : ""));
        }

        File.WriteAllText(Path.Combine(kernel, "host", "Image"), "");
        return new LabArtifacts(Path.Combine(kernel, "host", "Image"), Path.Combine(kernel, "guest", "Image"), "host.img", "guest.img", null);
    }

    [Theory]
    [InlineData("../../x")]
    [InlineData("/tmp/x")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    public void Resume_takes_a_run_id_not_a_path(string resume)
    {
        var error = Assert.Throws<LabException>(() => LabStart.RunId(resume, DateTimeOffset.UnixEpoch, "smoke"));

        Assert.Contains("run id", error.Message);
        Assert.Contains("--results", error.Next);
    }

    [Fact]
    public void A_new_run_id_is_the_time_and_profile()
    {
        Assert.Equal("1970-01-01T0000Z-smoke", LabStart.RunId(null, DateTimeOffset.UnixEpoch, "smoke"));
        Assert.Equal("2026-11-29T0447Z-smoke", LabStart.RunId("2026-11-29T0447Z-smoke", DateTimeOffset.UnixEpoch, "smoke"));
    }

    [Fact]
    public void Resuming_with_another_profile_is_refused_before_anything_is_written()
    {
        var run = RawIntegrityTests.CopyOf(_root);
        var before = Snapshot(run.Path);

        var error = Assert.Throws<LabException>(() => LabStart.Check(run.Path, resume: true, Plan(Profiles.Quick), seed: null, Kernel(run.Path)));

        Assert.Contains("profile 'smoke'", error.Message);
        Assert.Equal(before, Snapshot(run.Path));
    }

    [Fact]
    public void Resuming_with_other_kernel_artifacts_is_refused_before_the_configs_are_copied()
    {
        var run = RawIntegrityTests.CopyOf(_root);
        var before = Snapshot(run.Path);

        var error = Assert.Throws<LabException>(() => LabStart.Check(run.Path, resume: true, Plan(Profiles.Smoke), seed: null, Kernel(run.Path, other: true)));

        Assert.Contains("kernel", error.Message);
        Assert.Equal(before, Snapshot(run.Path));
    }

    [Fact]
    public void Resuming_with_another_seed_is_refused_and_the_recorded_order_is_kept_otherwise()
    {
        var run = RawIntegrityTests.CopyOf(_root);
        var recorded = RunLedger.Load(run.Path)!.Order!;

        Assert.Throws<LabException>(() => LabStart.Check(run.Path, resume: true, Plan(Profiles.Smoke), seed: recorded.Seed + 1, Kernel(run.Path)));
        var plan = LabStart.Check(run.Path, resume: true, Plan(Profiles.Smoke), seed: null, Kernel(run.Path));

        Assert.Equal(recorded.Seed, plan.Order.Seed);
    }

    [Fact]
    public void Resuming_a_run_with_an_empty_ledger_names_the_file_and_the_repair()
    {
        var run = RawIntegrityTests.CopyOf(_root);
        File.WriteAllText(Path.Combine(run.Path, RunLedger.FileName), "");

        var error = Assert.Throws<LabException>(() => LabStart.Check(run.Path, resume: true, Plan(Profiles.Smoke), seed: null, Kernel(run.Path)));

        Assert.Contains(Path.Combine(run.Path, RunLedger.FileName), error.Message);
        Assert.Contains("vmlab lab repair", error.Next);
    }

    [Fact]
    public void A_new_run_into_an_existing_run_directory_is_refused()
    {
        var run = RawIntegrityTests.CopyOf(_root);
        var before = Snapshot(run.Path);

        var error = Assert.Throws<LabException>(() => LabStart.Check(run.Path, resume: false, Plan(Profiles.Smoke), seed: null, Kernel(run.Path)));

        Assert.Contains("already", error.Message);
        Assert.Equal(before, Snapshot(run.Path));
    }

    [Fact]
    public void A_resume_with_the_same_kernel_configs_copies_nothing()
    {
        var run = RawIntegrityTests.CopyOf(_root);
        var artifacts = Kernel(run.Path);
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(run.KernelDir, "host.config"));
        Thread.Sleep(20);

        LabManifest.CopyKernelConfigs(run, artifacts);

        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(run.KernelDir, "host.config")));
    }

    [Fact]
    public void A_resume_keeps_the_analysis_the_run_declared_at_its_start_whatever_the_profile_says_now()
    {
        var run = RawIntegrityTests.CopyOf(_root);
        Assert.Null(run.ReadManifest().Analysis); // the committed smoke run predates the declaration

        var resumed = LabStart.Check(run.Path, resume: true, Plan(Profiles.Smoke), seed: null, Kernel(run.Path));
        Assert.Null(resumed.Profile.Analysis);

        run.WriteManifest(run.ReadManifest() with { Analysis = new VmLab.Statistics.AnalysisPlan(0.25, ProbeCovariate: true) });
        resumed = LabStart.Check(run.Path, resume: true, Plan(Profiles.Smoke), seed: null, Kernel(run.Path));
        Assert.Equal(new VmLab.Statistics.AnalysisPlan(0.25, ProbeCovariate: true), resumed.Profile.Analysis);
        Assert.Equal(new VmLab.Statistics.AnalysisPlan(0.10, ProbeCovariate: false), Plan(Profiles.Smoke).Profile.Analysis);
    }
}
