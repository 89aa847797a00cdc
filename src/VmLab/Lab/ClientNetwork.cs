using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using CliWrap;
using CliWrap.Buffered;
using CliWrap.Builders;
using VmLab.Common;
using VmLab.Rootfs;

namespace VmLab.Lab;

/// <summary>What one client run did: its exit code, how long it took, and its output as raw bytes.</summary>
/// <param name="Command">The argument list that ran, shell-quoted (for logs and the run's raw files).</param>
/// <param name="ExitCode">The client's exit code; <see cref="TimeoutExitCode"/> when it was killed at the timeout.</param>
/// <param name="Output">stdout and stderr in the order they were written, as <c>cmd &gt; out 2&gt;&amp;1</c> would leave them.</param>
public sealed record ClientRun(string Command, int ExitCode, TimeSpan Duration, byte[] Output, bool TimedOut)
{
    /// <summary>What coreutils' <c>timeout</c> returns when the time ran out.</summary>
    public const int TimeoutExitCode = 124;

    /// <summary>The output as text (UTF-8, as the parsers read raw files).</summary>
    public string Text => Encoding.UTF8.GetString(Output);
}

/// <summary>
/// The process that owns a namespace. Its start time (field 22 of <c>/proc/PID/stat</c>) is kept with the pid,
/// because a pid alone is reused once its process has died.
/// </summary>
public sealed record NamespaceOwner(int Pid, long StartTime)
{
    /// <summary>This process.</summary>
    public static NamespaceOwner Current => Of(Environment.ProcessId)
        ?? throw new InvalidOperationException("/proc/self/stat is not readable");

    /// <summary>The process <paramref name="pid"/> as it is now, or null when there is none.</summary>
    public static NamespaceOwner? Of(int pid) =>
        ProcStat.Read(pid) is { } stat ? new NamespaceOwner(pid, stat.StartTime) : null;

