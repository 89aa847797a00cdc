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

    [Fact]
    public async Task Without_network_or_a_local_file_UnixBench_is_declared_unavailable_with_the_reason()
    {
        var use = await SourceUse.ResolveUnixBenchAsync(Pin, TempArtifacts(), local: null, mayDownload: false, onLine: null, TestContext.Current.CancellationToken);

        Assert.Equal("unavailable", use.Status);
        Assert.Null(use.Sha256);
        Assert.StartsWith("UnixBench 5.1.3: source unavailable (", use.Summary);
        Assert.Contains("--unixbench FILE --unixbench-sha256 HEX", use.Detail);
    }

    [Fact]
    public async Task A_local_tarball_is_used_checked_and_recorded_as_a_substitution()
    {
        var paths = TempArtifacts();
        var tarball = Path.Combine(paths.Artifacts, "UnixBench5.1.3.tgz");
        File.WriteAllBytes(tarball, [1, 2, 3]);
        var sha = Hashing.Sha256OfFile(tarball);

        var use = await SourceUse.ResolveUnixBenchAsync(Pin, paths, new LocalSource(tarball, sha), mayDownload: false, onLine: null, TestContext.Current.CancellationToken);

        Assert.Equal("substituted", use.Status);
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
}
