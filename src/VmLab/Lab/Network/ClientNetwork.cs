using System.Collections.Immutable;
using CliWrap;
using VmLab.Common;
using VmLab.Lab.Artifacts;
using VmLab.Lab.Vm;
using VmLab.Rootfs;

namespace VmLab.Lab.Network;

/// <summary>Settings of <see cref="ClientNetwork.CreateAsync"/>; the defaults are what the lab uses.</summary>
public sealed record ClientNetworkOptions
{
    /// <summary>Where each namespace's owner is recorded (<c>&lt;name&gt;.pid</c>), so a later run can sweep what a dead one left.</summary>
    public string StateDirectory { get; init; } = ClientNetwork.DefaultStateDirectory;

    /// <summary>The tap's name inside the namespace (every namespace has its own interface names).</summary>
    public string Tap { get; init; } = ClientNetwork.DefaultTap;

    /// <summary>Who owns the namespace; null: this process. Tests give a child process to simulate a crash.</summary>
    public NamespaceOwner? Owner { get; init; }

    /// <summary>Told what was created, swept and removed.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>
/// L0's side of the lab network (DESIGN.md, "Network vantage point"): a network namespace <c>vmlab-&lt;hash of the
/// run id&gt;</c> holding only <c>lo</c> and a persistent tap with 192.168.0.1/24. QEMU for L1 runs inside it
/// (<see cref="Wrap(Command)"/>) with <c>-netdev tap,ifname=<see cref="Tap"/>,script=no,downscript=no</c>, so the tap
/// is L1's NIC; the benchmark clients run inside it from the client root (<see cref="RunClientAsync"/>).
/// Nothing leaves the namespace: no default route, no NAT, no veth to the machine's own network.
/// </summary>
/// <remarks>
/// Removal: <see cref="DisposeAsync"/> kills whatever still runs inside (QEMU should have been stopped first), deletes
/// the tap and the namespace, and drops the owner record. When the owner cannot dispose (SIGKILL, a crash), the
/// next <see cref="CreateAsync"/> on this machine sweeps every namespace whose recorded owner is gone.
/// </remarks>
public sealed class ClientNetwork : IAsyncDisposable, INetworkClient
{
    /// <summary>L0's address on the lab network (L1 is <see cref="JobScript.L1Address"/>, L2 <see cref="JobScript.L2Address"/>).</summary>
    public const string L0Address = "192.168.0.1";

    public const int PrefixLength = 24;

    public const string DefaultTap = "vmlab0";

    public const string NamePrefix = "vmlab-";

    public const string DefaultStateDirectory = "/run/vmlab/netns";

    /// <summary>Where <c>ip netns add</c> keeps the namespaces (iproute2's NETNS_RUN_DIR).</summary>
    public const string NetnsDirectory = "/run/netns";

    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(30);
    private readonly Action<string> _log;
    private int _disposed;

    internal ClientNetwork(string name, string tap, string clientRoot, string pidFile, Action<string> log)
    {
        Name = name;
        Tap = tap;
        ClientRoot = clientRoot;
        PidFile = pidFile;
        _log = log;
    }

    /// <summary>The namespace's name, <c>vmlab-</c> and 10 hex digits of the run id's sha256.</summary>
    public string Name { get; }

    /// <summary>The tap inside the namespace that becomes L1's NIC.</summary>
    public string Tap { get; }

    /// <summary>The tree the clients run in (<c>artifacts/client/&lt;key&gt;/root</c>).</summary>
    public string ClientRoot { get; }

    /// <summary>The owner record, <c>/run/vmlab/netns/&lt;name&gt;.pid</c>: pid, start time, run id.</summary>
    public string PidFile { get; }

    /// <summary>The namespace a run uses: one per run id, so two runs never share one.</summary>
    public static string NameFor(string runId) => NamePrefix + Hashing.Sha256OfText(runId)[..10];

    /// <summary>
    /// Sweeps what dead runs left, then creates the namespace of <paramref name="runId"/>: <c>lo</c> up, the tap,
    /// 192.168.0.1/24 on it, up. The tap has no carrier until QEMU opens it; 192.168.0.1 is reachable inside the
    /// namespace at once.
    /// </summary>
    /// <param name="clientRoot">The client root's tree (<see cref="ClientRootArtifact.RootDirectory"/>).</param>
    public static async Task<ClientNetwork> CreateAsync(
        string runId, string clientRoot, ClientNetworkOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ClientNetworkOptions();
        var log = options.Log ?? (_ => { });
        var name = NameFor(runId);
        if (!Privileges.Detect().IsRoot)
        {
            throw new LabException(
                $"The lab's network namespace ({name}) cannot be created without root: ip netns add and ip tuntap need CAP_NET_ADMIN, and the clients run with chroot.",
                "run the lab as root: sudo ./build.sh --target=Lab");
        }

        if (!File.Exists(Path.Combine(clientRoot, "bin", "sh")))
        {
            throw new LabException($"The client root {clientRoot} does not exist or has no /bin/sh.", "build it: sudo ./build.sh --target=ClientRoot");
        }

        await NamespaceSweep.SweepAsync(options.StateDirectory, log, cancellationToken);
        var pidFile = Path.Combine(options.StateDirectory, name + ".pid");
        if (NamespaceSweep.Exists(name))
        {
            var owner = File.Exists(pidFile) ? NamespaceOwner.ReadRecord(pidFile) : null;
            throw new LabException(
                owner is null
                    ? $"The network namespace {name} already exists and VmLab has no record of its owner ({pidFile} is missing)."
                    : $"The network namespace {name} is in use by process {owner.Pid} (another vmlab run with the same run id '{runId}'?).",
                owner is null ? $"if no run uses it: ip netns del {name}" : $"wait for process {owner.Pid} to finish, or stop it: kill {owner.Pid}");
        }

        // The owner record first: a crash right after `ip netns add` still leaves something for the sweep to find.
        var me = options.Owner ?? NamespaceOwner.Current;
        Directory.CreateDirectory(options.StateDirectory);
        me.WriteRecord(pidFile, runId);
        var network = new ClientNetwork(name, options.Tap, Path.GetFullPath(clientRoot), pidFile, log);
        try
        {
            await IpCommand.RunAsync(["netns", "add", name], cancellationToken);
            await IpCommand.RunAsync(["-n", name, "link", "set", "lo", "up"], cancellationToken);
            await IpCommand.RunAsync(["-n", name, "tuntap", "add", "dev", options.Tap, "mode", "tap"], cancellationToken);
            await IpCommand.RunAsync(["-n", name, "address", "add", $"{L0Address}/{PrefixLength}", "dev", options.Tap], cancellationToken);
            await IpCommand.RunAsync(["-n", name, "link", "set", options.Tap, "up"], cancellationToken);
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }

        log($"network namespace {name}: lo, {options.Tap} {L0Address}/{PrefixLength} (owner pid {me.Pid}; no route out)");
        return network;
    }