    /// <summary>The same process is still running (same pid and start time).</summary>
    public bool IsAlive => Of(Pid)?.StartTime == StartTime;
}

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

        await SweepAsync(options.StateDirectory, log, cancellationToken);
        var pidFile = Path.Combine(options.StateDirectory, name + ".pid");
        if (File.Exists(Path.Combine(NetnsDirectory, name)))
        {
            var owner = File.Exists(pidFile) ? ReadOwner(pidFile) : null;
            throw new LabException(
                owner is null
                    ? $"The network namespace {name} already exists and VmLab has no record of its owner ({pidFile} is missing)."
                    : $"The network namespace {name} is in use by process {owner.Pid} (another vmlab run with the same run id '{runId}'?).",
                owner is null ? $"if no run uses it: ip netns del {name}" : $"wait for process {owner.Pid} to finish, or stop it: kill {owner.Pid}");
        }

        // The owner record first: a crash right after `ip netns add` still leaves something for the sweep to find.
        var me = options.Owner ?? NamespaceOwner.Current;
        Directory.CreateDirectory(options.StateDirectory);
        AtomicFile.WriteAllText(pidFile, $"{me.Pid}\nstart={me.StartTime}\nrun={runId}\n");
        var network = new ClientNetwork(name, options.Tap, Path.GetFullPath(clientRoot), pidFile, log);
        try
        {
            await IpAsync(["netns", "add", name], cancellationToken);
            await IpAsync(["-n", name, "link", "set", "lo", "up"], cancellationToken);
            await IpAsync(["-n", name, "tuntap", "add", "dev", options.Tap, "mode", "tap"], cancellationToken);
            await IpAsync(["-n", name, "address", "add", $"{L0Address}/{PrefixLength}", "dev", options.Tap], cancellationToken);
            await IpAsync(["-n", name, "link", "set", options.Tap, "up"], cancellationToken);
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
    /// every process the command started), the namespace, the client root, and its shell with stderr joined to stdout.
    /// </summary>
    public ImmutableArray<string> ClientArguments(string shellCommand) =>
    [
        .. ClientChroot.CleanEnvironment,
        // A session of its own, so a timeout can kill everything the command started. --wait: should setsid have to
        // fork (when started as a process group leader), it still returns the command's exit code, not its own.
        "setsid", "--wait",
        .. Wrap(ClientChroot.Shell(ClientRoot, "exec 2>&1; " + shellCommand)),
    ];

    /// <summary>
    /// Runs <paramref name="shellCommand"/> (e.g. <c>netperf -H 192.168.0.105 -t TCP_RR -l 30</c>) inside the
    /// namespace from the client root: <c>ip netns exec NAME chroot ROOT /bin/sh -c COMMAND</c>. Output is captured
    /// as raw bytes, stdout and stderr interleaved. At <paramref name="timeout"/> every process of the command is
    /// killed and the exit code is <see cref="ClientRun.TimeoutExitCode"/> (124). A client exiting non-zero is a
    /// result, not an exception. For foreground clients: a daemon that leaves the session keeps running.
    /// </summary>
    /// <param name="cancellationToken">Kills the command's processes too (Ctrl-C), then throws.</param>
    public async Task<ClientRun> RunClientAsync(string shellCommand, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var argv = ClientArguments(shellCommand);
        var output = new InterleavedOutput();
        var command = Cli.Wrap(argv[0]).WithArguments(argv.Skip(1))
            .WithStandardOutputPipe(output.Target)
            .WithStandardErrorPipe(output.Target) // only the wrappers' own errors (env, ip, chroot): the client's go to stdout
            .WithValidation(CommandResultValidation.None);
        var (exitCode, timedOut, duration) = await RunInSessionAsync(command, timeout, cancellationToken);
        return new ClientRun(string.Join(' ', argv.Select(ShellWord.Quote)), exitCode, duration, output.ToArray(), timedOut);
    }

    /// <summary>
    /// Runs <paramref name="command"/>, which starts a session of its own (<see cref="ClientArguments"/>), until it
    /// exits. At <paramref name="timeout"/> or on <paramref name="cancellationToken"/> the whole session is killed;
    /// a timeout returns <see cref="ClientRun.TimeoutExitCode"/>, a cancellation throws.
    /// </summary>
    private static async Task<(int ExitCode, bool TimedOut, TimeSpan Duration)> RunInSessionAsync(
        Command command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        var clock = Stopwatch.StartNew();
        var running = command.ExecuteAsync(linked.Token);
        // With its start time: once the leader has exited and been reaped, its pid can be another process's.
        var session = ProcStat.Read(running.ProcessId);
        int exitCode;
        var timedOut = false;
        // CliWrap kills the process it started (setsid's pid, which dash and the client replace or fork from); this
        // kills the rest of the session, whichever of the two runs first.
        using (linked.Token.Register(() => ProcessSession.Kill(session)))
        {
            try
            {
                exitCode = (await running).ExitCode;
            }
            catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                timedOut = true;
                exitCode = ClientRun.TimeoutExitCode;
            }
            finally
            {
                if (linked.IsCancellationRequested)
                {
                    ProcessSession.Kill(session); // whatever forked while the first kill ran
                }
            }
        }

        return (exitCode, timedOut, clock.Elapsed);
    }

    /// <summary>
    /// One sink for both of a command's pipes: the bytes in the order they arrive, as <c>cmd &gt; out 2&gt;&amp;1</c>
    /// would leave them.
    /// </summary>
    private sealed class InterleavedOutput
    {
        private readonly MemoryStream _bytes = new();
        private readonly object _gate = new();

        public InterleavedOutput() => Target = PipeTarget.Create(CopyAsync);

        public PipeTarget Target { get; }

        public byte[] ToArray()
        {
            lock (_gate)
            {
                return _bytes.ToArray();
            }
        }

        private async Task CopyAsync(Stream stream, CancellationToken cancellationToken)
        {
            var buffer = new byte[16384];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                lock (_gate)
                {
                    _bytes.Write(buffer, 0, read);
                }
            }
        }
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
            await RemoveAsync(Name, Tap, PidFile, _log, timeout.Token);
        }
        catch (Exception ex) when (ex is LabException or OperationCanceledException or IOException)
        {
            _log($"network namespace {Name} could not be removed ({ex.Message}); the next lab run sweeps it, or: ip netns del {Name}");
        }
    }

    /// <summary>
    /// Removes every namespace recorded in <paramref name="stateDirectory"/> whose owner is no longer running (a run
    /// killed with SIGKILL, a crash). Namespaces of live owners and <c>vmlab-*</c> namespaces without a record are left alone.
    /// </summary>
    /// <returns>The names removed.</returns>
    public static async Task<IReadOnlyList<string>> SweepAsync(
        string stateDirectory = DefaultStateDirectory, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        log ??= _ => { };
        var removed = new List<string>();
        if (!Directory.Exists(stateDirectory))
        {
            return removed;
        }

        foreach (var pidFile in Directory.GetFiles(stateDirectory, NamePrefix + "*.pid").Order(StringComparer.Ordinal))
        {
            var owner = ReadOwner(pidFile);
            if (owner is { IsAlive: true })
            {
                continue;
            }

            var name = Path.GetFileNameWithoutExtension(pidFile);
            log($"sweeping network namespace {name}: its owner (pid {owner?.Pid.ToString(CultureInfo.InvariantCulture) ?? "unknown"}) is gone");
            await RemoveAsync(name, tap: null, pidFile, log, cancellationToken);
            removed.Add(name);
        }

        return removed;
    }

    /// <summary>Whether a namespace of this name exists on the machine now.</summary>
    public static bool Exists(string name) => File.Exists(Path.Combine(NetnsDirectory, name));

    private static async Task RemoveAsync(string name, string? tap, string pidFile, Action<string> log, CancellationToken cancellationToken)
    {
        if (Exists(name))
        {
            var killed = await KillEverythingInsideAsync(name, cancellationToken);
            if (killed.Count > 0)
            {
                log($"network namespace {name}: killed {killed.Count} process(es) still inside (pid {string.Join(", ", killed)})");
            }

            if (tap is not null)
            {
                // Deleting the namespace deletes its tap too; asking first keeps a failure visible in the right words.
                await IpAsync(["-n", name, "link", "delete", tap], cancellationToken, validate: false);
            }

            await IpAsync(["netns", "delete", name], cancellationToken);
            log($"network namespace {name}: removed");
        }

        File.Delete(pidFile);
    }

    /// <summary>SIGKILLs every process in the namespace (by pid, from <c>ip netns pids</c>) until none is left.</summary>
    private static async Task<List<int>> KillEverythingInsideAsync(string name, CancellationToken cancellationToken)
    {
        var killed = new List<int>();
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var pids = (await IpAsync(["netns", "pids", name], cancellationToken))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => int.Parse(p, CultureInfo.InvariantCulture))
                .Where(p => p != Environment.ProcessId)
                .ToList();
            if (pids.Count == 0)
            {
                return killed;
            }

            foreach (var pid in pids)
            {
                ProcessSession.SendKill(pid);
                if (!killed.Contains(pid))
                {
                    killed.Add(pid);
                }
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new LabException(
            $"Processes in the network namespace {name} survive SIGKILL (pid {string.Join(", ", killed)}; stuck in the kernel?).",
            $"ip netns pids {name}, then ps -o pid,stat,wchan,cmd -p PID; ip netns del {name} once they are gone");
    }

    private static NamespaceOwner? ReadOwner(string pidFile)
    {
        try
        {
            var lines = File.ReadAllLines(pidFile);
            if (lines.Length == 0 || !int.TryParse(lines[0].Trim(), CultureInfo.InvariantCulture, out var pid))
            {
                return null;
            }

            var start = lines.Skip(1).FirstOrDefault(l => l.StartsWith("start=", StringComparison.Ordinal)) is { } s
                && long.TryParse(s["start=".Length..], CultureInfo.InvariantCulture, out var t) ? t : -1;
            // An old record without a start time: the pid alone says whether it runs.
            return start >= 0 ? new NamespaceOwner(pid, start) : NamespaceOwner.Of(pid) ?? new NamespaceOwner(pid, -1);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private static async Task<string> IpAsync(string[] arguments, CancellationToken cancellationToken, bool validate = true)
    {
        BufferedCommandResult result;
        try
        {
            result = await Cli.Wrap("ip").WithArguments(arguments)
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(cancellationToken);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new LabException(
                $"Cannot run 'ip' ({ex.Message}); the lab's network namespace needs iproute2.",
                "run ./build.sh --target=Prerequisites (or apt-get install iproute2)", ex);
        }

        if (validate && result.ExitCode != 0)
        {
            throw new LabException(
                $"ip {string.Join(' ', arguments)} failed (exit code {result.ExitCode}): {(result.StandardError + result.StandardOutput).Trim()}",
                "check that this kernel has network namespaces and tun (ls /dev/net/tun), then run the lab again");
        }

        return result.StandardOutput;
    }
}

/// <summary>The fields of <c>/proc/PID/stat</c> VmLab reads.</summary>
internal sealed record ProcStat(int Pid, char State, int ParentPid, int Session, long StartTime)
{
    public static ProcStat? Read(int pid)
    {
        try
        {
            return Parse(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Parses one stat line; the command name (field 2) may hold spaces and parentheses, so fields count from its last ')'.</summary>
    public static ProcStat? Parse(string line)
    {
        var close = line.LastIndexOf(')');
        if (close < 0 || !int.TryParse(line[..line.IndexOf(' ')], CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }

        var fields = line[(close + 2)..].Split(' ');
        return fields.Length > 19
            ? new ProcStat(
                pid,
                fields[0][0],
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                int.Parse(fields[3], CultureInfo.InvariantCulture),
                long.Parse(fields[19], CultureInfo.InvariantCulture))
            : null;
    }

    public static IEnumerable<ProcStat> All() =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(n => n!.All(char.IsAsciiDigit))
            .Select(n => Read(int.Parse(n!, CultureInfo.InvariantCulture)))
            .OfType<ProcStat>();
}

/// <summary>Kills a client command with everything it started: the session <c>setsid</c> made for it.</summary>
internal static class ProcessSession
{
    /// <summary>
    /// SIGKILLs every process of the session led by <paramref name="leader"/> (and of a session led by one of its
    /// children, should setsid have had to fork), repeating until none is left or a second has passed. It stops when
    /// the leader's pid belongs to another process (another start time): the kernel reuses a pid only once no process
    /// is left in the session it led, and the new process is not the client's. Null (the leader had gone before its
    /// start time was read): nothing to kill.
    /// </summary>
    /// <returns>How many processes were signalled.</returns>
    public static int Kill(ProcStat? leader)
    {
        var signalled = 0;
        var deadline = Stopwatch.StartNew();
        while (leader is not null && deadline.Elapsed < TimeSpan.FromSeconds(1))
        {
            var all = ProcStat.All().ToList();
            if (all.Any(p => p.Pid == leader.Pid && p.StartTime != leader.StartTime))
            {
                break;
            }

            var sessions = all.Where(p => p.Pid == leader.Pid || p.ParentPid == leader.Pid).Select(p => p.Pid).Append(leader.Pid).ToHashSet();
            // A zombie is dead already; it only waits for its parent to read its exit code.
            var members = all.Where(p => p.State != 'Z' && (sessions.Contains(p.Session) || p.Pid == leader.Pid)).Select(p => p.Pid).ToList();
            if (members.Count == 0)
            {
                break;
            }

            foreach (var pid in members)
            {
                SendKill(pid);
                signalled++;
            }

            Thread.Sleep(20);
        }

        return signalled;
    }

    public static void SendKill(int pid) => _ = kill(pid, 9);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
