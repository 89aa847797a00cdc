using System.Formats.Tar;
using System.IO.Compression;
using VmLab.Common;
using VmLab.Release;

namespace VmLab.Tests.Release;

public sealed class ReleasePlannerTests
{
    private static readonly ReleaseEnvironment NoCi = ReleaseEnvironment.From(new Dictionary<string, string>());
    private static readonly GitHubTarget Target = new(GitHubTarget.GitHubDotComApi, "vmlab-org/vmlab");

    private static async Task<ReleasePlan> PlanAsync(SampleRun sample, ReleaseEnvironment? environment = null, string? tag = null)
    {
        var ct = TestContext.Current.CancellationToken;
        var run = await ReleaseRun.LoadAsync(sample.RunDirectory, ct);
        return await ReleasePlanner.PlanAsync(run, Target, environment ?? NoCi, tag, sample.Artifacts, ct);
    }

    [Fact]
    public async Task The_plan_lists_every_asset_with_the_sha256_of_the_file_it_uploads_and_checksums_last()
    {
        using var sample = SampleRun.Create();

        var plan = await PlanAsync(sample, tag: "v2.1.0");

        Assert.Equal(
            ["REPORT.md", "results.tar.gz", "kernel-host.config", "kernel-guest.config", "config.diff",
             "kernel-host.Image", "kernel-guest.Image", "kernel-host.metadata.json", "kernel-guest.metadata.json", "SHA256SUMS"],
            plan.Assets.Select(a => a.Name));
        Assert.All(plan.Assets, a => Assert.Equal(Hashing.Sha256OfFile(a.Path), a.Sha256));
        Assert.All(plan.Assets, a => Assert.Equal(new FileInfo(a.Path).Length, a.Size));
        Assert.Empty(plan.Unavailable);
        // The run's own copies of the configs win over the cache's: they are what the run recorded.
        Assert.Equal(sample.PathOf("kernel/host.config"), plan.Assets.Single(a => a.Name == "kernel-host.config").Path);
        Assert.Equal(sample.KernelArtifact("guest/Image"), plan.Assets.Single(a => a.Name == "kernel-guest.Image").Path);

        var sums = File.ReadAllText(plan.Assets[^1].Path);
        Assert.Equal(ReleasePlanner.Sha256Sums(plan.Assets.SkipLast(1)), sums);
        Assert.Contains($"{plan.Assets[0].Sha256}  REPORT.md\n", sums);
        Assert.Equal(9, sums.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        Assert.Equal("VmLab v2.1.0: run 2026-11-25-quick (quick profile)", plan.Name);
        Assert.StartsWith(SampleRun.Summary.ReplaceLineEndings("\n") + "\n\n---\n", plan.Body);
        Assert.Contains("[REPORT.md](https://github.com/vmlab-org/vmlab/releases/download/v2.1.0/REPORT.md)", plan.Body);
        Assert.Contains("sha256sum -c SHA256SUMS", plan.Body);
        // The report itself is checked by rendering the extracted run again (CommittedRunTests: the same bytes anywhere).
        Assert.Contains("`tar -xzf results.tar.gz && rm -rf 2026-11-25-quick/results.json 2026-11-25-quick/REPORT.md 2026-11-25-quick/charts`", plan.Body);
        Assert.Contains("from a checkout of `v2.1.0`: `dotnet run --project src/VmLab.Cli -- report <this directory>/2026-11-25-quick --reparse`", plan.Body);
        Assert.Contains("`cmp REPORT.md 2026-11-25-quick/REPORT.md`: no output", plan.Body);
    }

    [Fact]
    public async Task The_tarball_holds_the_whole_run_directory_under_the_run_id()
    {
        using var sample = SampleRun.Create();
        var plan = await PlanAsync(sample);

        var names = await TarballTests.EntryNamesAsync(plan.Assets.Single(a => a.Name == "results.tar.gz").Path);

        Assert.Contains("2026-11-25-quick/manifest.json", names);
        Assert.Contains("2026-11-25-quick/REPORT.md", names);
        Assert.Contains("2026-11-25-quick/raw/guest-up/hackbench/1.txt", names);
        Assert.Contains("2026-11-25-quick/kernel/config.diff", names);
    }

    [Fact]
    public async Task The_tag_is_the_explicit_one_else_the_triggering_tag_else_derived_from_the_run()
    {
        using var sample = SampleRun.Create();
        var tagPush = ReleaseEnvironment.From(new Dictionary<string, string> { ["GITHUB_REF_TYPE"] = "tag", ["GITHUB_REF_NAME"] = "v3.0.0" });
        var branchPush = ReleaseEnvironment.From(new Dictionary<string, string> { ["GITHUB_REF_TYPE"] = "branch", ["GITHUB_REF_NAME"] = "main" });

        Assert.Equal("v9", (await PlanAsync(sample, tagPush, "v9")).Tag);
        Assert.Equal("v3.0.0", (await PlanAsync(sample, tagPush)).Tag);
        Assert.Equal("run-2026-11-25-quick", (await PlanAsync(sample, branchPush)).Tag);
        var bad = await Assert.ThrowsAsync<LabException>(() => PlanAsync(sample, tag: "v1 beta"));
        Assert.Contains("not a valid git tag", bad.Message);
        await Assert.ThrowsAsync<LabException>(() => PlanAsync(sample, tag: "v1..2"));
    }

    [Fact]
    public async Task A_run_without_kernel_artifact_lists_the_kernel_files_as_not_available_without_blocking()
    {
        using var sample = SampleRun.Create(kernel: false);

        var plan = await PlanAsync(sample);

        Assert.Equal(["REPORT.md", "results.tar.gz", "SHA256SUMS"], plan.Assets.Select(a => a.Name));
        Assert.Equal(7, plan.Unavailable.Count);
        Assert.Empty(plan.Blocking);
        Assert.Contains("Not in this release:", plan.Body);
    }

    [Fact]
    public async Task Missing_cached_kernel_files_of_a_run_that_used_them_block_publishing()
    {
        using var sample = SampleRun.Create(kernel: true, kernelArtifacts: false);

        var plan = await PlanAsync(sample);

        // The configs come from the run directory; the Images and metadata only exist in the cache.
        Assert.Equal(
            ["kernel-host.Image", "kernel-guest.Image", "kernel-host.metadata.json", "kernel-guest.metadata.json"],
            plan.Blocking.Select(b => b.Name));
        Assert.Contains(plan.Assets, a => a.Name == "kernel-host.config");
    }

    [Fact]
    public async Task The_dry_run_description_shows_each_asset_with_its_sha256_and_what_is_missing_but_never_the_token()
    {
        using var sample = SampleRun.Create(kernel: false);
        var plan = await PlanAsync(sample, tag: "v1.0.0");
        var output = new StringWriter();

        plan.Describe(output, new GitHubToken("ghp_secretvalue"));

        var text = output.ToString();
        Assert.Contains("release     v1.0.0", text);
        Assert.Contains("repository  vmlab-org/vmlab", text);
        Assert.Contains("GITHUB_TOKEN is set", text);
        Assert.DoesNotContain("ghp_secretvalue", text);
        foreach (var asset in plan.Assets)
        {
            Assert.Contains($"  {asset.Sha256}  {asset.Name}", text);
        }

        Assert.Contains("not available (7):", text);
        Assert.Contains("  | | Q1 SMP vs UP | SMP faster (p = 0.003) |", text);
    }
}

public sealed class TarballTests
{
    internal static async Task<List<string>> EntryNamesAsync(string tarball) => [.. (await EntriesAsync(tarball)).Select(e => e.Name)];

