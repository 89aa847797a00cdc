using System.Globalization;
using VmLab.Common;

namespace VmLab.Lab.Noise;

/// <summary>What the watch knew when a boot started: the quiet gate's verdict and L0's probe.</summary>
public sealed record BootWatch(QuietStart Quiet, ProbeRun? L0Start, string? L0StartFailure)
{
    /// <summary>The monitor's clock when L1's QEMU started (the boot's time line starts there).</summary>
    public double QemuStartedAt { get; init; }
}

/// <summary>
/// A run's watch on L0 (../shared/DESIGN.md, "Answers, noise and mechanism"): the monitor that samples what else uses
/// L0's CPUs, the quiet gate before each boot, the calibration probe on L0 around each boot, and the verdict on a
/// unit whose window was too busy. Everything is read on L0; nothing starts in a VM while a unit runs.
/// </summary>
public sealed class NoiseWatch(L0Monitor monitor, NoiseSettings settings, bool requireQuiet)
{
    public L0Monitor Monitor => monitor;

    public NoiseSettings Settings => settings;

    /// <summary>Before a boot: waits at the quiet gate (or, with --require-quiet, stops the run), then L0's probe.</summary>
    public async Task<BootWatch> BeforeBootAsync(int boot, string resume, Action<string> say, CancellationToken cancellationToken)
    {
        var quiet = await QuietGate.WaitAsync(monitor, settings, say, cancellationToken);
        if (quiet.Disturbed is { } why)
        {
            if (requireQuiet)
            {
                throw new LabException(
                    $"Boot #{boot} was not started: {why}. --require-quiet stops the run rather than boot on a busy machine; every finished unit is saved.",
                    $"find what else runs (top -o %CPU), wait for it, then: {resume}");
            }

            say($"boot #{boot} starts on a busy L0 and is marked disturbed: {why}");
        }

        var (probe, failure) = await CalibrationProbe.RunOnL0Async(settings.ProbeIterationsL0, cancellationToken);
        return new BootWatch(quiet, probe, failure);
    }

    /// <summary>After a boot: L0's probe again, L1's probes from its facts, and what else used L0 over the whole boot.</summary>
    public async Task<(Calibration Calibration, Interference? Boot)> AfterBootAsync(
        BootWatch watch, IReadOnlyDictionary<string, string> l1Facts, CancellationToken cancellationToken)
    {
        var boot = monitor.Over(watch.QemuStartedAt, monitor.Now);
        var (l0End, l0EndFailure) = await CalibrationProbe.RunOnL0Async(settings.ProbeIterationsL0, cancellationToken);
        var (l1Start, l1StartFailure) = CalibrationProbe.FromFact("start", l1Facts.GetValueOrDefault(Calibration.FactPrefix + "start"));
        var (l1End, l1EndFailure) = CalibrationProbe.FromFact("end", l1Facts.GetValueOrDefault(Calibration.FactPrefix + "end"));
        var failures = new[] { watch.L0StartFailure, l1StartFailure, l1EndFailure, l0EndFailure }.OfType<string>().ToList();
        return (new Calibration(watch.L0Start, l1Start, l1End, l0End, failures), boot);
    }

    /// <summary>What else used L0 over a window of the boot's time line (seconds since L1's QEMU started).</summary>
    public Interference? During(BootWatch watch, (double Start, double End) window) =>
        monitor.Over(watch.QemuStartedAt + window.Start, watch.QemuStartedAt + window.End);

    /// <summary>Why a unit's numbers cannot be trusted with <paramref name="l0"/>, or null when L0 was quiet enough.</summary>
    public static string? Disturbance(Interference l0, double threshold) =>
        l0.OtherCpu > threshold
            ? string.Create(CultureInfo.InvariantCulture,
                $"L0 disturbed: other processes used {Interference.Percent(l0.OtherCpu)} of L0's CPUs during the unit, over the profile's {Interference.Percent(threshold)} (noise.disturbedOtherCpu)")
            : null;
}
