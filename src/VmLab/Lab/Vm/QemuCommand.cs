using System.Globalization;
using System.Text;
using CliWrap;
using VmLab.Common;

namespace VmLab.Lab.Vm;

/// <summary>How a disk is attached. Images VmLab did not make for this boot are never written to.</summary>
public enum DiskMode
{
    /// <summary>Read-only (job and payload disks).</summary>
    ReadOnly,

    /// <summary>Writes go to a temporary overlay QEMU discards (root filesystems: the image artifact stays byte-identical).</summary>
    Snapshot,

    /// <summary>Written in place: only for the per-boot scratch disks, made empty for the boot and deleted after it.</summary>
    Writable,
}

/// <summary>One virtio-blk disk: <c>/dev/vda</c>, <c>/dev/vdb</c>, ... in the order given.</summary>
public sealed record QemuDisk(string Path, DiskMode Mode)
{
    /// <summary>The <c>-drive</c> value. Commas in a path are doubled: QEMU's option syntax uses them as separators.</summary>
    public string Render() =>
        $"file={Path.Replace(",", ",,", StringComparison.Ordinal)},if=virtio,format=raw," +
        Mode switch
        {
            DiskMode.ReadOnly => "readonly=on",
            DiskMode.Snapshot => "snapshot=on",
            _ => "cache=unsafe", // scratch: its content is thrown away after the boot, so flushes are not worth waiting for
        };
}

/// <summary>
/// L2's network: a tap device in L1 (created by the job, 192.168.0.101 on L1's side) and a virtio-net-pci NIC.
/// <c>romfile=</c> is empty because L2 never network-boots, and without it QEMU fails when the ipxe ROMs are
/// not installed ("failed to find romfile efi-virtio.rom", seen in the rootfs probe).
/// </summary>
/// <param name="Vhost">The Q3 factor: the virtio-net data path in L1's kernel (vhost-net) or in QEMU's userspace.</param>
public sealed record TapNetwork(string Interface, bool Vhost, string Mac = "52:54:00:12:34:05")
{
    public IEnumerable<string> Arguments() =>
    [
        "-netdev", $"tap,id=net0,ifname={Interface},script=no,downscript=no,vhost={(Vhost ? "on" : "off")}",
        "-device", $"virtio-net-pci,netdev=net0,mac={Mac},romfile=",
    ];
}

/// <summary>
/// One QEMU invocation as an immutable value: build it with the <c>With*</c> methods, print it
/// (<see cref="ToString"/>, a shell-quoted line that also goes into L1's job script), test it as a string,
/// run it with <see cref="ToCliWrap"/>. Modelled on CliWrap's command builder.
/// </summary>
/// <remarks>
/// Every command starts from <c>-nodefaults -no-user-config</c>: no default NIC (a default user-mode NIC would
/// give a layer a route to the outside world, which VmLab never allows), no default monitor or display, no
/// local config file changing what runs. The serial console is the only output (docs/PROTOCOL.md).
/// </remarks>
public sealed record QemuCommand
{
    public string Binary { get; init; } = "qemu-system-aarch64";
    public string Machine { get; init; } = "virt";
    public string Cpu { get; init; } = "cortex-a57";

    /// <summary><c>tcg,thread=multi</c> (L1 on L0) or <c>kvm</c> (L2 in L1).</summary>
    public string Accelerator { get; init; } = "tcg,thread=multi";

    public int Cpus { get; init; } = 1;
    public long MemoryMiB { get; init; } = 1024;
    public string? Kernel { get; init; }
    public string? KernelCommandLine { get; init; }

    /// <summary>An initramfs, for probing a kernel and the protocol without a root filesystem image.</summary>
    public string? Initrd { get; init; }
    public IReadOnlyList<QemuDisk> Disks { get; init; } = [];
    public TapNetwork? Network { get; init; }

    /// <summary>
    /// The serial console's backend: <c>stdio</c> (L0 reads the console from QEMU's stdout), <c>file:PATH</c>, or
    /// <c>none</c> (L2, whose console is <see cref="VirtioConsole"/>).
    /// </summary>
    public string Serial { get; init; } = "stdio";

    /// <summary>
    /// A file for a virtio console (the guest's <c>hvc0</c>), or null for none. L2's console: a serial port costs one
    /// trap to L1 per character, and under L1's emulation that is about a millisecond; virtio moves whole buffers.
    /// </summary>
    public string? VirtioConsole { get; init; }

    /// <summary>
    /// The control port's FIFOs (<c>PATH.in</c> to the guest, <c>PATH.out</c> from it), a virtio serial port named
    /// <c>vmlab.ctl</c> in the guest; null for none. L1 answers L2's snapshot requests and asks for L2's own on it
    /// (docs/PROTOCOL.md, "Counters").
    /// </summary>
    public string? ControlPipe { get; init; }

