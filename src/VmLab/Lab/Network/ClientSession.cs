using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using CliWrap;
using VmLab.Common;

namespace VmLab.Lab.Network;

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

/// <summary>One client command in a session of its own (<c>setsid</c>), so that a timeout kills everything it started.</summary>
internal static class ClientSession
{
    /// <summary>
    /// Runs <paramref name="command"/>, which starts a session of its own (<see cref="ClientNetwork.ClientArguments"/>), until it
    /// exits. At <paramref name="timeout"/> or on <paramref name="cancellationToken"/> the whole session is killed;
    /// a timeout returns <see cref="ClientRun.TimeoutExitCode"/>, a cancellation throws.
    /// </summary>
    public static async Task<(int ExitCode, bool TimedOut, TimeSpan Duration)> RunAsync(
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
    internal sealed class InterleavedOutput
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
