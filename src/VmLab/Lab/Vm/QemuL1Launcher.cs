using VmLab.Common;
using VmLab.Lab.Artifacts;
using VmLab.Lab.Plan;

namespace VmLab.Lab.Vm;

/// <summary>Starts one L1 boot: the seam between the runner's bookkeeping and a real (or, in tests, fake) VM.</summary>
public interface IL1Launcher
{
    /// <summary>The command that boots L1 for <paramref name="boot"/> with its job disk and scratch disks.</summary>
    CliWrap.Command Command(Boot boot, string jobImage, string l1Scratch, string l2Scratch);
}

/// <summary>
/// The real launcher: QEMU/TCG with EL2 (virtualization=on), the host kernel and image, the lab's disks, and one NIC
/// on a tap in L0's private network namespace (the network clients' side; docs/PROTOCOL.md, "Network suites").
/// </summary>
public sealed record QemuL1Launcher(LabArtifacts Artifacts, string PayloadImage, Topology Topology) : IL1Launcher
{
    /// <summary>L1's NIC's MAC address (L2's is <see cref="TapNetwork"/>'s default).</summary>
    public const string L1Mac = "52:54:00:12:34:01";

    /// <summary>An initramfs to boot L1 with (probes only; a real run boots the host image's own init).</summary>
    public string? Initrd { get; init; }

    /// <summary>The network namespace QEMU runs in and its tap; null boots L1 without a NIC (probes, tests).</summary>
    public (string Namespace, string Tap)? Network { get; init; }

    /// <summary>L1's command line for <paramref name="boot"/> (also what the snapshot tests check).</summary>
    public QemuCommand For(Boot boot, string jobImage, string l1Scratch, string l2Scratch) =>
        new QemuCommand()
            .WithName("vmlab-l1")
            .WithMachine("virt,gic-version=2,virtualization=on")
            .WithCpu("cortex-a57")
            .WithAccelerator("tcg,thread=multi")
            .WithCpus(Topology.L1Cpus)
            .WithMemory(Topology.L1MemoryMiB)
            .WithKernel(Artifacts.HostKernel, JobScript.KernelCommandLine)
            .WithInitrd(Initrd)
            .WithDisk(Artifacts.HostImage, DiskMode.Snapshot)
            .WithDisk(jobImage, DiskMode.ReadOnly)
            .WithDisk(PayloadImage, DiskMode.ReadOnly)
            .WithDisk(l1Scratch, DiskMode.Writable)
            .WithDisk(l2Scratch, DiskMode.Writable)
            // vhost=off: L1 is emulated, its NIC's data path is QEMU's on L0 either way; the Q3 factor is L2's vhost in L1.
            .WithNetwork(Network is { } n ? new TapNetwork(n.Tap, Vhost: false, L1Mac) : null);

    /// <summary>
    /// QEMU under <c>setsid</c> (which execs it, so the PID is QEMU's): in its own session it does not get the SIGINT
    /// of a Ctrl-C. vmlab must see the interruption first and stop the VM itself, otherwise QEMU would die on the
    /// signal and its units would look failed rather than interrupted (and not run again on resume). With a network,
    /// <c>ip netns exec</c> (which execs too) puts QEMU in the namespace where its tap is.
    /// </summary>
    public CliWrap.Command Command(Boot boot, string jobImage, string l1Scratch, string l2Scratch)
    {
        var qemu = For(boot, jobImage, l1Scratch, l2Scratch);
        string[] inNamespace = Network is { } n ? ["ip", "netns", "exec", n.Namespace] : [];
        return ShellWord.Prefix(qemu.ToCliWrap(), ["setsid", .. inNamespace]);
    }
}
