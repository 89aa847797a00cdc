using System.Globalization;
using VmLab.Common;

namespace VmLab.Lab.Noise;

/// <summary>
/// One reading of L0's CPU counters, all cumulative, so that two readings give what used L0's CPUs between them
/// (<see cref="Interference.Between"/>). Read on L0 only: nothing is started in a VM to take it.
/// </summary>
/// <param name="Seconds">When it was read, on the monitor's clock.</param>
/// <param name="TotalTicks">All CPU time of all of L0's CPUs (/proc/stat <c>cpu</c>: user … steal), in USER_HZ ticks.</param>
/// <param name="BusyTicks">Of that, the time some process ran: user, nice, system, irq, softirq (guest time is inside user).</param>
/// <param name="StealTicks">Time a hypervisor under L0 ran something else on L0's CPUs; null when /proc/stat has no steal column.</param>
/// <param name="LabTicks">The CPU time of this run's processes: vmlab and everything it started (QEMU, the clients), reaped children included.</param>
/// <param name="PressureMicros">/proc/pressure/cpu <c>some total=</c>: microseconds in which some task waited for a CPU; null without PSI.</param>
/// <param name="OtherTicks">
/// The CPU time of every other process (reaped children included: a process that exits moves its time into its
/// parent's, so the sum runs on); kernel threads are not in it. What the kernel did besides (interrupts, softirqs, the
/// network stack for this run's own tap traffic, kernel threads) is <see cref="BusyTicks"/> less both sums.
/// </param>
public sealed record L0Sample(double Seconds, long TotalTicks, long BusyTicks, long? StealTicks, long LabTicks, long? PressureMicros, long OtherTicks = 0)
{
    /// <summary>Reads L0's counters now; <paramref name="labRoot"/> is the pid whose process tree is this run's.</summary>
    public static L0Sample Read(double seconds, int labRoot)
    {
        var cpu = ParseCpu(File.ReadAllText("/proc/stat"));
        var processes = ProcStat.All().ToList();
        var (lab, other) = TicksOf(labRoot, processes);
        return new L0Sample(seconds, cpu.Total, cpu.Busy, cpu.Steal, lab, ReadPressure(), other);
    }

    /// <summary>The aggregate <c>cpu</c> line of /proc/stat: total, busy and steal ticks (steal null when the kernel has no such column).</summary>
    public static (long Total, long Busy, long? Steal) ParseCpu(string procStat)
    {
        var line = procStat.Split('\n').FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal))
                   ?? throw new FormatException("/proc/stat has no aggregate 'cpu' line");
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        if (f.Length < 4)
        {
            throw new FormatException($"/proc/stat's cpu line has {f.Length} columns, expected at least 4: {line}");
        }

        // user nice system idle iowait irq softirq steal [guest guest_nice: already counted in user and nice]
        long At(int i) => i < f.Length ? f[i] : 0;
        var busy = At(0) + At(1) + At(2) + At(5) + At(6);
        var total = busy + At(3) + At(4) + At(7);
        return (total, busy, f.Length > 7 ? At(7) : null);
    }

    /// <summary>The <c>some</c> line's <c>total=</c> (microseconds) of /proc/pressure/cpu's text; null when absent.</summary>
    public static long? ParsePressure(string text) =>
        text.Split('\n').FirstOrDefault(l => l.StartsWith("some ", StringComparison.Ordinal)) is { } some
        && some.Split(' ').FirstOrDefault(p => p.StartsWith("total=", StringComparison.Ordinal)) is { } total
        && long.TryParse(total["total=".Length..], CultureInfo.InvariantCulture, out var micros)
            ? micros
            : null;

    /// <summary>
    /// The summed CPU ticks of <paramref name="root"/>'s process tree (the run's) and of every other process but the
    /// kernel's threads (kthreadd, pid 2, and its children).
    /// </summary>
    internal static (long Lab, long Other) TicksOf(int root, IReadOnlyList<ProcStat> processes)
    {
        var lab = LabPids(root, processes);
        var other = processes.Where(p => !lab.Contains(p.Pid) && p.Pid != KernelThreads && p.ParentPid != KernelThreads).Sum(p => p.CpuTicks);
        return (processes.Where(p => lab.Contains(p.Pid)).Sum(p => p.CpuTicks), other);
    }

    /// <summary>The summed CPU ticks of <paramref name="root"/> and its descendants among <paramref name="processes"/>.</summary>
    internal static long LabTicksOf(int root, IReadOnlyList<ProcStat> processes) => TicksOf(root, processes).Lab;

    private const int KernelThreads = 2; // kthreadd: every kernel thread is its child

    private static HashSet<int> LabPids(int root, IReadOnlyList<ProcStat> processes)
    {
        var children = processes.ToLookup(p => p.ParentPid);
        var pending = new Stack<int>([root]);
        var seen = new HashSet<int>();
        while (pending.TryPop(out var pid))
        {
            if (!seen.Add(pid))
            {
                continue;
            }

            foreach (var child in children[pid])
            {
                pending.Push(child.Pid);
            }
        }

        return seen;
    }

    // Some kernels and containers have no PSI (/proc/pressure missing, or EOPNOTSUPP on read): unavailable, not an error.
    private static long? ReadPressure()
    {
        try
        {
            return ParsePressure(File.ReadAllText("/proc/pressure/cpu"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }
}
