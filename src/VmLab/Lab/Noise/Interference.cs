using System.Globalization;

namespace VmLab.Lab.Noise;

/// <summary>
/// What used L0's CPUs over a window (a unit, a boot, the quiet gate's last seconds), as shares of all of L0's CPU
/// time: 0.5 on a 2-CPU machine is one CPU busy the whole window.
/// </summary>
/// <param name="Seconds">The window's length.</param>
/// <param name="OtherCpu">CPU time of processes that are not this run's (not vmlab, its QEMU or its clients), kernel threads not counted.</param>
/// <param name="LabCpu">CPU time of this run's processes.</param>
/// <param name="Steal">Time a hypervisor under L0 gave L0's CPUs to someone else; null where the kernel does not count it.</param>
/// <param name="Pressure">Share of the window in which some task on L0 waited for a CPU (PSI); null without /proc/pressure.</param>
public sealed record Interference(double Seconds, double OtherCpu, double LabCpu, double? Steal, double? Pressure)
{
    /// <summary>
    /// The kernel's own work besides both (interrupts, softirqs — the network stack of this run's tap traffic among
    /// them — and kernel threads): not attributed to anyone, so not counted as other work; null in older records.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public double? KernelCpu { get; init; }

    /// <summary>The window between two readings; null when they are not in order or no CPU time passed.</summary>
    public static Interference? Between(L0Sample from, L0Sample to)
    {
        var total = to.TotalTicks - from.TotalTicks;
        var seconds = to.Seconds - from.Seconds;
        if (total <= 0 || seconds <= 0)
        {
            return null;
        }

        var lab = Math.Max(0, to.LabTicks - from.LabTicks);
        var other = Math.Max(0, to.OtherTicks - from.OtherTicks);
        var kernel = Math.Max(0, to.BusyTicks - from.BusyTicks - lab - other);
        return new Interference(
            Math.Round(seconds, 1),
            Share(other, total),
            Share(lab, total),
            to.StealTicks - from.StealTicks is { } steal ? Share(steal, total) : null,
            to.PressureMicros - from.PressureMicros is { } waited ? Math.Round(Math.Clamp(waited / (seconds * 1e6), 0, 1), 3) : null)
        {
            KernelCpu = Share(kernel, total),
        };
    }

    /// <summary>"other 47% of L0's CPUs, lab 50%, steal 0%, pressure 61%".</summary>
    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture,
            $"other processes {Percent(OtherCpu)} of L0's CPUs, this run {Percent(LabCpu)}, kernel {Percent(KernelCpu)}, steal {Percent(Steal)}, CPU pressure {Percent(Pressure)} over {Seconds:0.#} s");

    /// <summary>"47%", or "unavailable" for a value L0 does not count.</summary>
    public static string Percent(double? share) =>
        share is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s * 100:0}%") : "unavailable";

    private static double Share(long ticks, long total) => Math.Round(Math.Clamp((double)ticks / total, 0, 1), 3);
}
