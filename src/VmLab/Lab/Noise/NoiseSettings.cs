namespace VmLab.Lab.Noise;

/// <summary>
/// How a profile treats what else runs on L0 (<c>"noise"</c> in lab/profiles.json, copied into every run's manifest):
/// the quiet gate before each boot, the share that makes a unit's numbers untrustworthy, and the calibration probe's size.
/// </summary>
/// <param name="QuietOtherCpu">A boot starts once other processes used less than this share of L0's CPUs over the last <paramref name="QuietWindowSeconds"/>.</param>
/// <param name="QuietWindowSeconds">The gate's window.</param>
/// <param name="QuietWaitSeconds">How long the gate waits for quiet before it starts the boot anyway, marked disturbed (or, with --require-quiet, stops the run).</param>
/// <param name="DisturbedOtherCpu">A unit during which other processes used more than this share of L0's CPUs is invalid: its verdicts become inconclusive.</param>
/// <param name="ProbeIterationsL0">The calibration probe's loop count on L0 (about half a second on a quiet 2-core machine).</param>
/// <param name="ProbeIterationsL1">The probe's loop count in L1, under TCG (about a second there).</param>
public sealed record NoiseSettings(
    double QuietOtherCpu,
    double QuietWindowSeconds,
    double QuietWaitSeconds,
    double DisturbedOtherCpu,
    long ProbeIterationsL0,
    long ProbeIterationsL1);
