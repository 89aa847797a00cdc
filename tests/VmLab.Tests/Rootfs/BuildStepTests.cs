using VmLab.Common;
using VmLab.Rootfs;
using VmLab.Sources;

namespace VmLab.Tests.Rootfs;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BuildStepTests
{
    [Fact]
    public void The_mmdebstrap_command_line_says_arm64_the_recipe_and_the_hooks()
    {
        var recipe = RootfsDefinition.Load(RootfsTestTree.RealDirectory).Recipe("host");
        var command = new MmdebstrapCommand(recipe, "http://deb.debian.org/debian", 1700000000, DebootstrapMode.Unshare, "/w/tree", "/w/staging", "/r/customize.sh", "/w/out");

        var args = command.Arguments;

        Assert.Equal(["--mode=unshare", "--arch=arm64", "--variant=apt", "--components=main,non-free"], args.Take(4));
        Assert.Equal("--include=" + string.Join(',', recipe.Packages), args[4]);
        Assert.Contains("--customize-hook=sync-in /w/staging /", args);
        Assert.Contains("--customize-hook=sh /r/customize.sh \"$1\" /w/out", args);
        Assert.Equal(["bookworm", "/w/tree", "http://deb.debian.org/debian"], args.TakeLast(3));
        Assert.Equal("1700000000", command.Environment["SOURCE_DATE_EPOCH"]);
        Assert.StartsWith("SOURCE_DATE_EPOCH=1700000000 mmdebstrap --mode=unshare --arch=arm64 ", command.ToString());
        Assert.Contains(" '--aptopt=APT::Install-Recommends \"false\"' ", command.ToString());
    }

    [Fact]
    public void The_filesystem_uuid_comes_from_the_key_so_equal_inputs_give_equal_images()
    {
        var a = RootfsBuilder.UuidOf(new ContentKey().Add("recipe", "x"));
        var b = RootfsBuilder.UuidOf(new ContentKey().Add("recipe", "x"));
        var c = RootfsBuilder.UuidOf(new ContentKey().Add("recipe", "y"));

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        var mkfs = new Mkfs4Command("/t", "/i.img", 3L << 30, 100000, a, 1700000000, DebootstrapMode.Root);
        Assert.Equal($"E2FSPROGS_FAKE_TIME=1700000000 mkfs.ext4 -q -F -t ext4 -L vmlabroot -U {a} -N 100000 -E root_owner=0:0,hash_seed={a} -d /t /i.img 3145728k", mkfs.ToString());
    }

    [Fact]
    public void Package_and_check_lists_from_the_hook_are_read_back()
    {
        var dir = Directory.CreateTempSubdirectory("vmlab-hook-").FullName;
        File.WriteAllText(Path.Combine(dir, "checks.tsv"), "0\thackbench --help\n127\tab -V\n");
        File.WriteAllText(Path.Combine(dir, "check-1.log"), "Usage: hackbench [-p|--pipe]\n");
        File.WriteAllText(Path.Combine(dir, "check-2.log"), "/bin/sh: 1: ab: not found\n");

        var checks = CheckResult.ParseList(dir);
        var packages = InstalledPackage.ParseList("netperf\t2.7.0-0.1\tarm64\nbash\t5.2.15-2+b2\tarm64\n");

        Assert.Equal([new CheckResult("hackbench --help", 0, "Usage: hackbench [-p|--pipe]"), new CheckResult("ab -V", 127, "/bin/sh: 1: ab: not found")], checks);
        Assert.Equal([new InstalledPackage("bash", "5.2.15-2+b2", "arm64"), new InstalledPackage("netperf", "2.7.0-0.1", "arm64")], packages);
    }

