using CliWrap;
using CliWrap.Buffered;
using VmLab.Common;
using VmLab.Kernel;

namespace VmLab.Tests.Kernel;

/// <summary>The repository's own fragments, as the pipeline loads them.</summary>
internal static class Fragments
{
    public static string Dir => Path.Combine(RepoPaths.Find(AppContext.BaseDirectory).KernelDir, "config");

    public static ConfigFragment Lab => ConfigFragment.Load(Path.Combine(Dir, "lab.config"));
    public static ConfigFragment Host => ConfigFragment.Load(Path.Combine(Dir, "host.config"));
    public static ConfigFragment Guest => ConfigFragment.Load(Path.Combine(Dir, "guest.config"));

    public static ConfigFragment Text(string name, string text)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("vmlab-fragment-").FullName, name);
        File.WriteAllText(path, text);
        return ConfigFragment.Load(path);
    }
}

public sealed class KconfigTests
{
    [Fact]
    public void Reads_values_not_set_lines_and_strings_from_a_real_config()
    {
        var config = Kconfig.Parse(Fixture.Read("kernel", "host-6.1.192.config"));

        Assert.Equal("y", config["VHOST_NET"]);
        Assert.Equal("8", config["NR_CPUS"]);
        Assert.Equal("n", config["MODULES"]);
        Assert.Equal("\"aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0\"", config["CC_VERSION_TEXT"]);
        Assert.Null(config["X86"]);
    }

    [Fact]
    public void The_lab_fragment_asks_for_what_the_study_needs()
    {
        var lab = Fragments.Lab.Requested;

        foreach (var symbol in new[] { "KVM", "VIRTUALIZATION", "VIRTIO_BLK", "BLK_DEV", "VIRTIO_NET", "VIRTIO_PCI", "SERIAL_AMBA_PL011_CONSOLE",
                     "EXT4_FS", "DEVTMPFS", "TMPFS", "TUN", "BRIDGE", "MACVLAN", "MACVTAP", "TRANSPARENT_HUGEPAGE", "HUGETLBFS", "CGROUPS",
                     "FUTEX", "EPOLL", "EVENTFD", "SIGNALFD", "TIMERFD", "SMP" })
        {
            Assert.Equal("y", lab[symbol]);
        }

        Assert.True(int.Parse(lab["NR_CPUS"]!, System.Globalization.CultureInfo.InvariantCulture) >= 8);
        Assert.Null(lab["VHOST_NET"]); // the factor lives only in host.config / guest.config
        Assert.Equal(["VHOST_NET"], Fragments.Host.Requested.Values.Keys);
        Assert.Equal(["VHOST_NET"], Fragments.Guest.Requested.Values.Keys);
        Assert.Equal("y", Fragments.Host.Requested["VHOST_NET"]);
        Assert.Equal("n", Fragments.Guest.Requested["VHOST_NET"]);
    }
}

public sealed class ConfigVerificationTests
{
    [Fact]
    public void The_real_host_and_guest_configs_have_every_requested_option()
    {
        Assert.Empty(ConfigVerification.Check([Fragments.Lab, Fragments.Host], Kconfig.Load(Fixture.Path("kernel", "host-6.1.192.config"))));
        Assert.Empty(ConfigVerification.Check([Fragments.Lab, Fragments.Guest], Kconfig.Load(Fixture.Path("kernel", "guest-6.1.192.config"))));
    }

    [Fact]
    public void The_guest_config_does_not_satisfy_the_host_fragment()
    {
        var mismatches = ConfigVerification.Check([Fragments.Lab, Fragments.Host], Kconfig.Load(Fixture.Path("kernel", "guest-6.1.192.config")));

        var only = Assert.Single(mismatches);
        Assert.Equal(new ConfigMismatch("VHOST_NET", "y", "n", "host.config"), only);
    }

