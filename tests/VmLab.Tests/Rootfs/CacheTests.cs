using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.Json;
using VmLab.Rootfs;

namespace VmLab.Tests.Rootfs;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CacheTests
{
    private static readonly SourceUse NoUnixBench = new("UnixBench 5.1.3", SourceStatus.Unavailable, "mirrors skipped: VMLAB_OFFLINE is set", null);

    /// <summary>Puts a finished image (image file + metadata.json, as the builder leaves them) into the cache.</summary>
    private static void PutCached(ImagePlan image, VmLab.Common.RepoPaths paths, byte[] content)
    {
        Directory.CreateDirectory(image.Directory(paths));
        File.WriteAllBytes(image.ImageFile(paths), content);
        var metadata = new ImageMetadata(
            image.Recipe.Name, image.Recipe.Layer, image.Key.ToString(), image.Key.Inputs, image.Recipe, "http://deb.debian.org/debian", 1700000000, "root",
            [image.UnixBench, image.DocumentSet], "sha", content.Length, 1, 1, 1, [], [new InstalledPackage("netperf", "2.7.0-0.1", "arm64")],
            new ImageDurations(1, 1, 1, 3), "2026-11-25T00:00:00Z", ["mmdebstrap …"]);
        File.WriteAllText(image.MetadataFile(paths), JsonSerializer.Serialize(metadata, RootfsJson.Options));
    }

    [Fact]
    public async Task With_every_image_cached_a_build_only_links_the_set_and_declares_the_substitutions()
    {
        var paths = RootfsTestTree.Repo with { Artifacts = Directory.CreateTempSubdirectory("vmlab-cache-").FullName };
        var plan = RootfsPlan.Create(RootfsDefinition.Load(RootfsTestTree.RealDirectory), NoUnixBench);
        PutCached(plan.Images[0], paths, [1, 2, 3]);
        PutCached(plan.Images[1], paths, [4, 5]);
        var output = new StringWriter();

        var clock = Stopwatch.StartNew();
        var set = await new RootfsBuilder(paths, output).BuildAsync(plan, force: false, TestContext.Current.CancellationToken);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal(plan.SetDirectory(paths), set);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(Path.Combine(set, "guest.img")));
        Assert.Equal([4, 5], File.ReadAllBytes(Path.Combine(set, "host.img")));
        File.AppendAllText(plan.Images[0].ImageFile(paths), "!"); // a hard link, not a copy: one file, two names
        Assert.Equal(4, new FileInfo(Path.Combine(set, "guest.img")).Length);
        var text = output.ToString();
        Assert.Contains("guest: cached", text);
        Assert.Contains("host: cached", text);
        Assert.DoesNotContain("mmdebstrap", text);
        Assert.Contains("declared: UnixBench 5.1.3: source unavailable (mirrors skipped: VMLAB_OFFLINE is set)", text);

        var metadata = JsonSerializer.Deserialize<RootfsSetMetadata>(File.ReadAllText(Path.Combine(set, "metadata.json")), RootfsJson.Options)!;
        Assert.Equal(plan.SetKey.ToString(), metadata.Key);
        Assert.Equal(["guest", "host"], metadata.Images.Select(i => i.Name));
        Assert.Equal(2, metadata.Substitutions.Length);
        Assert.StartsWith("Apache document set: substituted (the gcc 4.4.7 HTML manual", metadata.Substitutions[1]);
    }

    [Fact]
    public void An_image_without_its_metadata_is_not_cached_because_metadata_is_written_last()
    {
        var paths = RootfsTestTree.Repo with { Artifacts = Directory.CreateTempSubdirectory("vmlab-cache-").FullName };
        var image = RootfsPlan.Create(RootfsDefinition.Load(RootfsTestTree.RealDirectory), NoUnixBench).Images[0];
        Directory.CreateDirectory(image.Directory(paths));
        File.WriteAllBytes(image.ImageFile(paths), [1]);

        Assert.False(image.IsBuilt(paths));
        PutCached(image, paths, [1]);
        Assert.True(image.IsBuilt(paths));
    }
}
