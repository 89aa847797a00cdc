using System.Globalization;
using VmLab.Lab.Noise;
using VmLab.Lab.Vm;

namespace VmLab.Lab;

public sealed partial class LabRunner
{
    /// <summary>The run's watch on L0 (quiet gate, probes, interference); null runs without one (tests with a fake VM).</summary>
    public NoiseWatch? Noise { get; init; }

    /// <summary>The command that resumes this run, for a refusal of the quiet gate.</summary>
    public string ResumeCommand { get; init; } = "resume the run with --resume";

    /// <summary>The boot's speed (probe rates) and what else used L0 over it, for the log.</summary>
    private void SayNoise(Boot boot, Calibration calibration, Interference? l0)
    {
        static string Rate(ProbeRun? run) => run is null ? "failed" : string.Create(CultureInfo.InvariantCulture, $"{run.Rate / 1e6:0.00} M/s ({run.Seconds:0.00} s)");
        Say($"boot #{boot.Number}: probe L0 {Rate(calibration.L0Start)} → {Rate(calibration.L0End)}, L1 {Rate(calibration.L1Start)} → {Rate(calibration.L1End)}; " +
            $"L0 over the boot: {l0?.Describe() ?? "not measured"}" +
            (calibration.Failures.Count > 0 ? $"; {string.Join("; ", calibration.Failures)}" : ""));
    }

    /// <summary>Records what else used L0 during each unit of <paramref name="boot"/>, and says which were disturbed.</summary>
    private async Task RecordInterferenceAsync(Boot boot, BootSession session, BootWatch watch)
    {
        session.PlaceL2Units();
        foreach (var (name, window) in session.Windows.OrderBy(w => w.Value.Start))
        {
            if (Find(boot, name) is not { } unit || _ledger[unit] is not { } record || record.Boot != boot.Number
                || Noise!.During(watch, window) is not { } l0)
            {
                continue;
            }

            _ledger = _ledger.With(unit, record with { L0 = l0 });
            if (NoiseWatch.Disturbance(l0, Noise.Settings.DisturbedOtherCpu) is { } why)
            {
                Say($"  {unit.Key}: {why}; its verdicts will be inconclusive");
            }
        }

        await _ledger.SaveAsync(_settings.RunDirectory, CancellationToken.None);
    }
}
