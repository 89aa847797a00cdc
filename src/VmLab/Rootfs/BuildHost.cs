using System.Runtime.InteropServices;
using VmLab.Common;

namespace VmLab.Rootfs;

/// <summary>How mmdebstrap gets the privileges to create device nodes and chroot.</summary>
public enum DebootstrapMode
{
    /// <summary>Running as root: <c>--mode=root</c>.</summary>
    Root,

    /// <summary>An unprivileged user with user namespaces and subordinate ids: <c>--mode=unshare</c>.</summary>
    Unshare,
}

/// <summary>What VmLab found about the machine it builds on.</summary>
/// <param name="IsRoot">Effective uid 0.</param>
/// <param name="UserNamespaces">Unprivileged user namespaces are allowed (<c>kernel.unprivileged_userns_clone</c> not 0).</param>
/// <param name="SubordinateIds">The user has ranges in /etc/subuid and /etc/subgid and newuidmap is installed.</param>
public sealed record Privileges(bool IsRoot, bool UserNamespaces, bool SubordinateIds)
{
    /// <summary>Root mode when root, else unshare mode when possible, else an error naming both ways.</summary>
    public DebootstrapMode ChooseMode()
    {
        if (IsRoot)
        {
            return DebootstrapMode.Root;
        }

        if (UserNamespaces && SubordinateIds)
        {
            return DebootstrapMode.Unshare;
        }

        var missing = new List<string>();
        if (!UserNamespaces)
        {
            missing.Add("unprivileged user namespaces are disabled (sysctl kernel.unprivileged_userns_clone=0)");
        }

        if (!SubordinateIds)
        {
            missing.Add($"user '{Environment.UserName}' has no /etc/subuid and /etc/subgid ranges or newuidmap (package uidmap) is missing");
        }

        throw new LabException(
            "Cannot build the root filesystems: mmdebstrap needs either root (--mode=root) or an unprivileged "
            + "user namespace with subordinate ids (--mode=unshare), and " + string.Join("; ", missing) + ".",
            "run as root (sudo ./build.sh --target=Rootfs), or enable unshare mode: "
            + $"sudo apt-get install uidmap && sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 {Environment.UserName}");
    }

    /// <summary>Reads the real machine's state.</summary>
    public static Privileges Detect()
    {
        var isRoot = geteuid() == 0;
        var userns = !File.Exists("/proc/sys/kernel/unprivileged_userns_clone")
            || File.ReadAllText("/proc/sys/kernel/unprivileged_userns_clone").Trim() != "0";
        var user = Environment.UserName;
        static bool HasRange(string file, string user) =>
            File.Exists(file) && File.ReadLines(file).Any(l => l.StartsWith(user + ":", StringComparison.Ordinal));
        var subids = HasRange("/etc/subuid", user) && HasRange("/etc/subgid", user) && File.Exists("/usr/bin/newuidmap");
        return new Privileges(isRoot, userns, subids);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern uint geteuid();
}

/// <summary>
/// The kernel's binfmt_misc handler that lets an x86 machine run the arm64 binaries of the new tree
/// through qemu-user (mmdebstrap runs maintainer scripts and our checks inside the chroot).
/// </summary>
/// <param name="BinfmtDirectory">Normally <c>/proc/sys/fs/binfmt_misc</c>.</param>
/// <param name="RegistrationFile">The handler's definition shipped by qemu-user-static/binfmt-support, e.g. <c>/usr/lib/binfmt.d/qemu-aarch64.conf</c>.</param>
public sealed record Binfmt(string BinfmtDirectory, string RegistrationFile)
{
    public static Binfmt System { get; } = new("/proc/sys/fs/binfmt_misc", "/usr/lib/binfmt.d/qemu-aarch64.conf");

    private string Handler => Path.Combine(BinfmtDirectory, "qemu-aarch64");

    /// <summary>Whether the filesystem is mounted (its <c>register</c> file exists).</summary>
    public bool IsMounted => File.Exists(Path.Combine(BinfmtDirectory, "register"));

    /// <summary>Whether the qemu-aarch64 handler is registered and enabled.</summary>
    public bool IsRegistered => File.Exists(Handler) && File.ReadLines(Handler).FirstOrDefault()?.Trim() == "enabled";

    /// <summary>
    /// Makes sure arm64 binaries run here: nothing to do on an arm64 machine or when registered; as root,
    /// registers the handler from <see cref="RegistrationFile"/>; otherwise says what to run.
    /// </summary>
    /// <param name="log">Told what was changed on the machine (a registration is machine-wide and outlives the build).</param>
    public void Ensure(bool isRoot, Architecture machine, Action<string> log)
    {
        if (machine == Architecture.Arm64 || IsRegistered)
        {
            return;
        }

        if (!IsMounted)
        {
            throw new LabException(
                $"The binfmt_misc filesystem is not mounted at {BinfmtDirectory}, so this {machine} machine cannot run the arm64 programs of the new root filesystem.",
                $"mount it and register qemu-aarch64: sudo mount -t binfmt_misc binfmt_misc {BinfmtDirectory} && sudo sh -c 'cat {RegistrationFile} > {BinfmtDirectory}/register'");
        }

        if (!File.Exists(RegistrationFile))
        {
            throw new LabException(
                $"The qemu-aarch64 binfmt handler is not registered and {RegistrationFile} (from qemu-user-static) does not exist.",
                "run ./build.sh --target=Prerequisites (installs qemu-user-static and binfmt-support), then this target again");
        }

        if (!isRoot)
        {
            throw new LabException(
                $"The qemu-aarch64 binfmt handler is not registered in {BinfmtDirectory}, and registering it needs root.",
                $"sudo sh -c 'cat {RegistrationFile} > {BinfmtDirectory}/register'   (or: sudo systemctl restart systemd-binfmt)");
        }

        File.WriteAllText(Path.Combine(BinfmtDirectory, "register"), File.ReadAllText(RegistrationFile).Trim() + "\n");
        log($"registered the qemu-aarch64 binfmt handler from {RegistrationFile} (machine-wide, until reboot)");
        if (!IsRegistered)
        {
            throw new LabException(
                $"Writing {RegistrationFile} to {BinfmtDirectory}/register did not enable the qemu-aarch64 handler.",
                $"check {Handler} and the kernel log (dmesg | tail), then run this target again");
        }
    }

    /// <summary>Mounts binfmt_misc when it is not (root only); the handler registration follows in <see cref="Ensure"/>.</summary>
    public static async Task MountIfNeededAsync(Binfmt binfmt, bool isRoot, Architecture machine, Action<string> log, CancellationToken cancellationToken)
    {
        if (machine == Architecture.Arm64 || binfmt.IsMounted || !isRoot)
        {
            return;
        }

        await CliWrap.Cli.Wrap("mount").WithArguments(["-t", "binfmt_misc", "binfmt_misc", binfmt.BinfmtDirectory])
            .WithValidation(CliWrap.CommandResultValidation.None).ExecuteAsync(cancellationToken);
        if (binfmt.IsMounted)
        {
            log($"mounted binfmt_misc at {binfmt.BinfmtDirectory}");
        }
    }
}
