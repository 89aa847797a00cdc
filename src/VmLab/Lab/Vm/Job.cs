using System.Globalization;
using System.Reflection;
using System.Text;
using VmLab.Common;
using VmLab.Lab.Noise;
using VmLab.Lab.Plan;
using VmLab.Suites;

namespace VmLab.Lab.Vm;

/// <summary>
/// One boot of L1: a scenario, a repeat, and the suites of that repeat still to run. Repeats are separate boots
/// so that a repeat is independent of the previous one's state, and a hung VM costs one repeat, not the run.
/// </summary>
/// <param name="Number">The boot's number in the run (never reused across resumes: it names the console log).</param>
public sealed record Boot(int Number, Scenario Scenario, int Repeat, IReadOnlyList<ILabSuite> Suites)
{
    /// <summary>The unit name the VM uses for <paramref name="suite"/> in this boot (<c>hackbench/2</c>).</summary>
    public string UnitName(ILabSuite suite) => $"{suite.Id}/{Repeat.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>The contents of a job disk: files by relative path, and nested job disks (L2's) to build inside it.</summary>
public sealed record JobFolder(IReadOnlyDictionary<string, string> Files, IReadOnlyDictionary<string, JobFolder> Disks)
{
    /// <summary>The name of the job's script (docs/PROTOCOL.md).</summary>
    public string Script => Files["job.sh"];
}

/// <summary>
/// Writes the jobs of a boot (docs/PROTOCOL.md, "Job in"): L1's <c>job.sh</c> + <c>job.env</c>, and for each L2
/// boot it starts, L2's job as a nested job disk under <c>l2/</c>. Everything the job does is spelled out in the
/// generated script, so a run directory's console logs and the committed job generator explain every number.
/// </summary>
public static class JobScript
{
    /// <summary>L1's kernel command line. <c>init=</c> is the rootfs overlay's PID 1 (docs/PROTOCOL.md).</summary>
    public const string KernelCommandLine = "console=ttyAMA0 " + CommonCommandLine;

    /// <summary>L2's: its console is a virtio console (<see cref="QemuCommand.VirtioConsole"/>), not the serial port.</summary>
    public const string L2KernelCommandLine = "console=hvc0 " + CommonCommandLine;

    private const string CommonCommandLine = "root=/dev/vda rw rootwait loglevel=4 init=/sbin/vmlab-init";

    /// <summary>L1's side of tap0.</summary>
    public const string L1Address = "192.168.0.101";

    /// <summary>L2's address on tap0.</summary>
    public const string L2Address = "192.168.0.105";

    /// <summary>The TCP port on L1's loopback where L2's QEMU answers QMP (L1 reads KVM's counters with query-stats).</summary>
    public const int QmpPort = 4444;

    /// <summary>L2 boot <paramref name="l2Boot"/>'s control port, as FIFOs <c>PATH.in</c> and <c>PATH.out</c> on L1's scratch disk.</summary>
    public static string ControlPipe(int l2Boot) => $"/work/l2-ctl-{l2Boot.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// The job's <c>lib.sh</c>: the protocol's one shell library (rootfs/overlay/common/usr/lib/vmlab/protocol.sh, the
    /// images' copy too) followed by the job's own functions (src/VmLab/Lab/Vm/job-lib.sh), both embedded in VmLab.dll.
    /// </summary>
    internal static string Library => LibraryText.Value;

    private static readonly Lazy<string> LibraryText = new(() => Embedded("VmLab.Lab.protocol.sh") + "\n" + Embedded("VmLab.Lab.job-lib.sh"));