    /// <summary>
    /// The argument list that runs <paramref name="argv"/> inside the namespace: <c>ip netns exec NAME argv…</c>.
    /// For QEMU: <c>network.Wrap(["qemu-system-aarch64", .. qemu.Arguments()])</c>.
    /// </summary>
    public ImmutableArray<string> Wrap(IEnumerable<string> argv) => ["ip", "netns", "exec", Name, .. argv];

    /// <summary>
    /// <paramref name="command"/> run inside the namespace (<c>ip netns exec NAME target args…</c>), keeping its
    /// environment, working directory, pipes and validation. For QEMU: <c>network.Wrap(qemu.ToCliWrap())</c>.
    /// </summary>
    public Command Wrap(Command command) => ShellWord.Prefix(command, ["ip", "netns", "exec", Name]);

    /// <summary>
    /// The argument list <see cref="RunClientAsync"/> runs: a clean environment, a new session (so a timeout kills
    /// every process the command started), the namespace, a read-only <c>/proc</c> in the client root, the client root,
    /// and its shell with stderr joined to stdout.
    /// </summary>
    public ImmutableArray<string> ClientArguments(string shellCommand) =>
    [
        .. ClientChroot.CleanEnvironment,
        // A session of its own, so a timeout can kill everything the command started. --wait: should setsid have to
        // fork (when started as a process group leader), it still returns the command's exit code, not its own.
        "setsid", "--wait",
        // netperf -c reads /proc/stat (L0's CPU) and exits "Cannot open /proc/stat!" without it. `ip netns exec` runs in
        // a mount namespace of its own (unshared, / made a slave), so this /proc is the client's alone and goes when it
        // exits: nothing to unmount, nothing seen outside. ROOT and the command are the shell's $0 and $1, not quoted in.
        .. Wrap(["/bin/sh", "-c", ProcThenChroot, ClientRoot, "exec 2>&1; " + shellCommand]),
    ];

    private const string ProcThenChroot =
        "mount -t proc -o ro,nosuid,nodev,noexec proc \"$0/proc\" && exec chroot \"$0\" /bin/sh -c \"$1\"";

    /// <summary>
    /// Runs <paramref name="shellCommand"/> (e.g. <c>netperf -H 192.168.0.105 -t TCP_RR -l 30 -c -C</c>) inside the
    /// namespace from the client root: <c>ip netns exec NAME /bin/sh -c 'mount proc ROOT/proc &amp;&amp; exec chroot ROOT
    /// /bin/sh -c COMMAND'</c>. Output is captured
    /// as raw bytes, stdout and stderr interleaved. At <paramref name="timeout"/> every process of the command is
    /// killed and the exit code is <see cref="ClientRun.TimeoutExitCode"/> (124). A client exiting non-zero is a
    /// result, not an exception. For foreground clients: a daemon that leaves the session keeps running.
    /// </summary>
    /// <param name="cancellationToken">Kills the command's processes too (Ctrl-C), then throws.</param>
    public async Task<ClientRun> RunClientAsync(string shellCommand, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var argv = ClientArguments(shellCommand);
        var output = new ClientSession.InterleavedOutput();
        var command = Cli.Wrap(argv[0]).WithArguments(argv.Skip(1))
            .WithStandardOutputPipe(output.Target)
            .WithStandardErrorPipe(output.Target) // only the wrappers' own errors (env, ip, chroot): the client's go to stdout
            .WithValidation(CommandResultValidation.None);
        var (exitCode, timedOut, duration) = await ClientSession.RunAsync(command, timeout, cancellationToken);
        return new ClientRun(string.Join(' ', argv.Select(ShellWord.Quote)), exitCode, duration, output.ToArray(), timedOut);
    }


    /// <summary>The lab's network client: <see cref="RunClientAsync"/>.</summary>
    public Task<ClientRun> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken) => RunClientAsync(command, timeout, cancellationToken);

    /// <summary>
    /// Removes the namespace: kills what still runs in it, deletes the tap and the namespace, drops the owner record.
    /// Never throws (it runs after errors and Ctrl-C): a failure is logged, and the record stays for the next sweep.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(CleanupTimeout);
        try
        {
            await NamespaceSweep.RemoveAsync(Name, Tap, PidFile, _log, timeout.Token);
        }
        catch (Exception ex) when (ex is LabException or OperationCanceledException or IOException)
        {
            _log($"network namespace {Name} could not be removed ({ex.Message}); the next lab run sweeps it, or: ip netns del {Name}");
        }
    }
}
