using System.Diagnostics;
using System.Globalization;

namespace VmLab.Lab.Vm;

/// <summary>One point of a boot's time line: seconds since L1's QEMU started, by L0's clock, and what happened.</summary>
public sealed record TimelineMark(double Seconds, string Event);

/// <summary>
/// A boot's time line as L0 saw it: L1's markers (READY, PHASE, SERVE, STATUS, DONE) stamped as they arrive, L0's
/// network clients and the go, QEMU's exit. It splits a boot's fixed cost (its time outside the units) into its parts:
/// L1's boot, L1's setup, L2's boot and CPU suites, the clients, stopping L2, sending its console, powering off.
/// Thread-safe: the console and L0's clients mark it from different tasks.
/// </summary>
public sealed class BootTimeline
{
    private readonly Stopwatch _clock = new();
    private readonly List<TimelineMark> _marks = [];
    private readonly Lock _lock = new();

    /// <summary>Time since <see cref="Start"/>.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>The marks so far, in the order they happened.</summary>
    public IReadOnlyList<TimelineMark> Marks
    {
        get
        {
            lock (_lock)
            {
                return [.. _marks];
            }
        }
    }

    /// <summary>Starts the clock (when QEMU is started).</summary>
    public void Start() => _clock.Restart();

    /// <summary>Marks <paramref name="what"/> now.</summary>
    public void Mark(string what)
    {
        lock (_lock)
        {
            _marks.Add(new TimelineMark(Math.Round(_clock.Elapsed.TotalSeconds, 1), what));
        }
    }

    /// <summary>Marks a console event that belongs on the time line (markers that say where the job is); others are not.</summary>
    public void Mark(ConsoleEvent e)
    {
        var what = e switch
        {
            ReadyEvent ready => $"ready {ready.Layer}",
            PhaseEvent phase => phase.Name,
            ServeEvent serve => $"serve {serve.Server}",
            StatusEvent status => $"status {status.Unit}",
            DoneEvent => "done",
            _ => null,
        };
        if (what is not null)
        {
            Mark(what);
        }
    }

    /// <summary>The time line in one line: each mark with its time and the time since the mark before it.</summary>
    public static string Describe(IReadOnlyList<TimelineMark> marks)
    {
        var previous = 0.0;
        var parts = new List<string>();
        foreach (var mark in marks)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{mark.Event} {mark.Seconds:0.0} (+{mark.Seconds - previous:0.0})"));
            previous = mark.Seconds;
        }

        return string.Join(", ", parts);
    }
}
