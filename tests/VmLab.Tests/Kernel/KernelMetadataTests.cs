using System.Text.Json;
using VmLab.Kernel;
using VmLab.Sources;

namespace VmLab.Tests.Kernel;

public sealed class KernelMetadataTests
{
    private static readonly string Committed = Fixture.Read("artifacts", "kernel-host-metadata.json");

    [Fact]
    public void A_metadata_json_written_by_a_real_build_loads_and_writes_back_byte_for_byte()
    {
        var metadata = JsonSerializer.Deserialize<KernelMetadata>(Committed, PinnedSource.Json)!;

        Assert.Equal(Committed, JsonSerializer.Serialize(metadata, PinnedSource.Json));
    }

    [Fact]
    public void Each_group_reads_its_members_of_the_flat_file()
    {
        var metadata = JsonSerializer.Deserialize<KernelMetadata>(Committed, PinnedSource.Json)!;

        Assert.Equal(("host", "bd2bb5d4e5dec24d"), (metadata.Identity.Flavor, metadata.Identity.Key));
        Assert.Equal("vmlab-kernel/1", metadata.Identity.KeyInputs["pipeline"]);
        Assert.Equal(SourceOrigin.DebianPackage, metadata.Source.Fetched.Origin);
        Assert.True(metadata.Source.FallbackUsed);
        Assert.Equal(metadata.Source.Fetched.Warning, metadata.Source.FallbackWarning);
        Assert.Equal("allnoconfig", metadata.Config.Base);
        Assert.Equal(["lab.config", "host.config"], metadata.Config.Fragments.Select(f => f.Name));
        Assert.StartsWith("aarch64-linux-gnu-gcc", metadata.Toolchain.Versions.Gcc, StringComparison.Ordinal);
        Assert.Equal("C", metadata.Toolchain.Environment["LC_ALL"]);
        Assert.Equal(["Image", "System.map", ".config"], metadata.Build.Outputs.Keys);
        Assert.True(metadata.Build.BuildSeconds > 0);
    }
}
