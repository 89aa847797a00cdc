using System.Diagnostics;
using System.Globalization;
using CliWrap;
using CliWrap.EventStream;

namespace VmLab.Lab;

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
    private const int TailLines = 40;

    public static async Task<BootOutcome> RunAsync(
        Command vm,
        string consoleLog,
        BootBudget budget,
        Func<ConsoleEvent, Task> onEvent,
        CancellationToken cancellationToken,
        ConsoleInput? input = null)
    {
        if (input is not null)
        {
            vm = vm.WithStandardInputPipe(input.Source);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(consoleLog))!);
        await using var log = new StreamWriter(consoleLog, append: true) { AutoFlush = true };
        var reader = new ConsoleReader();
        var tail = new Queue<string>();
        var clock = Stopwatch.StartNew();
        var ready = false;
        var finished = false;
        BootKill? killed = null;
        int? exitCode = null;
        var pid = 0;
        TimeSpan? doneAt = null;

        // One token stops the VM for every reason; "why" is decided before it is cancelled.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var watchdog = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        var watching = Task.Run(async () =>
        {
            while (await watchdog.WaitForNextTickAsync(CancellationToken.None) && !stop.IsCancellationRequested)
            {
                var reason =
                    !ready && clock.Elapsed > budget.ToReady ? new BootKill(KillCause.NoReady, $"no READY within {budget.ToReady.TotalSeconds:0} s (hung or failed boot)")
                    : clock.Elapsed > budget.Total ? new BootKill(KillCause.OverBudget, $"over the boot's budget of {budget.Total.TotalSeconds:0} s (a suite or L2 hung)")
                    : doneAt is { } d && clock.Elapsed - d > budget.AfterDone ? new BootKill(KillCause.NoPoweroff, "stopped: no poweroff after DONE")
                    : null;
                if (reason is not null)
                {
                    killed = reason;
                    Kill(pid);
                    await stop.CancelAsync();
                }
            }
        }, CancellationToken.None);

        async Task Dispatch(IEnumerable<ConsoleEvent> events)
        {
            foreach (var e in events)
            {
                switch (e)
                {
                    case ReadyEvent:
                        ready = true;
                        break;
                    case DoneEvent:
                        finished = true;
                        doneAt = clock.Elapsed;
                        break;
                }

                await onEvent(e);
            }
        }

        try
        {
            await foreach (var e in vm.WithValidation(CommandResultValidation.None).ListenAsync(stop.Token))
            {
                switch (e)
                {
                    case StartedCommandEvent started:
                        pid = started.ProcessId;
                        await log.WriteLineAsync($"# vmlab: started pid {pid} at {DateTime.UtcNow:O}: {vm}");
                        break;
                    case StandardOutputCommandEvent output:
                        await log.WriteLineAsync(output.Text);
                        tail.Enqueue(output.Text);
                        if (tail.Count > TailLines)
                        {
                            tail.Dequeue();
                        }

                        await Dispatch(reader.Feed(output.Text));
                        break;
                    case StandardErrorCommandEvent error:
                        // QEMU's own messages (bad option, missing file) are kept apart from the guest's console.
                        await log.WriteLineAsync("# qemu: " + error.Text);
                        tail.Enqueue("qemu: " + error.Text);
                        break;
                    case ExitedCommandEvent exited:
                        exitCode = exited.ExitCode;
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (killed is not null && !cancellationToken.IsCancellationRequested)
        {
            // The watchdog stopped the VM; what it said up to then is still dispatched below.
        }
        catch (OperationCanceledException)
        {
            Kill(pid);
            await log.WriteLineAsync($"# vmlab: interrupted after {clock.Elapsed.TotalSeconds:F1} s, pid {pid} killed");
            throw;
        }
        catch
        {
            // Whatever went wrong on this side (a full disk writing a unit, a bug), the VM must not outlive it.
            Kill(pid);
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
            Kill(pid);
            await log.WriteLineAsync($"# vmlab: interrupted after {clock.Elapsed.TotalSeconds:F1} s, pid {pid} stopped");
            throw new OperationCanceledException(cancellationToken);
        }

        await Dispatch(reader.Complete());
        if (killed is { Cause: KillCause.NoPoweroff } && finished)
        {
            killed = null; // the job was complete; the VM only failed to power off
        }

        await log.WriteLineAsync($"# vmlab: pid {pid} ended after {clock.Elapsed.TotalSeconds:F1} s: " +
                                 (killed is not null ? $"killed, {killed.Text}" : $"exit code {exitCode}, job {(finished ? "finished" : "NOT finished")}"));
        return new BootOutcome(finished, killed, killed is null ? exitCode : null, pid, clock.Elapsed, tail.ToArray());
    }

    /// <summary>Kills the VM by its PID (and anything it started), whatever its state; a VM already gone is fine.</summary>
    private static void Kill(int pid)
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