    [Fact]
    public void An_option_olddefconfig_dropped_for_a_missing_dependency_is_reported()
    {
        // Real olddefconfig output: VIRTIO_BLK was requested without BLK_DEV and silently vanished.
        var fragment = ConfigFragment.Load(Fixture.Path("kernel", "virtio-blk-without-blk-dev.fragment"));

        var mismatches = ConfigVerification.Check([fragment], Kconfig.Load(Fixture.Path("kernel", "virtio-blk-without-blk-dev.config")));

        var only = Assert.Single(mismatches);
        Assert.Equal("VIRTIO_BLK", only.Symbol);
        Assert.Null(only.Actual);
        Assert.Contains("not visible", only.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_later_fragment_overrides_an_earlier_one_and_not_set_accepts_an_absent_symbol()
    {
        var first = Fragments.Text("a.config", "CONFIG_TUN=y\n# CONFIG_NO_SUCH_SYMBOL is not set\n");
        var second = Fragments.Text("b.config", "# CONFIG_TUN is not set\n");

        Assert.Empty(ConfigVerification.Check([first, second], Kconfig.Parse("# CONFIG_TUN is not set\n")));
        Assert.Equal("b.config", Assert.Single(ConfigVerification.Check([first, second], Kconfig.Parse("CONFIG_TUN=y\n"))).Fragment);
    }
}

public sealed class ConfigDiffTests
{
    private static Kconfig Host => Kconfig.Load(Fixture.Path("kernel", "host-6.1.192.config"));
    private static Kconfig Guest => Kconfig.Load(Fixture.Path("kernel", "guest-6.1.192.config"));

    [Fact]
    public void The_real_kernels_differ_only_in_vhost_net_and_what_it_selects()
    {
        var diff = ConfigDiff.Compute(Guest, Host);

        Assert.True(diff.HasFactor);
        Assert.Empty(diff.Violations);
        Assert.Equal(["+VHOST y", "+VHOST_IOTLB y", " VHOST_NET n -> y"], diff.Differences.Select(d => d.ToString()));
        Assert.Equal(Fixture.Read("kernel", "config-6.1.192.diff"), diff.Render());
    }

    [Fact]
    public void A_second_difference_in_a_symbol_both_kernels_have_breaks_the_rule()
    {
        var guest = new Kconfig(new Dictionary<string, string>(Guest.Values) { ["TUN"] = "n" });

        var diff = ConfigDiff.Compute(guest, Host);

        Assert.Equal(" TUN n -> y", Assert.Single(diff.Violations).ToString());
    }

    [Fact]
    public void A_symbol_only_the_guest_has_breaks_the_rule()
    {
        var guest = new Kconfig(new Dictionary<string, string>(Guest.Values) { ["GUEST_ONLY"] = "y" });

        Assert.Equal("-GUEST_ONLY y", Assert.Single(ConfigDiff.Compute(guest, Host).Violations).ToString());
    }

    [Fact]
    public void Identical_configs_are_refused_because_the_factor_is_missing()
    {
        Assert.False(ConfigDiff.Compute(Host, Host).HasFactor);
    }

    [Fact]
    public void A_rendered_config_diff_parses_back_to_the_same_differences()
    {
        var diff = ConfigDiff.Compute(Guest, Host);

        var parsed = ConfigDiff.Parse(Fixture.Read("kernel", "config-6.1.192.diff"));

        Assert.Equal(diff.Differences, parsed.Differences);
        Assert.Equal(diff.Render(), parsed.Render());
    }

    [Fact]
    public void A_unified_diff_of_two_configs_parses_to_its_symbols_without_headers_or_context()
    {
        var parsed = ConfigDiff.Parse("--- a/.config\n+++ b/.config\n@@ -1,3 +1,3 @@\n CONFIG_KVM=y\n-CONFIG_VHOST_NET=m\n+# CONFIG_VHOST_NET is not set\n-CONFIG_MACVTAP=y\n");

        Assert.Equal([new ConfigDifference("MACVTAP", "y", null), new ConfigDifference("VHOST_NET", "m", "n")], parsed.Differences);
    }
}

public sealed class MergeConfigTests
{
    [Fact]
    public async Task The_kernels_merge_config_script_applies_fragments_in_order_and_the_verification_agrees()
    {
        // scripts/kconfig/merge_config.sh -m (merge only) is plain shell: run the real one on a tiny tree.
        var dir = Directory.CreateTempSubdirectory("vmlab-merge-").FullName;
        var baseConfig = Path.Combine(dir, ".config");
        await File.WriteAllTextAsync(baseConfig, "# CONFIG_TUN is not set\nCONFIG_NR_CPUS=256\n# CONFIG_VHOST_NET is not set\n", TestContext.Current.CancellationToken);
        var lab = Fragments.Text("lab.config", "CONFIG_TUN=y\nCONFIG_NR_CPUS=8\n");

        var result = await Cli.Wrap("sh")
            .WithArguments([Fixture.Path("kernel", "merge_config.sh"), "-m", "-O", dir, baseConfig, lab.Path, Fragments.Host.Path])
            .WithWorkingDirectory(dir)
            .ExecuteBufferedAsync(TestContext.Current.CancellationToken);

        var merged = Kconfig.Load(baseConfig);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("y", merged["TUN"]);
        Assert.Equal("8", merged["NR_CPUS"]);
        Assert.Equal("y", merged["VHOST_NET"]);
        Assert.Empty(ConfigVerification.Check([lab, Fragments.Host], merged));
        Directory.Delete(dir, recursive: true);
    }
}
