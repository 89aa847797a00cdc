using VmLab.Common;
using VmLab.Sources;

namespace VmLab.Tests.Sources;

public sealed class VersionsJsonTests
{
    [Fact]
    public void The_repository_pins_linux_5_15_198_with_mirrors_and_fallbacks_in_the_declared_order()
    {
        var source = PinnedSource.Load(Path.Combine(RepoPaths.Find(AppContext.BaseDirectory).KernelDir, "versions.json"), "linux");

        Assert.Equal("5.15.198", source.Version);
        Assert.Equal("5d4c0994580dd3bbd5ffc5fcb81c22dd305b844c9d8c7b176cc41b28f7e29743", source.Sha256);
        Assert.Equal("https://cdn.kernel.org/pub/linux/kernel/v5.x/linux-5.15.198.tar.xz", source.Urls[0].ToString());
        Assert.All(source.Urls, u => Assert.EndsWith("/" + source.FileName, u.AbsolutePath, StringComparison.Ordinal));
        Assert.IsType<LocalFileFallback>(source.Fallbacks[0]);
        Assert.Equal(new DebianPackageFallback("linux-source-6.1", "usr/src/linux-source-6.1.tar.xz"), source.Fallbacks[1]);
        Assert.NotEmpty(source.Provenance!);
    }

    [Fact]
    public void A_malformed_pin_is_refused_when_loaded()
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, """{ "x": { "name": "x", "fileName": "x.tgz", "version": "1", "sha256": "ABC", "urls": [], "fallbacks": [] } }""");

        var error = Assert.Throws<LabException>(() => PinnedSource.Load(file, "x"));

        Assert.Contains("ABC", error.Message, StringComparison.Ordinal);
        File.Delete(file);
    }
}

public sealed class AptPackageRecordTests
{
    [Fact]
    public void Reads_version_file_name_and_signed_sha256_from_real_apt_cache_output()
    {
        var record = AptPackageRecord.Parse(Fixture.Read("apt", "apt-cache-show-linux-source-6.1.txt"));

        Assert.Equal("linux-source-6.1", record.Package);
        Assert.Equal("6.1.192-2", record.Version);
        Assert.Equal("linux-source-6.1_6.1.192-2_all.deb", record.DebFileName);
        Assert.Equal(Path.GetFileName(record.Filename), record.DebFileName);
        Assert.Equal(139331676, record.Size);
        Assert.Equal("ae95fe63d4c553f8d0e6c86cb1ab566f3894a43743eb19ab585cd97d82f26514", record.Sha256);
    }

    [Fact]
    public void Output_without_a_sha256_is_an_error_that_says_to_update_apt()
    {
        var error = Assert.Throws<LabException>(() => AptPackageRecord.Parse("Package: x\nVersion: 1\n"));

        Assert.Contains("apt-get update", error.Next, StringComparison.Ordinal);
    }
}