    [Fact]
    public void Removing_a_work_tree_deletes_links_not_what_they_point_to()
    {
        // A root filesystem is full of absolute links (/etc/alternatives/*, /lib → usr/lib): deleting the
        // tree must never reach the build machine's own files through them.
        var outside = Directory.CreateTempSubdirectory("vmlab-outside-").FullName;
        File.WriteAllText(Path.Combine(outside, "precious"), "keep");
        var tree = Directory.CreateTempSubdirectory("vmlab-tree-").FullName;
        Directory.CreateDirectory(Path.Combine(tree, "etc", "alternatives"));
        Directory.CreateSymbolicLink(Path.Combine(tree, "etc", "alternatives", "dir"), outside);
        File.CreateSymbolicLink(Path.Combine(tree, "etc", "alternatives", "file"), Path.Combine(outside, "precious"));

        RootfsBuilder.RemoveTree(tree);

        Assert.False(Directory.Exists(tree));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(outside, "precious")));
    }

    [Fact]
    public void Removing_a_work_tree_refuses_while_something_is_mounted_inside_it()
    {
        // /proc is always mounted: the guard must see it inside "/" and refuse, without deleting anything.
        var ex = Assert.Throws<LabException>(() => RootfsBuilder.RemoveTree("/proc/.."));

        Assert.Contains("still mounted inside it", ex.Message);
        Assert.StartsWith("umount -R ", ex.Next);
    }
}

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UnixBenchSourceTests
{
    private static PinnedSource Pin => RootfsDefinition.Load(RootfsTestTree.RealDirectory).Sources.Unixbench;

    private static RepoPaths TempArtifacts() => RootfsTestTree.Repo with { Artifacts = Directory.CreateTempSubdirectory("vmlab-art-").FullName };

    /// <summary>A checkout with no <c>../shared/third_party/</c> beside it (as on CI): its own folder as the root.</summary>
    private static RepoPaths ElsewhereWithoutShared()
    {
        var root = Directory.CreateTempSubdirectory("vmlab-repo-").FullName;
        return new RepoPaths(Path.Combine(root, "repo")) { Artifacts = Path.Combine(root, "artifacts") };
    }

    [Fact]
    public async Task Without_network_a_local_file_or_the_shared_copy_UnixBench_is_declared_unavailable_with_the_reason()
    {
        var use = await SourceUse.ResolveUnixBenchAsync(Pin, ElsewhereWithoutShared(), local: null, mayDownload: false, onLine: null, TestContext.Current.CancellationToken);

        Assert.Equal(SourceStatus.Unavailable, use.Status);
        Assert.Null(use.Sha256);
        Assert.StartsWith("UnixBench 5.1.3: source unavailable (", use.Summary);
        Assert.Contains("--unixbench FILE --unixbench-sha256 HEX", use.Detail);
        Assert.Contains("local copy: ", use.Detail);
        Assert.Contains("shared/third_party/byte-unixbench-5.1.3.tar.gz not found", use.Detail);
    }

    [Fact]
    public void The_pin_keeps_GitHubs_archive_and_declares_the_shared_git_archive_by_its_own_sha256()
    {
        Assert.Equal("3a6bb00f270a5329682dff20fd2c1ab5332ef046eb54a96a0d7bd371005d31a3", Pin.Sha256);
        Assert.Equal(new Uri("https://github.com/kdlucas/byte-unixbench/archive/v5.1.3.tar.gz"), Pin.Urls[0]);
        Assert.IsType<LocalFileFallback>(Pin.Fallbacks[0]);
        var copy = Assert.IsType<LocalCopyFallback>(Pin.Fallbacks[1]);
        Assert.Equal("../shared/third_party/byte-unixbench-5.1.3.tar.gz", copy.Path);
        Assert.Equal("3e1c44ed8d5d610d00217ed0366ad009bfb969b449ac7ca32d12204b275cc078", copy.Sha256);
    }

    [Fact]
    public async Task The_shared_copy_is_used_verified_and_declared_as_a_substitution_when_it_is_there()
    {
        // The repository root is <tmp>/repo, so ../shared/third_party/ is <tmp>/shared/third_party/.
        var paths = ElsewhereWithoutShared();
        var third = Directory.CreateDirectory(Path.Combine(paths.Root, "..", "shared", "third_party")).FullName;
        var file = Path.Combine(third, "byte-unixbench-5.1.3.tar.gz");
        File.WriteAllBytes(file, [4, 5, 6]);
        var sha = Hashing.Sha256OfFile(file);
        var pin = Pin with { Fallbacks = [Pin.Fallbacks[0], (LocalCopyFallback)Pin.Fallbacks[1] with { Sha256 = sha }] };

        var use = await SourceUse.ResolveUnixBenchAsync(pin, paths, local: null, mayDownload: false, onLine: null, TestContext.Current.CancellationToken);

        Assert.Equal(SourceStatus.Substituted, use.Status);
        Assert.Equal(sha, use.Sha256);
        Assert.Equal(Path.GetFullPath(file), use.LocalPath);
        // Recorded as declared, relative to the repository: two machines write the same text (issue 26, item 21).
        Assert.StartsWith("UnixBench 5.1.3: substituted (the declared local copy ../shared/third_party/byte-unixbench-5.1.3.tar.gz instead of byte-unixbench-5.1.3.tar.gz (sha256 3a6bb00f", use.Summary);
        Assert.Contains("git archive of tag v5.1.3", use.Detail);
        Assert.Contains("local file: not given", use.Detail);
    }

    [Fact]
    public async Task A_shared_copy_whose_sha256_differs_from_the_declared_one_stops_the_build()
    {
        var paths = ElsewhereWithoutShared();
        var third = Directory.CreateDirectory(Path.Combine(paths.Root, "..", "shared", "third_party")).FullName;
        File.WriteAllBytes(Path.Combine(third, "byte-unixbench-5.1.3.tar.gz"), [4, 5, 6]);

        var error = await Assert.ThrowsAsync<LabException>(() =>
            SourceUse.ResolveUnixBenchAsync(Pin, paths, local: null, mayDownload: false, onLine: null, TestContext.Current.CancellationToken));

        Assert.Contains("3e1c44ed8d5d610d00217ed0366ad009bfb969b449ac7ca32d12204b275cc078 is declared for it; it was not used", error.Message);
    }

    [Fact]
    public async Task The_users_file_wins_over_the_shared_copy()
    {
        var paths = TempArtifacts();
        var tarball = Path.Combine(paths.Artifacts, "mine.tgz");
        File.WriteAllBytes(tarball, [7, 8, 9]);
        var sha = Hashing.Sha256OfFile(tarball);

        var use = await SourceUse.ResolveUnixBenchAsync(Pin, paths, new LocalSource(tarball, sha), mayDownload: false, onLine: null, TestContext.Current.CancellationToken);

        Assert.Equal(Path.GetFullPath(tarball), use.LocalPath);
        Assert.StartsWith("the user's file ", use.Detail);
    }

    [Fact]
    public async Task A_local_tarball_is_used_checked_and_recorded_as_a_substitution()
    {
        var paths = TempArtifacts();
        var tarball = Path.Combine(paths.Artifacts, "UnixBench5.1.3.tgz");
        File.WriteAllBytes(tarball, [1, 2, 3]);
        var sha = Hashing.Sha256OfFile(tarball);

        var use = await SourceUse.ResolveUnixBenchAsync(Pin, paths, new LocalSource(tarball, sha), mayDownload: false, onLine: null, TestContext.Current.CancellationToken);

        Assert.Equal(SourceStatus.Substituted, use.Status);
        Assert.Equal(sha, use.Sha256);
        Assert.Equal(Path.GetFullPath(tarball), use.LocalPath);
    }

    [Fact]
    public async Task A_local_tarball_with_another_hash_than_vouched_for_stops_the_build()
    {
        var paths = TempArtifacts();
        var tarball = Path.Combine(paths.Artifacts, "UnixBench5.1.3.tgz");
        File.WriteAllBytes(tarball, [1, 2, 3]);

        await Assert.ThrowsAsync<LabException>(() =>
            SourceUse.ResolveUnixBenchAsync(Pin, paths, new LocalSource(tarball, new string('0', 64)), mayDownload: false, onLine: null, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void The_metadata_is_stamped_by_the_given_clock_to_the_second_in_UTC()
    {
        var time = new FixedTime(new DateTimeOffset(2026, 11, 29, 10, 5, 7, 900, TimeSpan.FromHours(2)));

        Assert.Equal("2026-11-29T08:05:07Z", RootfsJson.BuiltAtUtc(time));
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
