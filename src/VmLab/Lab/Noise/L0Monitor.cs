using System.Diagnostics;

namespace VmLab.Lab.Noise;

/// <summary>
/// Samples L0's CPU counters (<see cref="L0Sample"/>) once per <see cref="Interval"/> for the whole run, on L0 only,
/// and answers what used L0's CPUs over any window since it started (<see cref="Over"/>): a unit, a boot, the quiet
/// gate's last seconds. The samples of a run stay in memory (a day of them is a few MB).
/// </summary>
public sealed class L0Monitor : IAsyncDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<L0Sample> _samples = [];
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly int _labRoot;
    private readonly Task _loop;
    private TimeSpan _sampling;

    private L0Monitor(TimeSpan interval, int labRoot)
    {
        Interval = interval;
        _labRoot = labRoot;
        Sample();
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Time between samples.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Seconds since the monitor started: the clock of <see cref="Over"/>.</summary>
    public double Now => _clock.Elapsed.TotalSeconds;

    /// <summary>
    /// What sampling has cost so far: the wall time spent reading /proc, as a share of one CPU over the monitor's
    /// life (an upper bound of its CPU time: the reads do not sleep).
    /// </summary>
    public double SamplingCost
    {
        get
        {
            lock (_lock)
            {
                return _sampling.TotalSeconds / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
            }
        }
    }

    /// <summary>Starts sampling every <paramref name="interval"/> (default 1 s); this process's tree is the run's.</summary>
    public static L0Monitor Start(TimeSpan? interval = null) => new(interval ?? TimeSpan.FromSeconds(1), Environment.ProcessId);

    /// <summary>
    /// What used L0's CPUs from <paramref name="from"/> to <paramref name="to"/> (monitor seconds), between the last
    /// sample at or before the start and the first at or after the end (a fresh one when the end is now); null when the
    /// monitor has no samples around the window.
    /// </summary>
    public Interference? Over(double from, double to)
    {
        if (to >= Now - (Interval.TotalSeconds / 2))
        {
            Sample();
        }

        lock (_lock)
        {
            var start = _samples.LastOrDefault(s => s.Seconds <= from + 1e-6) ?? _samples.FirstOrDefault();
            var end = _samples.FirstOrDefault(s => s.Seconds >= to - 1e-6) ?? _samples.LastOrDefault();
            return start is null || end is null ? null : Interference.Between(start, end);
        }
    }

    /// <summary>The last <paramref name="span"/> up to now.</summary>
    public Interference? Last(TimeSpan span) => Over(Now - span.TotalSeconds, Now);

    private void Sample()
    {
        var took = Stopwatch.StartNew();
        L0Sample sample;
        try
        {
            sample = L0Sample.Read(Now, _labRoot);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return; // a process that exits between two reads, a /proc we cannot read: this sample is skipped, the next one taken
        }

        lock (_lock)
        {
            var at = _samples.FindLastIndex(s => s.Seconds <= sample.Seconds) + 1;
            _samples.Insert(at, sample);
            _sampling += took.Elapsed;
        }
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                Sample();
            }
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
