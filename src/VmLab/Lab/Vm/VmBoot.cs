using System.Diagnostics;
using System.Globalization;
using CliWrap.EventStream;
using CliWrap;
using VmLab.Lab.Ledger;
using VmLab.Lab.Plan;

namespace VmLab.Lab.Vm;

/// <summary>How long a boot may take: to READY, and in all (READY plus every suite's timeout plus L2 boots).</summary>
/// <param name="AfterDone">How long QEMU may take to power off after DONE before it is stopped (not a failure).</param>
public sealed record BootBudget(TimeSpan ToReady, TimeSpan Total, TimeSpan AfterDone)
{
    public static BootBudget Of(LabProfile profile, Boot boot)
    {
        var l2 = profile.L2Boot * (boot.Scenario.Measured == Layer.L2 ? 1 : 0); // one L2 boot per guest scenario, none for host
        var suites = boot.Suites.Aggregate(TimeSpan.Zero, (t, s) => t + s.Timeout);
        return new BootBudget(profile.L1Boot, profile.L1Boot + l2 + suites, TimeSpan.FromSeconds(60));
    }
}

/// <summary>Why VmLab's watchdog killed a VM.</summary>
public enum KillCause
{
    /// <summary>No READY within the boot's time to READY: a hung or failed boot.</summary>
    NoReady,

    /// <summary>Over the boot's whole budget: a suite or L2 hung.</summary>
    OverBudget,

    /// <summary>DONE was seen but the VM did not power off in time: the job was complete, so this is no failure.</summary>
    NoPoweroff,
}

/// <summary>A watchdog kill: its cause, and the words the console log and the ledger say it in.</summary>
public sealed record BootKill(KillCause Cause, string Text);

/// <summary>How a boot ended.</summary>
/// <param name="Finished">DONE was seen: the job ran to its end.</param>
/// <param name="Killed">Why VmLab killed the VM (hung before READY, over budget), or null when it stopped by itself.</param>
/// <param name="ExitCode">QEMU's exit code (null when killed).</param>
/// <param name="Pid">The VM process, as logged.</param>
/// <param name="Tail">The console's last lines, for the error message and the ledger.</param>
public sealed record BootOutcome(bool Finished, BootKill? Killed, int? ExitCode, int Pid, TimeSpan Duration, IReadOnlyList<string> Tail)
{
    /// <summary>The job ran to its end and the VM was not killed.</summary>
    public bool Succeeded => Finished && Killed is null;

    /// <summary>How the ledger records this boot's end.</summary>
    public BootEnd End => Succeeded ? BootEnd.Finished : BootEnd.Failed(FailureReason);

    /// <summary>Why the boot's unfinished units failed, in words.</summary>
    public string FailureReason =>
        Killed?.Text ?? (Finished ? "the job finished without reporting this unit" : $"the VM stopped (exit code {ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "?"}) before the job finished: it crashed or powered off early");
}

/// <summary>
/// Runs one VM: its console (QEMU's stdout) streams, line by line, into the console log and through a
/// <see cref="ConsoleReader"/> whose events go to the caller as they happen (so each unit is saved the moment it
/// arrives). A VM that does not reach READY in time, or overruns its budget, is killed by its PID; one that hangs
/// after DONE is stopped after a grace period. Cancelling (Ctrl-C) kills it too, then throws.
/// </summary>
public static class VmBoot
{
    /// <param name="timeline">Gets the boot's markers stamped by L0's clock (and starts with the VM); null for none.</param>
    /// <param name="shown">How the command is written into the console log (L0's paths made relative, <see cref="Common.RepoPaths.ShownIn"/>); null: as it is.</param>
    /// <param name="started">Gets the VM's PID as soon as it runs (L0 reads its threads' CPU time at the units' edges).</param>
    public static Task<BootOutcome> RunAsync(
        Command vm,
        string consoleLog,
        BootBudget budget,
        Func<ConsoleEvent, Task> onEvent,
        CancellationToken cancellationToken,
        ConsoleInput? input = null,
        BootTimeline? timeline = null,
        Func<string, string>? shown = null,
        Action<int>? started = null) =>
        new VmRun(budget, onEvent, timeline ?? new BootTimeline()) { Shown = shown, Started = started }
            .RunAsync(input is null ? vm : vm.WithStandardInputPipe(input.Source), consoleLog, cancellationToken);

