using System.Globalization;
using System.Text.RegularExpressions;

namespace VmLab.Counters;

/// <summary>The fields of one <c>/proc/PID/stat</c> or <c>/proc/PID/task/TID/stat</c> line the counters use.</summary>
/// <param name="Name">The command name (field 2, without its parentheses; QEMU names its vCPU threads <c>CPU 0/KVM</c> or <c>CPU 0/TCG</c>).</param>
/// <param name="UserTicks">utime (field 14), in clock ticks (USER_HZ, 100 a second on Linux's arm64 and x86).</param>
/// <param name="SystemTicks">stime (field 15).</param>
public sealed record TaskStat(int Id, string Name, long UserTicks, long SystemTicks)
{
    /// <summary>USER_HZ: /proc counts CPU time in hundredths of a second on every architecture the lab runs on.</summary>
    public const double TicksPerSecond = 100;

    /// <summary>Parses one stat line (<see cref="VmLab.Common.ProcStat.Split"/>), which L1 may send cut after stime. Null when it is not one.</summary>
    public static TaskStat? Parse(string line) =>
        VmLab.Common.ProcStat.Split(line) is ({ } id, var name, { Length: > 12 } fields)
        && long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out var user)
        && long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var system)
            ? new TaskStat(id, name, user, system)
            : null;
}

/// <summary>
/// A QEMU process at one moment: its own stat line (whose times include threads that have ended) and each of its
/// threads'. L0 reads L1's QEMU this way (<see cref="Read"/>); L1 reads L2's and sends the lines (COUNT qemu/thread).
/// </summary>
public sealed partial record ProcessSample(TaskStat Process, IReadOnlyList<TaskStat> Threads)
{
    /// <summary>Reads <paramref name="pid"/>'s stat and its threads' from /proc; null when the process is gone.</summary>
    public static ProcessSample? Read(int pid)
    {
        if (pid <= 0 || ReadLine($"/proc/{pid}/stat") is not { } line || TaskStat.Parse(line) is not { } process)
        {
            return null;
        }

        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{pid}/task");
        }
        catch (IOException)
        {
            return null;
        }

