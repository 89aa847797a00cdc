using System.Text.Json.Nodes;
using VmLab.Common;
using VmLab.Kernel;
using VmLab.Lab.Artifacts;
using VmLab.Rootfs;
using VmLab.Sources;

namespace VmLab.Tests.Lab;

/// <summary>
/// A lab run boots exactly the current stage keys (issue 25, item 5): never the newest folder, never a stale one a
/// restored cache brought along; the keys come from the stages' own key functions.
/// </summary>
public sealed class LabArtifactsTests
{
    private static readonly string Repo = RepoPaths.Find(AppContext.BaseDirectory).Root;

    private static readonly StageKeys Keys = new(
        new KernelKeyResolution("kcurrent", "s", null, null),
        new Dictionary<string, string> { ["host"] = "hcurrent", ["guest"] = "gcurrent" }, "setcurrent", "client", "cache");

    private static RepoPaths EmptyArtifacts() =>
        new("/nonexistent-repo") { Artifacts = Directory.CreateTempSubdirectory("vmlab-artifacts-").FullName };

    private static void Touch(string path, DateTime? time = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, path);
        File.SetLastWriteTimeUtc(path, time ?? DateTime.UtcNow);
        Directory.SetLastWriteTimeUtc(Path.GetDirectoryName(path)!, time ?? DateTime.UtcNow);
    }

    private static void Kernel(RepoPaths paths, string key, DateTime? time = null)
    {
        Touch(Path.Combine(paths.Artifacts, "kernel", key, "host", "Image"), time);
        Touch(Path.Combine(paths.Artifacts, "kernel", key, "guest", "Image"), time);
    }

    private static void Image(RepoPaths paths, string name, string key, DateTime? time = null)
    {
        Touch(Path.Combine(paths.Artifacts, "rootfs", "images", name, key, name + ".img"), time);
        Touch(Path.Combine(paths.Artifacts, "rootfs", "images", name, key, "metadata.json"), time);
    }

    [Fact]
    public void The_current_keys_are_booted_even_when_other_keys_are_newer()
    {
        var paths = EmptyArtifacts();
        var old = DateTime.UtcNow.AddDays(-3);
        Kernel(paths, "kcurrent", old);
        Image(paths, "host", "hcurrent", old);
        Image(paths, "guest", "gcurrent", old);
        // What a restore-keys match of an older (or another branch's) cache leaves beside them, newer on disk.
        Kernel(paths, "kstale");
        Image(paths, "host", "hstale");
        Image(paths, "guest", "gstale");

        var found = LabArtifacts.Locate(paths, Keys, kernbenchSource: "none");

        Assert.EndsWith("kernel/kcurrent/host/Image", found.HostKernel);
        Assert.EndsWith("kernel/kcurrent/guest/Image", found.GuestKernel);
        Assert.EndsWith("images/host/hcurrent/host.img", found.HostImage);
        Assert.EndsWith("images/guest/gcurrent/guest.img", found.GuestImage);
        Assert.Null(found.KernbenchSource);
    }

    [Fact]
    public void Only_stale_artifacts_are_refused_naming_the_current_key_the_others_and_the_target_that_builds_it()
    {
        var paths = EmptyArtifacts();
        Kernel(paths, "kstale");
        Image(paths, "host", "hcurrent");
        Image(paths, "guest", "gcurrent");

        var kernel = Assert.Throws<LabException>(() => LabArtifacts.Locate(paths, Keys));
        Assert.Contains("current key kcurrent", kernel.Message);
        Assert.Contains("other keys (kstale)", kernel.Message);
        Assert.Contains("--target=Kernel", kernel.Next);

        Kernel(paths, "kcurrent");
        Directory.Delete(Path.Combine(paths.Artifacts, "rootfs", "images", "host", "hcurrent"), recursive: true);
        Image(paths, "host", "hstale");
        var image = Assert.Throws<LabException>(() => LabArtifacts.Locate(paths, Keys));
        Assert.Contains("host.img of the current key hcurrent", image.Message);
        Assert.Contains("--target=Rootfs", image.Next);
    }

    [Fact]
    public void An_unknown_kernel_key_is_refused_with_the_reason()
    {
        var paths = EmptyArtifacts();
        Kernel(paths, "kstale");
        var keys = Keys with { Kernel = new KernelKeyResolution(null, null, null, "no kernel source in downloads") };

        var error = Assert.Throws<LabException>(() => LabArtifacts.Locate(paths, keys));

        Assert.Contains("cannot be computed: no kernel source in downloads", error.Message);
        Assert.Contains("--kernel-dir", error.Next);
    }

    [Fact]
    public void Prune_deletes_other_keys_of_the_cached_stages_and_keeps_the_current_ones_and_work()
    {
        var paths = EmptyArtifacts();
        Kernel(paths, "kcurrent");
        Kernel(paths, "kstale");
        Image(paths, "host", "hcurrent");
        Image(paths, "host", "hstale");
        Image(paths, "guest", "gcurrent");
        Touch(Path.Combine(paths.Artifacts, "rootfs", "setcurrent", "metadata.json"));
        Touch(Path.Combine(paths.Artifacts, "rootfs", "setstale", "metadata.json"));
        Touch(Path.Combine(paths.Artifacts, "rootfs", "work", "host-x", "tree", "etc", "hostname"));
        Touch(Path.Combine(paths.Artifacts, "downloads", "abc-linux.tar.xz"));

        Assert.Equal(3, Keys.Prune(paths, dryRun: true).Count);
        Assert.True(Directory.Exists(Path.Combine(paths.Artifacts, "kernel", "kstale")));
        var deleted = Keys.Prune(paths, dryRun: false).Select(d => Path.GetRelativePath(paths.Artifacts, d));

        Assert.Equal(["kernel/kstale", "rootfs/images/host/hstale", "rootfs/setstale"], deleted.Order(StringComparer.Ordinal));
        Assert.NotNull(LabArtifacts.Locate(paths, Keys, kernbenchSource: "none"));
        Assert.True(Directory.Exists(Path.Combine(paths.Artifacts, "rootfs", "work")));
        Assert.True(File.Exists(Path.Combine(paths.Artifacts, "downloads", "abc-linux.tar.xz")));

        // A kernel key that cannot be computed deletes no kernel.
        Kernel(paths, "kstale");
        var unknown = Keys with { Kernel = new KernelKeyResolution(null, null, null, "unknown") };
        Assert.Empty(unknown.Prune(paths, dryRun: false));
        Assert.True(Directory.Exists(Path.Combine(paths.Artifacts, "kernel", "kstale")));
    }

    /// <summary>A checkout with the repository's kernel/ and rootfs/ (to change inputs) and an empty artifacts/.</summary>
    private static RepoPaths CopyOfInputs()
    {
        var root = Directory.CreateTempSubdirectory("vmlab-inputs-").FullName;
        foreach (var folder in new[] { "kernel", "rootfs" })
        {
            foreach (var file in Directory.GetFiles(Path.Combine(Repo, folder), "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(root, Path.GetRelativePath(Repo, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }

        return new RepoPaths(root);
    }

    private static readonly Toolchain Tools = new("aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0", "GNU ld 2.40", "GNU Make 4.3", null);

    [Fact]
    public void The_cache_key_changes_with_every_input_of_a_cached_stage_key_and_only_then()
    {
        var paths = CopyOfInputs();
        string Key(Toolchain? tools = null, KernelBase kernelBase = KernelBase.Allnoconfig) =>
            StageKeys.CacheKeyOf(paths, kernelBase, tools ?? Tools, RootfsDefinition.Load(paths.RootfsDir));
        var first = Key();

        Assert.Equal(first, Key());
        Assert.NotEqual(first, Key(Tools with { Gcc = "aarch64-linux-gnu-gcc (Debian 12.2.0-15) 12.2.0" })); // an apt upgrade
        Assert.NotEqual(first, Key(kernelBase: KernelBase.Defconfig));
        Assert.Equal(first, Key(Tools with { Ccache = "ccache 4.8" })); // ccache is no input of the kernel key
        File.AppendAllText(Path.Combine(paths.KernelDir, "config", "guest.config"), "# CONFIG_EXAMPLE is not set\n");
        var fragment = Key();
        Assert.NotEqual(first, fragment);
        File.AppendAllText(Path.Combine(paths.RootfsDir, "customize.sh"), "\n");
        Assert.NotEqual(fragment, Key());
    }

    [Fact]
    public async Task The_current_kernel_key_is_the_one_the_kernel_stage_computes_for_the_source_it_fetched()
    {
        var paths = CopyOfInputs();
        var ct = TestContext.Current.CancellationToken;
        var tarball = Path.Combine(paths.Root, "linux-local.tar.xz");
        File.WriteAllText(tarball, "a kernel tarball");
        var sha = Hashing.Sha256OfFile(tarball);
        var local = new LocalSource(tarball, sha);

        // Nothing built from it yet: the key cannot be known, and the reason says so.
        var none = await KernelKey.CurrentAsync(paths, KernelBase.Allnoconfig, local, Tools, ct);
        Assert.Null(none.Key);
        Assert.Contains("no kernel was built here from the source", none.Problem);

        // A build of that source recorded its environment (a function of the source); the key follows from it.
        var environment = new ReproducibleEnvironment(new DateTimeOffset(2025, 11, 20, 8, 0, 0, TimeSpan.Zero), "/src");
        var (lab, host, guest) = KernelKey.Fragments(paths);
        var expected = KernelPipeline.Key(sha, KernelBase.Allnoconfig, [.. lab, host, guest], Tools, environment).ToString();
        var metadata = Path.Combine(paths.Artifacts, "kernel", "other", "host", "metadata.json");
        Directory.CreateDirectory(Path.GetDirectoryName(metadata)!);
        // A real build's metadata.json (its shape: one flat object), with this source and environment as its key inputs.
        var built = JsonNode.Parse(File.ReadAllText(Fixture.Path("artifacts", "kernel-host-metadata.json")))!;
        built["keyInputs"]!["source.sha256"] = sha;
        built["keyInputs"]!["environment"] = environment.KeyText;
        File.WriteAllText(metadata, built.ToJsonString());

        var current = await KernelKey.CurrentAsync(paths, KernelBase.Allnoconfig, local, Tools, ct);

        Assert.Equal(expected, current.Key);
        Assert.Equal(tarball, current.SourcePath);
        Assert.NotEqual(expected, (await KernelKey.CurrentAsync(paths, KernelBase.Defconfig, local, Tools, ct)).Key);
    }
}
