using System.Globalization;

namespace VmLab.Lab.Noise;

/// <summary>How a boot's start went at the quiet gate: how long it waited, what L0 looked like when it started.</summary>
/// <param name="WaitedSeconds">Time spent waiting for quiet.</param>
/// <param name="AtStart">Other processes' use of L0 over the gate's window when the boot started; null when unknown.</param>
/// <param name="Disturbed">Why the boot started on a busy L0 (the gate gave up); null when it started quiet.</param>
public sealed record QuietStart(double WaitedSeconds, Interference? AtStart, string? Disturbed);

/// <summary>
/// Waits before a boot until other processes have used less than <see cref="NoiseSettings.QuietOtherCpu"/> of L0's
/// CPUs over the last <see cref="NoiseSettings.QuietWindowSeconds"/>, for at most <see cref="NoiseSettings.QuietWaitSeconds"/>.
/// </summary>
public static class QuietGate
{
    /// <summary>Waits for quiet; says every 10 s what it waits for (<paramref name="say"/>).</summary>
    public static async Task<QuietStart> WaitAsync(L0Monitor monitor, NoiseSettings settings, Action<string> say, CancellationToken cancellationToken)
    {
        var window = TimeSpan.FromSeconds(settings.QuietWindowSeconds);
        var started = monitor.Now;
        // The first boot of a run needs a whole window of samples before it can judge.
        var needed = started < settings.QuietWindowSeconds ? settings.QuietWindowSeconds - started : 0;
        if (needed > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(needed), cancellationToken);
        }

        var lastSaid = double.NegativeInfinity;
        while (true)
        {
            var now = monitor.Last(window);
            var waited = monitor.Now - started;
            if (now is null || now.OtherCpu < settings.QuietOtherCpu)
            {
                return new QuietStart(Math.Round(waited, 1), now, null);
            }

            if (waited >= settings.QuietWaitSeconds)
            {
                return new QuietStart(Math.Round(waited, 1), now, string.Create(CultureInfo.InvariantCulture,
                    $"L0 was not quiet after {waited:0} s: {now.Describe()} (the gate wants other processes under {Interference.Percent(settings.QuietOtherCpu)})"));
            }

            if (waited - lastSaid >= 10)
            {
                say(string.Create(CultureInfo.InvariantCulture,
                    $"waiting for a quiet L0 ({waited:0} s of at most {settings.QuietWaitSeconds:0} s): other processes use {Interference.Percent(now.OtherCpu)} of its CPUs, the gate wants under {Interference.Percent(settings.QuietOtherCpu)} over {settings.QuietWindowSeconds:0} s"));
                lastSaid = waited;
            }

            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }
    }
}
