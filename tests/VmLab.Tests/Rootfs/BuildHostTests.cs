using System.Runtime.InteropServices;
using VmLab.Common;
using VmLab.Rootfs;

namespace VmLab.Tests.Rootfs;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PrivilegesTests
{
    [Fact]
    public void Root_builds_in_root_mode_even_without_user_namespaces() =>
        Assert.Equal(DebootstrapMode.Root, new Privileges(IsRoot: true, UserNamespaces: false, SubordinateIds: false).ChooseMode());

    [Fact]
    public void A_user_with_namespaces_and_subordinate_ids_builds_in_unshare_mode() =>
        Assert.Equal(DebootstrapMode.Unshare, new Privileges(IsRoot: false, UserNamespaces: true, SubordinateIds: true).ChooseMode());

    [Fact]
    public void Without_either_the_error_names_both_ways_and_what_is_missing()
    {
        var ex = Assert.Throws<LabException>(() => new Privileges(IsRoot: false, UserNamespaces: false, SubordinateIds: true).ChooseMode());

        Assert.Contains("--mode=root", ex.Message);
        Assert.Contains("--mode=unshare", ex.Message);
        Assert.Contains("unprivileged user namespaces are disabled", ex.Message);
        Assert.DoesNotContain("subuid", ex.Message);
        Assert.Contains("sudo ./build.sh --target=Rootfs", ex.Next);
        Assert.Contains("usermod --add-subuids", ex.Next);
    }

    [Fact]
    public void Missing_subordinate_ids_are_named_with_the_package_that_provides_newuidmap()
    {
        var ex = Assert.Throws<LabException>(() => new Privileges(IsRoot: false, UserNamespaces: true, SubordinateIds: false).ChooseMode());

        Assert.Contains("/etc/subuid", ex.Message);
        Assert.Contains("uidmap", ex.Message);
        Assert.DoesNotContain("namespaces are disabled", ex.Message);
    }
}

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BinfmtTests
{
    private const string Registration = ":qemu-aarch64:M::\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01:\\xff\\xff\\xff\\xff\\xff\\xff\\xff:/usr/libexec/qemu-binfmt/aarch64-binfmt-P:OPF";

    private static (Binfmt Binfmt, string Dir) Fake(bool mounted, bool registered, bool confExists)
    {
        var root = Directory.CreateTempSubdirectory("vmlab-binfmt-").FullName;
        var dir = Path.Combine(root, "binfmt_misc");
        Directory.CreateDirectory(dir);
        if (mounted)
        {
            File.WriteAllText(Path.Combine(dir, "register"), "");
        }

        if (registered)
        {
            File.WriteAllText(Path.Combine(dir, "qemu-aarch64"), "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POF\n");
        }

        var conf = Path.Combine(root, "qemu-aarch64.conf");
        if (confExists)
        {
            File.WriteAllText(conf, Registration + "\n");
        }

        return (new Binfmt(dir, conf), dir);
    }

    [Fact]
    public void A_registered_handler_needs_nothing()
    {
        var (binfmt, _) = Fake(mounted: true, registered: true, confExists: false);
        var said = new List<string>();

        binfmt.Ensure(isRoot: false, Architecture.X64, said.Add);

        Assert.Empty(said);
    }

    [Fact]
    public void An_arm64_machine_runs_arm64_binaries_natively()
    {
        var (binfmt, _) = Fake(mounted: false, registered: false, confExists: false);

        binfmt.Ensure(isRoot: false, Architecture.Arm64, _ => { });
    }

    [Fact]
    public void An_unmounted_binfmt_misc_is_named_with_the_mount_and_register_commands()
    {
        var (binfmt, dir) = Fake(mounted: false, registered: false, confExists: true);

        var ex = Assert.Throws<LabException>(() => binfmt.Ensure(isRoot: false, Architecture.X64, _ => { }));

        Assert.Contains($"binfmt_misc filesystem is not mounted at {dir}", ex.Message);
        Assert.Contains($"sudo mount -t binfmt_misc binfmt_misc {dir}", ex.Next);
        Assert.Contains("/register", ex.Next);
    }

    [Fact]
    public void Without_the_qemu_user_static_definition_the_next_step_is_prerequisites()
    {
        var (binfmt, _) = Fake(mounted: true, registered: false, confExists: false);

        var ex = Assert.Throws<LabException>(() => binfmt.Ensure(isRoot: true, Architecture.X64, _ => { }));

        Assert.Contains("qemu-user-static", ex.Message);
        Assert.Contains("./build.sh --target=Prerequisites", ex.Next);
    }

    [Fact]
    public void A_user_is_told_the_registration_needs_root_and_the_exact_command()
    {
        var (binfmt, dir) = Fake(mounted: true, registered: false, confExists: true);

        var ex = Assert.Throws<LabException>(() => binfmt.Ensure(isRoot: false, Architecture.X64, _ => { }));

        Assert.Contains("needs root", ex.Message);
        Assert.Contains($"> {dir}/register", ex.Next);
        Assert.Equal("", File.ReadAllText(Path.Combine(dir, "register")));
    }

    [Fact]
    public void Root_writes_the_definition_to_register_and_checks_that_the_kernel_enabled_it()
    {
        // A plain folder is not the kernel: the write lands, nothing enables the handler, and that is reported.
        var (binfmt, dir) = Fake(mounted: true, registered: false, confExists: true);
        var said = new List<string>();

        var ex = Assert.Throws<LabException>(() => binfmt.Ensure(isRoot: true, Architecture.X64, said.Add));

        Assert.Equal(Registration + "\n", File.ReadAllText(Path.Combine(dir, "register")));
        Assert.Contains("registered the qemu-aarch64 binfmt handler", Assert.Single(said));
        Assert.Contains("did not enable", ex.Message);
    }
}
