using VmLab.Common;
using VmLab.Kernel;

namespace VmLab.Tests.Kernel;

public sealed class MakeCommandTests
{
    private static readonly ReproducibleEnvironment Environment =
        new(new DateTimeOffset(2026, 11, 16, 10, 17, 40, TimeSpan.Zero), "/src/linux");

    [Fact]
    public void The_arm64_build_prints_as_the_shell_line_that_reproduces_it()
    {
        var make = MakeCommand.Arm64("/src/linux", "out-k-host", ccache: true, Environment.Variables).WithJobs(2).WithTargets("Image");

        Assert.Equal(
            "KBUILD_BUILD_HOST=vmlab KBUILD_BUILD_TIMESTAMP='2026-11-16 10:17:40 UTC' KBUILD_BUILD_USER=vmlab KBUILD_BUILD_VERSION=1 " +
            "KCFLAGS=-ffile-prefix-map=/src/linux=. LC_ALL=C SOURCE_DATE_EPOCH=1794824260 TZ=UTC " +
            "make O=out-k-host ARCH=arm64 'CC=ccache aarch64-linux-gnu-gcc' CROSS_COMPILE=aarch64-linux-gnu- -j2 Image",
            make.ToString());
    }

    [Fact]
    public void Without_ccache_the_compiler_is_the_cross_gcc_and_the_command_runs_make_in_the_tree()
    {
        var make = MakeCommand.Arm64("/src/linux", "out-k-guest", ccache: false, Environment.Variables).WithTargets("olddefconfig");
        var command = make.ToCommand();

        Assert.DoesNotContain(make.Arguments, a => a.StartsWith("CC=", StringComparison.Ordinal));
        Assert.Equal(["O=out-k-guest", "ARCH=arm64", "CROSS_COMPILE=aarch64-linux-gnu-", "olddefconfig"], make.Arguments);
        Assert.Equal("make", command.TargetFilePath);
        Assert.Equal("/src/linux", command.WorkingDirPath);
        Assert.Equal("2026-11-16 10:17:40 UTC", command.EnvironmentVariables["KBUILD_BUILD_TIMESTAMP"]);
    }

    [Fact]
    public void With_methods_return_new_commands()
    {
        var a = MakeCommand.Arm64("/src/linux", "out", ccache: false, Environment.Variables);
        var b = a.WithJobs(4);

        Assert.Null(a.Jobs);
        Assert.Equal(4, b.Jobs);
    }
}

public sealed class KernelKeyTests
{
    private static readonly Toolchain Gcc12 = new("aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0", "GNU ld (GNU Binutils for Debian) 2.40", "GNU Make 4.3", "ccache version 4.7.5");
    private static readonly DateTimeOffset Release = new(2026, 11, 16, 10, 17, 40, TimeSpan.Zero);
    private const string Source = "4d415b3d364834fd818270e88813e90323bbfce4f519a0e6bd4940ddcd7df693";

    private static string Key(string source = Source, KernelBase @base = KernelBase.Allnoconfig, Toolchain? toolchain = null,
        ConfigFragment? lab = null, string sourceDir = "/a/src", DateTimeOffset? release = null) =>
        KernelPipeline.Key(source, @base, [lab ?? Fragments.Lab, Fragments.Host, Fragments.Guest], toolchain ?? Gcc12,
            new ReproducibleEnvironment(release ?? Release, sourceDir)).ToString();

    [Fact]
    public void The_same_inputs_give_the_same_key_wherever_the_tree_is_unpacked()
    {
        Assert.Equal(Key(), Key(sourceDir: "/tmp/elsewhere/src"));
    }

    [Fact]
    public void Every_input_changes_the_key()
    {
        var keys = new[]
        {
            Key(),
            Key(source: new string('0', 64)),
            Key(@base: KernelBase.Defconfig),
            Key(toolchain: Gcc12 with { Gcc = "aarch64-linux-gnu-gcc (Debian 13.1.0-1) 13.1.0" }),
            Key(toolchain: Gcc12 with { Binutils = "GNU ld 2.41" }),
            Key(lab: Fragments.Text("lab.config", File.ReadAllText(Fragments.Lab.Path) + "CONFIG_IKCONFIG=y\n")),
            Key(release: Release.AddDays(1)),
        };

        Assert.Equal(keys.Length, keys.Distinct().Count());
    }

    [Fact]
    public void The_ccache_version_is_not_an_input_because_it_cannot_change_the_image()
    {
        Assert.Equal(Key(), Key(toolchain: Gcc12 with { Ccache = null }));
    }
}

public sealed class ReproducibleEnvironmentTests
{
    [Fact]
    public void Fixes_timestamp_user_host_build_number_and_maps_the_source_path()
    {
        var variables = new ReproducibleEnvironment(new DateTimeOffset(2026, 11, 16, 10, 17, 40, TimeSpan.Zero), "/w/src").Variables;

        Assert.Equal("2026-11-16 10:17:40 UTC", variables["KBUILD_BUILD_TIMESTAMP"]);
        Assert.Equal("1794824260", variables["SOURCE_DATE_EPOCH"]);
        Assert.Equal("vmlab", variables["KBUILD_BUILD_USER"]);
        Assert.Equal("vmlab", variables["KBUILD_BUILD_HOST"]);
        Assert.Equal("1", variables["KBUILD_BUILD_VERSION"]);
        Assert.Equal("-ffile-prefix-map=/w/src=.", variables["KCFLAGS"]);
    }
}

public sealed class KernelSourceTreeTests
{
    [Fact]
    public void Reads_the_version_from_a_real_kernel_makefile()
    {
        Assert.Equal("6.1.192", KernelSourceTree.VersionOf(Fixture.Read("kernel", "Makefile-6.1.192.head")));
        Assert.Equal("5.15.198-rc1", KernelSourceTree.VersionOf("VERSION = 5\nPATCHLEVEL = 15\nSUBLEVEL = 198\nEXTRAVERSION = -rc1\n"));
    }

    [Fact]
    public void A_makefile_that_is_not_a_kernels_is_refused()
    {
        Assert.Throws<LabException>(() => KernelSourceTree.VersionOf("all:\n\techo hi\n"));
    }
}

public sealed class CcacheStatisticsTests
{
    [Fact]
    public void Reads_hits_and_misses_from_real_print_stats_output_and_subtracts_snapshots()
    {
        var stats = CcacheStatistics.Parse(Fixture.Read("kernel", "ccache-print-stats.txt"));

        Assert.Equal(new CcacheStatistics(169, 0, 165), stats);
        Assert.Equal(new CcacheStatistics(69, 0, 65), stats - new CcacheStatistics(100, 0, 100));
        Assert.Equal(69, (stats - new CcacheStatistics(100, 0, 100)).Hits);
    }
}