        var threads = tasks.Select(t => ReadLine(Path.Combine(t, "stat"))).OfType<string>().Select(TaskStat.Parse).OfType<TaskStat>().ToList();
        return new ProcessSample(process, threads);
    }

    private static string? ReadLine(string path)
    {
        try
        {
            return File.ReadAllText(path).TrimEnd('\n');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // a thread that ended between the listing and the read
        }
    }

    /// <summary>
    /// Adds the CPU time of <paramref name="prefix"/> (<c>l1.qemu</c>, <c>l0.qemu</c>) over a unit: the process's
    /// (<c>.user</c>, <c>.system</c>), its main loop's (the thread whose id is the process's), each vCPU thread's
    /// (<c>.vcpu0</c>, …) and their sum (<c>.vcpus</c>), the rest (<c>.other.cpu</c>, user and system together: I/O and
    /// worker threads, those that ended included), and the thread count at the end (<c>.threads</c>). A named thread missing at either edge
    /// (it ended during the unit) is unavailable, and so is the rest then.
    /// </summary>
    public static void AddDelta(CounterSet set, string prefix, ProcessSample? start, ProcessSample? end, string? why = null)
    {
        if (start is null || end is null || start.Process.Id != end.Process.Id)
        {
            var reason = why ?? (start is null ? "the process could not be read at the unit's start" : end is null ? "the process could not be read at the unit's end" : "the process at the unit's end is not the one at its start");
            // The threads the edge that was read knew of (the vCPUs by name) are as unavailable as the process.
            var known = (start ?? end)?.Threads.Select(t => Role(t, (start ?? end)!.Process.Id)).OfType<string>().Select(r => "." + r) ?? [];
            foreach (var name in known.Concat(["", ".main", ".vcpus"]).Distinct())
            {
                set.Missing($"{prefix}{name}.user", reason);
                set.Missing($"{prefix}{name}.system", reason);
            }

            set.Missing($"{prefix}.other.cpu", reason);

            return;
        }

        Time(set, prefix, start.Process, end.Process);
        set.Add($"{prefix}.threads", end.Threads.Count);
        var complete = true;
        var named = (User: 0.0, System: 0.0);
        var roles = end.Threads.Concat(start.Threads).Select(t => Role(t, start.Process.Id)).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var role in roles.Append("main").Distinct())
        {
            var a = start.Threads.FirstOrDefault(t => Role(t, start.Process.Id) == role);
            var b = end.Threads.FirstOrDefault(t => Role(t, end.Process.Id) == role);
            if (a is null || b is null || a.Id != b.Id)
            {
                var reason = a is null && b is null ? "no such thread" : a is null ? $"thread {b!.Id} ({b.Name}) started during the unit" : $"thread {a.Id} ({a.Name}) ended during the unit";
                set.Missing($"{prefix}.{role}.user", reason);
                set.Missing($"{prefix}.{role}.system", reason);
                complete = false;
                continue;
            }

            var (user, system) = Time(set, $"{prefix}.{role}", a, b);
            named = (named.User + user, named.System + system);
        }

        var vcpus = roles.Where(r => r.StartsWith("vcpu", StringComparison.Ordinal)).ToList();
        if (complete)
        {
            set.Add($"{prefix}.vcpus.user", vcpus.Sum(r => set.Get($"{prefix}.{r}.user") ?? 0));
            set.Add($"{prefix}.vcpus.system", vcpus.Sum(r => set.Get($"{prefix}.{r}.system") ?? 0));
            // The kernel splits a process's CPU time into user and system apart from each thread's (both scaled from the
            // runtime), so only the sum is the process's less its named threads'; the split alone can go below zero.
            set.Add($"{prefix}.other.cpu", Seconds(end.Process.UserTicks + end.Process.SystemTicks - start.Process.UserTicks - start.Process.SystemTicks) - named.User - named.System);
        }
        else
        {
            set.Missing($"{prefix}.vcpus.user", "a vCPU or main-loop thread is unavailable");
            set.Missing($"{prefix}.vcpus.system", "a vCPU or main-loop thread is unavailable");
            set.Missing($"{prefix}.other.cpu", "a vCPU or main-loop thread is unavailable");
        }
    }

    /// <summary>
    /// The CPU time of the workers (the vhost workers: kernel threads <c>vhost-PID</c>)
    /// over a unit, summed: <c>PREFIX.user</c>, <c>.system</c>, <c>.threads</c> (at the end). None at both edges is 0 s
    /// (vhost=off); a worker that ended or started during the unit makes the sums unavailable.
    /// </summary>
    public static void AddWorkers(CounterSet set, string prefix, IReadOnlyList<TaskStat> start, IReadOnlyList<TaskStat> end)
    {
        set.Add($"{prefix}.threads", end.Count);
        var ids = start.Select(t => t.Id).Order().ToList();
        if (!ids.SequenceEqual(end.Select(t => t.Id).Order()))
        {
            set.Missing($"{prefix}.user", $"the workers changed during the unit ({ids.Count} at its start, {end.Count} at its end)");
            set.Missing($"{prefix}.system", $"the workers changed during the unit ({ids.Count} at its start, {end.Count} at its end)");
            return;
        }

        set.Add($"{prefix}.user", Seconds(end.Sum(t => t.UserTicks) - start.Sum(t => t.UserTicks)));
        set.Add($"{prefix}.system", Seconds(end.Sum(t => t.SystemTicks) - start.Sum(t => t.SystemTicks)));
    }

    /// <summary>A thread's role in QEMU: <c>main</c> (the process's own thread), <c>vcpuN</c> (<c>CPU N/KVM</c>, <c>CPU N/TCG</c>), or null.</summary>
    internal static string? Role(TaskStat thread, int pid) =>
        thread.Id == pid ? "main" : VcpuName().Match(thread.Name) is { Success: true } m ? "vcpu" + m.Groups[1].Value : null;

    private static (double User, double System) Time(CounterSet set, string prefix, TaskStat a, TaskStat b)
    {
        var user = Seconds(b.UserTicks - a.UserTicks);
        var system = Seconds(b.SystemTicks - a.SystemTicks);
        set.Add($"{prefix}.user", user);
        set.Add($"{prefix}.system", system);
        return (user, system);
    }

    private static double Seconds(long ticks) => ticks / TaskStat.TicksPerSecond;

    [GeneratedRegex(@"^CPU (\d+)/(KVM|TCG|HVF|WHPX)$")]
    private static partial Regex VcpuName();
}