    /// <summary>Kills the VM by its PID (and anything it started), whatever its state; a VM already gone is fine.</summary>
    internal static void Kill(int pid)
    {
        if (pid <= 0)
        {
            return;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (ArgumentException)
        {
            // already exited
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
    }
}

/// <summary>One VM's run: the console stream, the watchdog beside it, and how it ended.</summary>
internal sealed class VmRun(BootBudget budget, Func<ConsoleEvent, Task> onEvent, BootTimeline timeline)
{
    private const int TailLines = 40;
    private readonly ConsoleReader _reader = new();
    private readonly Queue<string> _tail = new();
    // The stream writes these and the watchdog reads them from another thread: whole words, read and written volatile.
    private volatile bool _ready;
    private volatile bool _exited;
    private long _doneAtTicks = -1;
    private bool _finished;
    private volatile BootKill? _killed;
    private int? _exitCode;
    private int _pid;

    /// <summary>How the command is written into the console log; null: as it is.</summary>
    public Func<string, string>? Shown { get; init; }

    /// <summary>Gets the VM's PID when it starts; null for nobody.</summary>
    public Action<int>? Started { get; init; }

    public async Task<BootOutcome> RunAsync(Command vm, string consoleLog, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(consoleLog))!);
        await using var log = new StreamWriter(consoleLog, append: true) { AutoFlush = true };
        timeline.Start();

        // One token stops the VM for every reason; "why" is decided before it is cancelled.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watching = Task.Run(() => WatchAsync(stop), CancellationToken.None);
        try
        {
            await StreamAsync(vm, log, stop.Token);
        }
        catch (OperationCanceledException) when (_killed is not null && !cancellationToken.IsCancellationRequested)
        {
            // The watchdog stopped the VM; what it said up to then is still dispatched below.
        }
        catch (OperationCanceledException)
        {
            await InterruptedAsync(log, "killed");
            throw;
        }
        catch
        {
            // Whatever went wrong on this side (a full disk writing a unit, a bug), the VM must not outlive it.
            VmBoot.Kill(_pid);
            throw;
        }
        finally
        {
            await stop.CancelAsync();
            await watching;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            // Interrupted while the VM was ending anyway: the unfinished units are pending, not failed.
            await InterruptedAsync(log, "stopped");
            throw new OperationCanceledException(cancellationToken);
        }

        return await EndAsync(log);
    }

    /// <summary>Checks the budgets five times a second; over one, records why, kills the VM and stops the stream.</summary>
    private async Task WatchAsync(CancellationTokenSource stop)
    {
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        while (await tick.WaitForNextTickAsync(CancellationToken.None) && !stop.IsCancellationRequested)
        {
            if (!_exited && Overdue(timeline.Elapsed) is { } reason)
            {
                _killed = reason;
                timeline.Mark("killed");
                VmBoot.Kill(_pid);
                await stop.CancelAsync();
            }
        }
    }

    private BootKill? Overdue(TimeSpan elapsed) =>
        !_ready && elapsed > budget.ToReady ? new BootKill(KillCause.NoReady, $"no READY within {budget.ToReady.TotalSeconds:0} s (hung or failed boot)")
        : elapsed > budget.Total ? new BootKill(KillCause.OverBudget, $"over the boot's budget of {budget.Total.TotalSeconds:0} s (a suite or L2 hung)")
        : Volatile.Read(ref _doneAtTicks) is >= 0 and var done && elapsed - TimeSpan.FromTicks(done) > budget.AfterDone ? new BootKill(KillCause.NoPoweroff, "stopped: no poweroff after DONE")
        : null;

    private async Task StreamAsync(Command vm, StreamWriter log, CancellationToken cancellationToken)
    {
        await foreach (var e in vm.WithValidation(CommandResultValidation.None).ListenAsync(cancellationToken))
        {
            switch (e)
            {
                case StartedCommandEvent started:
                    _pid = started.ProcessId;
                    Started?.Invoke(_pid);
                    await log.WriteLineAsync($"# vmlab: started pid {_pid} at {DateTime.UtcNow:O}: {Shown?.Invoke(vm.ToString()) ?? vm.ToString()}");
                    break;
                case StandardOutputCommandEvent output:
                    await log.WriteLineAsync(output.Text);
                    Keep(output.Text);
                    await DispatchAsync(_reader.Feed(output.Text));
                    break;
                case StandardErrorCommandEvent error:
                    // QEMU's own messages (bad option, missing file) are kept apart from the guest's console.
                    await log.WriteLineAsync("# qemu: " + error.Text);
                    Keep("qemu: " + error.Text);
                    break;
                case ExitedCommandEvent exited:
                    _exitCode = exited.ExitCode;
                    _exited = true;
                    timeline.Mark("exit");
                    break;
            }
        }
    }

    /// <summary>Keeps the console's last lines (QEMU's own messages too) for the error message and the ledger.</summary>
    private void Keep(string line)
    {
        _tail.Enqueue(line);
        if (_tail.Count > TailLines)
        {
            _tail.Dequeue();
        }
    }

    private async Task DispatchAsync(IEnumerable<ConsoleEvent> events)
    {
        foreach (var e in events)
        {
            switch (e)
            {
                case ReadyEvent:
                    _ready = true;
                    break;
                case DoneEvent:
                    _finished = true;
                    Volatile.Write(ref _doneAtTicks, timeline.Elapsed.Ticks);
                    break;
            }

            timeline.Mark(e);
            await onEvent(e);
        }
    }

    private async Task InterruptedAsync(StreamWriter log, string how)
    {
        VmBoot.Kill(_pid);
        await log.WriteLineAsync($"# vmlab: interrupted after {timeline.Elapsed.TotalSeconds:F1} s, pid {_pid} {how}");
    }

    private async Task<BootOutcome> EndAsync(StreamWriter log)
    {
        await DispatchAsync(_reader.Complete());
        if (_killed is { Cause: KillCause.NoPoweroff } && _finished)
        {
            _killed = null; // the job was complete; the VM only failed to power off
        }

        var elapsed = timeline.Elapsed;
        await log.WriteLineAsync($"# vmlab: pid {_pid} ended after {elapsed.TotalSeconds:F1} s: " +
                                 (_killed is not null ? $"killed, {_killed.Text}" : $"exit code {_exitCode}, job {(_finished ? "finished" : "NOT finished")}"));
        return new BootOutcome(_finished, _killed, _killed is null ? _exitCode : null, _pid, elapsed, _tail.ToArray());
    }
}