    private static string Embedded(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded in VmLab.dll");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>L0's end of L1's NIC, where the network clients run (docs/PROTOCOL.md, "Network suites").</summary>
    public const string L0Address = "192.168.0.1";

    /// <summary>
    /// The job for L1 in <paramref name="boot"/>. Guest scenarios: one L2 boot runs the CPU suites, then serves
    /// netserver and apache2 while L0's clients measure it, then is stopped. Host scenario: L1 limits itself to the
    /// guest's CPUs and memory, restarts its servers inside that limit, runs the CPU suites, then serves L0's clients.
    /// Either way the job says <c>SERVE</c> and waits for L0's <c>vmlab-go</c> on the console before it goes on.
    /// </summary>
    /// <param name="counters">
    /// False: no layer reads counters at the units' edges (<c>VMLAB_COUNTERS=0</c> in job.env; the VMs still say EDGE
    /// where L0 waits for it), to measure what reading them costs (docs/PROTOCOL.md, "Counters").
    /// </param>
    public static JobFolder ForL1(Boot boot, Topology topology, LabProfile profile, bool counters = true)
    {
        var script = Header(boot, "l1");
        // The boot's speed, before L2 starts and before the scenario's factor is set (and again at the end).
        var probe = $"{profile.Noise.ProbeIterationsL1.ToString(CultureInfo.InvariantCulture)} {ShellWord.Quote(CalibrationProbe.Program)}";
        script.AppendLine($"vmlab_calibrate start {probe}");
        script.AppendLine($"vmlab_thp {(boot.Scenario.Thp == ThpMode.Always ? "always" : "never")}");
        script.AppendLine("vmlab_scratch /dev/vdd");
        var disks = new Dictionary<string, JobFolder>(StringComparer.Ordinal);
        var job = new L1Job(boot, topology, script);
        if (boot.Scenario.Measured == Layer.L2)
        {
            const int l2Boot = 1;
            disks[$"l2/job-{l2Boot}.img"] = ForL2(boot, l2Boot, job.GuestCpus, serve: job.Network.Count > 0, job.Cpu, counters);
            job.RunGuest(l2Boot, profile.L2Boot);
        }
        else
        {
            job.RunHost();
        }

        script.AppendLine($"vmlab_calibrate end {probe}");

        // No DONE here: init prints it after job.sh with the job's exit code, then powers off (docs/PROTOCOL.md).
        return new JobFolder(Files(boot, "l1", script, counters), disks);
    }

    /// <summary>The two shapes of L1's job after its common start, written into <paramref name="script"/>.</summary>
    private sealed class L1Job(Boot boot, Topology topology, StringBuilder script)
    {
        private readonly string _bridge = $"vmlab_bridge {L1Address} {L0Address}";

        public int GuestCpus { get; } = boot.Scenario.GuestCpus(topology);

        public List<ILabSuite> Network { get; } = boot.Suites.Where(s => s.IsNetwork).ToList();

        public List<ILabSuite> Cpu { get; } = boot.Suites.Where(s => !s.IsNetwork).ToList();

        private string ServeSeconds => Seconds(Sum(Network) + TimeSpan.FromSeconds(60));

        /// <summary>Guest scenarios: start L2, bridge while it boots, wait for its servers, serve L0, stop L2, send its console.</summary>
        public void RunGuest(int l2Boot, TimeSpan l2BootBudget)
        {
            var guest = GuestCommand(topology, boot.Scenario, boot, l2Boot);
            script.AppendLine($"# L2 boot {l2Boot}: runs the CPU suites{(Network.Count > 0 ? ", then serves L0's network clients" : " and powers off")}");
            script.AppendLine($"vmlab_fact l2_qemu {ShellWord.Quote(guest.ToString())}");
            script.AppendLine($": > /work/l2-console-{l2Boot}.log # there before the wait, so tail follows it by inotify");
            script.AppendLine($"mkfifo {ControlPipe(l2Boot)}.in {ControlPipe(l2Boot)}.out # L2's control port (docs/PROTOCOL.md, \"Counters\")");
            script.AppendLine("vmlab_phase l2-start");
            script.AppendLine($"{guest} &");
            script.AppendLine("vmlab_l2=$!");
            // While L2 boots: L2 needs the network only after its CPU suites, and waits for br0 before its first unit.
            script.AppendLine(_bridge);
            script.AppendLine("vmlab_phase bridged");
            var l2Budget = Seconds(l2BootBudget + Sum(Cpu));
            // L1 follows L2's console with builtins only (job-lib.bash): it reads its counters at L2's unit edges, relays
            // READY (l2-ready) or 'serving' (l2-serving: L2's last word before it idles, so L0's first client never runs
            // while L2 still works), counts the vhost threads then, and serves L0's clients (docs/PROTOCOL.md).
            var serve = Network.Count > 0 ? $"1 {L2Address} {ServeSeconds}" : "0 - 0";
            script.AppendLine($"bash /job/lib.bash vmlab_l1_guest {l2Boot} /work/l2-console-{l2Boot}.log {l2Budget} $vmlab_l2 {ControlPipe(l2Boot)}.in {QmpPort} {serve}");
            script.AppendLine("vmlab_stop $vmlab_l2");
            script.AppendLine("vmlab_phase l2-stopped");
            script.AppendLine($"vmlab_send_file l2/console-{l2Boot}.log /work/l2-console-{l2Boot}.log");
            script.AppendLine("vmlab_phase sent");
        }

        /// <summary>The host scenario: L1 measured with the baseline guest's CPUs and memory, its servers inside that limit too.</summary>
        public void RunHost()
        {
            script.AppendLine(_bridge);
            script.AppendLine($"vmlab_limit {GuestCpus} {topology.L2MemoryMiB}");
            script.AppendLine("vmlab_phase suites");
            foreach (var suite in Cpu)
            {
                script.AppendLine(Unit(boot, suite, new SuiteTarget(GuestCpus, L1Address)));
            }

            if (Network.Count > 0)
            {
                // The servers start only now, from this shell, so inside the limit ("restart": an image before issue 24
                // started them in init, outside it).
                script.AppendLine("vmlab_servers restart");
                script.AppendLine($"bash /job/lib.bash vmlab_l1_serve l1 {L1Address} {ServeSeconds}");
            }
            else
            {
                script.AppendLine("vmlab_fact servers_cgroup none # no network suite in this boot: no servers");
            }
        }
    }

    /// <summary>
    /// The job of L2 boot <paramref name="l2Boot"/>: the CPU suites, then (when <paramref name="serve"/>) the servers
    /// for L0's clients until L1 stops this VM.
    /// </summary>
    private static JobFolder ForL2(Boot boot, int l2Boot, int guestCpus, bool serve, IReadOnlyList<ILabSuite> cpuSuites, bool counters)
    {
        var script = Header(boot, "l2", l2Boot);
        script.AppendLine("vmlab_scratch /dev/vdd");
        script.AppendLine($"vmlab_address {L2Address}");
        // L1 bridges its NIC while L2 boots; no unit starts before that is done (L1's br0 answers).
        script.AppendLine($"busybox ping -c 1 -W 30 {L1Address} >/dev/null 2>&1 || vmlab_fact l1_link down");
        script.AppendLine("vmlab_control");
        script.AppendLine("vmlab_phase suites");
        foreach (var suite in cpuSuites)
        {
            script.AppendLine(Unit(boot, suite, new SuiteTarget(guestCpus, L2Address)));
        }

        if (serve)
        {
            // Serves until L0 has run every client and L1 stops this VM; DONE is never reached here by design.
            script.AppendLine("vmlab_phase servers");
            script.AppendLine("vmlab_servers");
            script.AppendLine("vmlab_phase serving");
            script.AppendLine("vmlab_answer");
        }

        return new JobFolder(Files(boot, "l2", script, counters), new Dictionary<string, JobFolder>());
    }

    /// <summary>
    /// L2's QEMU command line as L1 runs it: KVM with the host CPU, the guest kernel and image from the payload disk,
    /// L2's job disk, the payload disk itself (L1's /dev/vdc) and L2's scratch disk (L1's /dev/vde), tap0 with the
    /// scenario's vhost setting, the console to a file on L1's scratch disk.
    /// </summary>
    public static QemuCommand GuestCommand(Topology topology, Scenario scenario, Boot boot, int l2Boot) =>
        new QemuCommand()
            .WithName("vmlab-l2")
            .WithMachine("virt")
            .WithCpu("host")
            .WithAccelerator("kvm")
            .WithCpus(scenario.GuestCpus(topology))
            .WithMemory(topology.L2MemoryMiB)
            .WithKernel("/payload/Image", L2KernelCommandLine)
            .WithDisk("/payload/guest.img", DiskMode.Snapshot)
            .WithDisk($"/job/l2/job-{l2Boot}.img", DiskMode.ReadOnly)
            .WithDisk("/dev/vdc", DiskMode.ReadOnly)
            .WithDisk("/dev/vde", DiskMode.Writable)
            .WithNetwork(new TapNetwork("tap0", scenario.Vhost))
            .WithVirtioConsole($"/work/l2-console-{l2Boot}.log")
            .WithControlPipe(ControlPipe(l2Boot))
            .WithQmp(QmpPort);

    private static StringBuilder Header(Boot boot, string layer, int l2Boot = 0)
    {
        var script = new StringBuilder();
        script.AppendLine("#!/bin/sh");
        script.AppendLine($"# VmLab job for {layer.ToUpperInvariant()}{(l2Boot > 0 ? $" (L2 boot {l2Boot})" : "")}: scenario {boot.Scenario.Id}, repeat {boot.Repeat}, boot {boot.Number}.");
        script.AppendLine("# Generated by src/VmLab/Lab/Vm/Job.cs; the protocol is docs/PROTOCOL.md.");
        // bash when the image has it: its read takes a /proc file in one read(2), where sh's takes a byte a call (counters).
        script.AppendLine("[ -n \"${BASH_VERSION:-}\" ] || ! command -v bash >/dev/null 2>&1 || exec bash \"$0\" \"$@\"");
        script.AppendLine(". /job/lib.sh");
        script.AppendLine("[ -z \"${BASH_VERSION:-}\" ] || . /job/lib.bash");
        script.AppendLine("vmlab_job_facts");
        return script;
    }

    private static Dictionary<string, string> Files(Boot boot, string layer, StringBuilder script, bool counters) => new(StringComparer.Ordinal)
    {
        ["job.sh"] = script.ToString(),
        ["job.env"] = $"VMLAB_LAYER={layer}\nVMLAB_SCENARIO={boot.Scenario.Id}\nVMLAB_REPEAT={boot.Repeat}\nVMLAB_BOOT={boot.Number}\n{(counters ? "" : "VMLAB_COUNTERS=0\n")}",
        ["lib.sh"] = Library,
        ["lib.bash"] = BashLibrary,
    };

    /// <summary>The job library's bash part (src/VmLab/Lab/Vm/job-lib.bash): fast counters, L1's following of L2 and serving of L0's clients.</summary>
    internal static string BashLibrary => BashLibraryText.Value;

    private static readonly Lazy<string> BashLibraryText = new(() => Embedded("VmLab.Lab.job-lib.bash"));

    private static string Unit(Boot boot, ILabSuite suite, SuiteTarget target) =>
        $"vmlab_unit {boot.UnitName(suite)} {Seconds(suite.Timeout)} {ShellWord.Quote(suite.Probe)} {ShellWord.Quote(suite.Command(target))}";

    private static TimeSpan Sum(IEnumerable<ILabSuite> suites) => suites.Aggregate(TimeSpan.Zero, (t, s) => t + s.Timeout);

    private static string Seconds(TimeSpan span) => ((long)Math.Ceiling(span.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
