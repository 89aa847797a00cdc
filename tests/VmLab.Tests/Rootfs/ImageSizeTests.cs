using CliWrap;
using CliWrap.Buffered;
using VmLab.Rootfs;

namespace VmLab.Tests.Rootfs;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ImageSizeTests
{
    [Fact]
    public void Measure_counts_every_entry_and_rounds_each_file_up_to_whole_blocks()
    {
        var dir = Directory.CreateTempSubdirectory("vmlab-measure-").FullName;
        Directory.CreateDirectory(Path.Combine(dir, "etc"));
        File.WriteAllBytes(Path.Combine(dir, "etc", "one-byte"), [1]);
        File.WriteAllBytes(Path.Combine(dir, "exact-block"), new byte[4096]);
        File.WriteAllBytes(Path.Combine(dir, "block-and-one"), new byte[4097]);
        File.CreateSymbolicLink(Path.Combine(dir, "short-link"), "etc");

        var usage = ImageSize.Measure(dir);

        // root + etc + 3 files + 1 link; blocks: root 1, etc 1, files 1+1+2, short link 0.
        Assert.Equal(6, usage.Files);
        Assert.Equal(6 * 4096, usage.DataBytes);
    }

    [Fact]
    public void The_size_grows_with_content_and_headroom_and_is_whole_mebibytes()
    {
        var small = ImageSize.For(new ImageSize.TreeUsage(10_000, 300L << 20), 0);
        var bigger = ImageSize.For(new ImageSize.TreeUsage(10_000, 600L << 20), 0);
        var roomy = ImageSize.For(new ImageSize.TreeUsage(10_000, 300L << 20), 1024);

        Assert.True(small.Bytes > 300L << 20);
        Assert.True(bigger.Bytes - small.Bytes >= 300L << 20);
        Assert.True(roomy.Bytes - small.Bytes >= 1024L << 20);
        Assert.True(roomy.Inodes > small.Inodes);
        Assert.All([small.Bytes, bigger.Bytes, roomy.Bytes], b => Assert.Equal(0, b % (1 << 20)));
        Assert.True(small.Inodes >= 10_000);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageSize.For(new ImageSize.TreeUsage(1, 4096), -1));
    }

    [Fact]
    public async Task Mkfs_ext4_fits_a_tree_of_many_small_files_into_the_computed_size_without_headroom()
    {
        // The worst case for sizing: inodes and partial blocks, not bytes. The real mkfs.ext4 decides.
        var dir = Directory.CreateTempSubdirectory("vmlab-mkfs-").FullName;
        var tree = Path.Combine(dir, "tree");
        for (var d = 0; d < 40; d++)
        {
            var sub = Path.Combine(tree, "usr", $"d{d}");
            Directory.CreateDirectory(sub);
            for (var f = 0; f < 100; f++)
            {
                File.WriteAllText(Path.Combine(sub, $"f{f}"), new string('x', (f * 97) % 5000));
            }
        }

        File.WriteAllBytes(Path.Combine(tree, "big"), new byte[8 << 20]);
        var usage = ImageSize.Measure(tree);
        var (bytes, inodes) = ImageSize.For(usage, 0);
        var image = Path.Combine(dir, "test.img");
        var command = new Mkfs4Command(tree, image, bytes, inodes, Guid.Parse("0f3c2f9e-5a52-4b0e-9d5c-1d2a0b7c3e11"), 1700000000, DebootstrapMode.Root);

        var result = await command.ToCommand().WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, $"mkfs.ext4 failed: {result.StandardError}");
        Assert.Equal(bytes, new FileInfo(image).Length);
        var info = await Cli.Wrap("dumpe2fs").WithArguments(["-h", image]).ExecuteBufferedAsync(TestContext.Current.CancellationToken);
        Assert.Contains("Filesystem volume name:   vmlabroot", info.StandardOutput);
        Assert.Contains("Filesystem UUID:          0f3c2f9e-5a52-4b0e-9d5c-1d2a0b7c3e11", info.StandardOutput);
        Directory.Delete(dir, true);
    }
}