    private static async Task<List<(string Name, TarEntryType Type, UnixFileMode Mode, int Uid, int Gid, string User, string Group, DateTimeOffset MTime, TarEntryFormat Format)>> EntriesAsync(string tarball)
    {
        var entries = new List<(string, TarEntryType, UnixFileMode, int, int, string, string, DateTimeOffset, TarEntryFormat)>();
        await using var file = File.OpenRead(tarball);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        await using var reader = new TarReader(gzip);
        while (await reader.GetNextEntryAsync(cancellationToken: TestContext.Current.CancellationToken) is { } e)
        {
            var posix = (PosixTarEntry)e;
            entries.Add((e.Name, e.EntryType, e.Mode, e.Uid, e.Gid, posix.UserName, posix.GroupName, e.ModificationTime, e.Format));
        }

        return entries;
    }

    [Fact]
    public async Task Building_twice_gives_the_same_bytes_whatever_the_files_mtimes_modes_and_creation_order()
    {
        var ct = TestContext.Current.CancellationToken;
        using var a = SampleRun.Create();
        var first = Path.Combine(a.Root, "first.tar.gz");
        await DeterministicTarball.WriteAsync(a.RunDirectory, "run", first, ct);

        // Same content, different history: new mtimes, an executable bit, files re-created in another order.
        File.SetLastWriteTimeUtc(a.PathOf("results.json"), new DateTime(2031, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(a.PathOf("manifest.json"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var report = File.ReadAllBytes(a.PathOf("REPORT.md"));
        File.Delete(a.PathOf("REPORT.md"));
        File.WriteAllBytes(a.PathOf("REPORT.md"), report);
        var second = Path.Combine(a.Root, "second.tar.gz");
        await DeterministicTarball.WriteAsync(a.RunDirectory, "run", second, ct);

        Assert.Equal(Hashing.Sha256OfFile(first), Hashing.Sha256OfFile(second));

        // And it does depend on content: one changed byte, another archive.
        a.Write("raw/baseline/hackbench/1.txt", "Running with 50*40 (== 2000) tasks.\nTime: 120.623\n");
        var third = Path.Combine(a.Root, "third.tar.gz");
        await DeterministicTarball.WriteAsync(a.RunDirectory, "run", third, ct);
        Assert.NotEqual(Hashing.Sha256OfFile(first), Hashing.Sha256OfFile(third));
    }

    [Fact]
    public async Task A_lock_or_a_temporary_file_in_the_run_directory_does_not_reach_the_archive()
    {
        // .tmp and .lock files ended up inside results.tar.gz (issue 16, item 8).
        var ct = TestContext.Current.CancellationToken;
        using var a = SampleRun.Create();
        var clean = Path.Combine(a.Root, "clean.tar.gz");
        await DeterministicTarball.WriteAsync(a.RunDirectory, "run", clean, ct);
        a.Write(".lock", "123");
        a.Write(".lock.holder", "123 2026-11-29T05:00:00Z\n");
        a.Write(".units.json.123.abcdef.tmp", "{");
        a.Write("raw/baseline/.1.txt.9.ff.tmp", "half");

        var busy = Path.Combine(a.Root, "busy.tar.gz");
        await DeterministicTarball.WriteAsync(a.RunDirectory, "run", busy, ct);

        Assert.Equal(Hashing.Sha256OfFile(clean), Hashing.Sha256OfFile(busy));
    }

    [Fact]
    public async Task Entries_are_sorted_ustar_owned_by_root_with_fixed_mtime_and_modes_behind_a_timestampless_gzip_header()
    {
        var ct = TestContext.Current.CancellationToken;
        using var sample = SampleRun.Create();
        sample.Write("Zeta.txt", "upper case sorts first in ordinal order");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(sample.PathOf("results.json"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var path = Path.Combine(sample.Root, "run.tar.gz");

        await DeterministicTarball.WriteAsync(sample.RunDirectory, "r", path, ct);

        var entries = await EntriesAsync(path);
        Assert.Equal(
            ["r/", "r/REPORT.md", "r/Zeta.txt", "r/kernel/", "r/kernel/config.diff", "r/kernel/guest.config", "r/kernel/host.config",
             "r/manifest.json", "r/raw/", "r/raw/baseline/", "r/raw/baseline/console-1.log", "r/raw/baseline/hackbench/",
             "r/raw/baseline/hackbench/1.txt", "r/raw/guest-up/", "r/raw/guest-up/hackbench/", "r/raw/guest-up/hackbench/1.txt", "r/results.json"],
            entries.Select(e => e.Name));
        Assert.All(entries, e =>
        {
            Assert.Equal(TarEntryFormat.Ustar, e.Format);
            Assert.Equal((0, 0, "", ""), (e.Uid, e.Gid, e.User, e.Group));
            Assert.Equal(DateTimeOffset.UnixEpoch, e.MTime);
            Assert.Equal(e.Type == TarEntryType.Directory ? DeterministicTarball.DirectoryEntryMode : DeterministicTarball.FileEntryMode, e.Mode);
        });

        var header = new byte[10];
        await using (var file = File.OpenRead(path))
        {
            await file.ReadExactlyAsync(header, ct);
        }

        Assert.Equal(new byte[] { 0x1f, 0x8b, 8 }, header[..3]);
        Assert.Equal(new byte[4], header[4..8]); // MTIME = 0: "no time stamp available" (RFC 1952)
        Assert.Equal(255, header[9]); // OS = unknown, the same on every build machine
    }

    [Fact]
    public async Task A_symbolic_link_in_the_run_directory_is_refused()
    {
        using var sample = SampleRun.Create();
        File.CreateSymbolicLink(sample.PathOf("latest.txt"), sample.PathOf("results.json"));

        var error = await Assert.ThrowsAsync<LabException>(() =>
            DeterministicTarball.WriteAsync(sample.RunDirectory, "r", Path.Combine(sample.Root, "x.tar.gz"), TestContext.Current.CancellationToken));

        Assert.Contains("latest.txt is a symbolic link", error.Message);
        Assert.False(File.Exists(Path.Combine(sample.Root, "x.tar.gz")));
    }
}

public sealed class ReportSummaryTests
{
    [Fact]
    public void The_summary_is_the_text_between_the_markers_with_line_endings_normalised()
    {
        var report = "# R\r\n\r\n<!-- vmlab:summary:start -->\r\n\r\n**SMP faster**\r\n| a |\r\n\r\n<!-- vmlab:summary:end -->\r\n## Details\r\n";

        Assert.Equal("**SMP faster**\n| a |", ReportSummary.Extract(report, "REPORT.md"));
    }

    [Theory]
    [InlineData("# no markers", "no summary section")]
    [InlineData("<!-- vmlab:summary:end --> x <!-- vmlab:summary:start -->", "once each, start before end")]
    [InlineData("<!-- vmlab:summary:start --> a <!-- vmlab:summary:end --><!-- vmlab:summary:start --> b <!-- vmlab:summary:end -->", "once each")]
    [InlineData("<!-- vmlab:summary:start -->\n\n<!-- vmlab:summary:end -->", "empty")]
    public void A_report_without_one_well_formed_summary_is_refused(string report, string expected)
    {
        var error = Assert.Throws<LabException>(() => ReportSummary.Extract(report, "REPORT.md"));

        Assert.Contains(expected, error.Message);
    }
}

public sealed class ReleaseRunTests
{
    [Fact]
    public async Task The_manifest_names_the_profile_and_kernel_key()
    {
        using var sample = SampleRun.Create();

        var run = await ReleaseRun.LoadAsync(sample.RunDirectory + "/", TestContext.Current.CancellationToken);

        Assert.Equal(("2026-11-25-quick", "quick", SampleRun.KernelKey), (run.RunId, run.Profile, run.KernelKey));
    }

    [Theory]
    [InlineData("""{"kernel":null}""", null)]
    [InlineData("""{"kernel":{"version":"5.15"}}""", null)]
    [InlineData("""{"profile":{"name":"smoke"},"kernel":{"key":"abc"}}""", "abc")]
    [InlineData("""{"artifacts":[{"name":"rootfs/host.img","key":"r1"},{"name":"kernel/host/Image","key":"bd2bb5d4e5dec24d"}]}""", "bd2bb5d4e5dec24d")]
    [InlineData("""{"artifacts":[]}""", null)]
    public async Task A_kernel_key_is_optional(string manifest, string? key)
    {
        using var sample = SampleRun.Create();
        sample.Write("manifest.json", manifest);

        var run = await ReleaseRun.LoadAsync(sample.RunDirectory, TestContext.Current.CancellationToken);

        Assert.Equal(key, run.KernelKey);
    }

    [Theory]
    [InlineData("""{"kernel":{"key":"../../etc"}}""", "kernel.key must be")]
    [InlineData("""{"kernel":"abc"}""", "kernel.key must be")]
    [InlineData("""{"artifacts":[{"name":"kernel/host/Image","key":"../x"}]}""", "must be the kernel artifact key")]
    [InlineData("""{"kernel":""", "not valid JSON")]
    public async Task A_malformed_manifest_is_refused_with_the_reason(string manifest, string expected)
    {
        using var sample = SampleRun.Create();
        sample.Write("manifest.json", manifest);

        var error = await Assert.ThrowsAsync<LabException>(() => ReleaseRun.LoadAsync(sample.RunDirectory, TestContext.Current.CancellationToken));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task A_run_without_report_or_manifest_says_what_to_do()
    {
        using var sample = SampleRun.Create();
        File.Delete(sample.PathOf("REPORT.md"));
        var noReport = await Assert.ThrowsAsync<LabException>(() => ReleaseRun.LoadAsync(sample.RunDirectory, TestContext.Current.CancellationToken));
        Assert.Contains("has no REPORT.md", noReport.Message);

        File.Delete(sample.PathOf("manifest.json"));
        var noManifest = await Assert.ThrowsAsync<LabException>(() => ReleaseRun.LoadAsync(sample.RunDirectory, TestContext.Current.CancellationToken));
        Assert.Contains("has no manifest.json", noManifest.Message);
        Assert.NotNull(noManifest.Next);
    }
}