    /// <summary>
    /// The VM's name, given with <c>debug-threads=on</c> so that QEMU names its threads (<c>CPU 0/KVM</c>,
    /// <c>CPU 0/TCG</c>): the counters tell vCPU threads from the main loop by name. Null: no <c>-name</c>.
    /// </summary>
    public string? Name { get; init; }

    /// <summary>A TCP port on 127.0.0.1 for QEMU's QMP (L1 reads KVM's counters of L2's vCPUs with query-stats); null for none.</summary>
    public int? QmpPort { get; init; }

    public QemuCommand WithBinary(string binary) => this with { Binary = binary };
    public QemuCommand WithMachine(string machine) => this with { Machine = machine };
    public QemuCommand WithCpu(string cpu) => this with { Cpu = cpu };
    public QemuCommand WithAccelerator(string accelerator) => this with { Accelerator = accelerator };
    public QemuCommand WithCpus(int cpus) => this with { Cpus = cpus > 0 ? cpus : throw new ArgumentOutOfRangeException(nameof(cpus)) };
    public QemuCommand WithMemory(long mib) => this with { MemoryMiB = mib > 0 ? mib : throw new ArgumentOutOfRangeException(nameof(mib)) };
    public QemuCommand WithKernel(string image, string commandLine) => this with { Kernel = image, KernelCommandLine = commandLine };
    public QemuCommand WithInitrd(string? initrd) => this with { Initrd = initrd };
    public QemuCommand WithDisk(string path, DiskMode mode) => this with { Disks = [.. Disks, new QemuDisk(path, mode)] };
    public QemuCommand WithNetwork(TapNetwork? network) => this with { Network = network };
    public QemuCommand WithSerial(string serial) => this with { Serial = serial };
    public QemuCommand WithVirtioConsole(string file) => this with { Serial = "none", VirtioConsole = file };
    public QemuCommand WithControlPipe(string path) => this with { ControlPipe = path };
    public QemuCommand WithQmp(int port) => this with { QmpPort = port };
    public QemuCommand WithName(string name) => this with { Name = name };

    /// <summary>The argument list, in a fixed order (so rendered lines can be compared and snapshotted).</summary>
    public IReadOnlyList<string> Arguments()
    {
        var args = new List<string>
        {
            "-nodefaults", "-no-user-config",
        };
        if (Name is not null)
        {
            args.AddRange(["-name", $"{Name.Replace(",", ",,", StringComparison.Ordinal)},debug-threads=on"]);
        }

        args.AddRange(
        [
            "-machine", Machine, "-cpu", Cpu, "-accel", Accelerator,
            "-smp", Cpus.ToString(CultureInfo.InvariantCulture),
            "-m", MemoryMiB.ToString(CultureInfo.InvariantCulture) + "M",
        ]);
        if (Kernel is not null)
        {
            args.AddRange(["-kernel", Kernel, "-append", KernelCommandLine ?? ""]);
        }

        if (Initrd is not null)
        {
            args.AddRange(["-initrd", Initrd]);
        }

        foreach (var disk in Disks)
        {
            args.AddRange(["-drive", disk.Render()]);
        }

        args.AddRange(Network?.Arguments() ?? ["-nic", "none"]);
        if (VirtioConsole is not null || ControlPipe is not null)
        {
            args.AddRange(["-device", "virtio-serial-pci"]);
        }

        if (VirtioConsole is not null)
        {
            args.AddRange(["-chardev", $"file,id=hvc0,path={VirtioConsole.Replace(",", ",,", StringComparison.Ordinal)}", "-device", "virtconsole,chardev=hvc0"]);
        }

        if (ControlPipe is not null)
        {
            args.AddRange(["-chardev", $"pipe,id=vmlabctl,path={ControlPipe.Replace(",", ",,", StringComparison.Ordinal)}", "-device", "virtserialport,chardev=vmlabctl,name=vmlab.ctl"]);
        }

        if (QmpPort is { } qmp)
        {
            args.AddRange(["-qmp", $"tcp:127.0.0.1:{qmp.ToString(CultureInfo.InvariantCulture)},server=on,wait=off"]);
        }

        args.AddRange(["-display", "none", "-monitor", "none", "-serial", Serial, "-no-reboot"]);
        return args;
    }

    /// <summary>A CliWrap command for this invocation (validation off: the runner judges a VM by its console, not its exit code).</summary>
    public Command ToCliWrap() =>
        Cli.Wrap(Binary).WithArguments(Arguments()).WithValidation(CommandResultValidation.None);

    /// <summary>The command as one POSIX-shell line, each argument quoted only when it needs to be.</summary>
    public override string ToString() => string.Join(' ', new[] { Binary }.Concat(Arguments()).Select(ShellWord.Quote));
}
