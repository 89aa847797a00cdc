using System.Collections.Concurrent;
using VmLab.Lab.Vm;

namespace VmLab.Counters;

/// <summary>
/// L0's side of one boot's counters (docs/PROTOCOL.md, "Counters"): the CPU time of L1's QEMU threads (TCG vCPUs, main
/// loop, the rest) over each unit, read from /proc on L0. For a unit in a VM L0 reads when L1's EDGE arrives; for a
/// network unit it reads before asking the VM for its counters at the start and after the VM's answer at the end, so
/// its window holds the VMs' windows and the client's run. Thread-safe: the console and the clients use it.
/// </summary>
/// <param name="input">Where L0 types its requests for a network unit's counters (L1's console).</param>
public sealed class L0Counters(BootTimeline timeline, ConsoleInput input)
{
    private readonly ConcurrentDictionary<string, (ProcessSample? Sample, double At)> _starts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, UnitCounters> _done = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Unit, string Edge), TaskCompletionSource> _waiting = new();
    private readonly ConcurrentQueue<string> _unanswered = new();

    /// <summary>L1's QEMU (0 until it starts: then nothing can be read, and the L0 counters say so).</summary>
    public int Pid { get; set; }

    /// <summary>How long L0 waits for the VM's EDGE after asking; then the client runs anyway.</summary>
    public TimeSpan EdgeTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The edges of network units the VM did not answer in time, as "unit edge".</summary>
    public IReadOnlyCollection<string> Unanswered => _unanswered;

    /// <summary>L1 said EDGE: a network unit's answer (L0 reads around its request itself), or L0's cue to read now.</summary>
    public void OnEdge(EdgeEvent edge)
    {
        if (_waiting.TryRemove((edge.Unit, edge.Edge), out var waiter))
        {
            waiter.TrySetResult();
            return;
        }

        Read(edge.Unit, edge.Edge);
    }

    /// <summary>Reads L1's QEMU now, for <paramref name="unit"/>'s start or end.</summary>
    public void Read(string unit, string edge)
    {
        var sample = ProcessSample.Read(Pid);
        var at = timeline.Elapsed.TotalSeconds;
        if (edge == "start")
        {
            _starts[unit] = (sample, at);
        }
        else if (_starts.TryRemove(unit, out var start))
        {
            var set = new CounterSet();
            set.Add("l0.seconds", at - start.At);
            ProcessSample.AddDelta(set, "l0.qemu", start.Sample, sample, Pid <= 0 ? "L1's QEMU had no PID yet" : null);
            _done[unit] = set.ToCounters();
        }
    }

    /// <summary>Asks the serving VM for its counters at <paramref name="edge"/> of network unit <paramref name="unit"/> and waits for its EDGE.</summary>
    public async Task AskAsync(string unit, string edge, CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[(unit, edge)] = waiter;
        input.Send(ConsoleInput.Snap(unit, edge));
        var first = await Task.WhenAny(waiter.Task, Task.Delay(EdgeTimeout, cancellationToken));
        _waiting.TryRemove((unit, edge), out _);
        cancellationToken.ThrowIfCancellationRequested();
        if (first != waiter.Task)
        {
            _unanswered.Enqueue($"{unit} {edge}");
        }
    }

    /// <summary>L0's counters of <paramref name="unit"/>, once both its edges are read; null otherwise.</summary>
    public UnitCounters? Of(string unit) => _done.GetValueOrDefault(unit);
}
