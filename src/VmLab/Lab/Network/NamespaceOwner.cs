using System.Globalization;
using VmLab.Common;

namespace VmLab.Lab.Network;

/// <summary>
/// The process that owns a namespace. Its start time (field 22 of <c>/proc/PID/stat</c>) is kept with the pid,
/// because a pid alone is reused once its process has died.
/// </summary>
public sealed record NamespaceOwner(int Pid, long StartTime)
{
    /// <summary>This process.</summary>
    public static NamespaceOwner Current => Of(Environment.ProcessId)
        ?? throw new InvalidOperationException("/proc/self/stat is not readable");

    /// <summary>The process <paramref name="pid"/> as it is now, or null when there is none.</summary>
    public static NamespaceOwner? Of(int pid) =>
        ProcStat.Read(pid) is { } stat ? new NamespaceOwner(pid, stat.StartTime) : null;

    /// <summary>The same process is still running (same pid and start time).</summary>
    public bool IsAlive => Of(Pid)?.StartTime == StartTime;

    /// <summary>Records this owner of <paramref name="runId"/>'s namespace in <paramref name="pidFile"/>: pid, start time, run id.</summary>
    public void WriteRecord(string pidFile, string runId) =>
        AtomicFile.WriteAllText(pidFile, $"{Pid}\nstart={StartTime}\nrun={runId}\n");

    /// <summary>The owner an owner record names, or null when there is no record or it names no pid.</summary>
    public static NamespaceOwner? ReadRecord(string pidFile)
    {
        try
        {
            var lines = File.ReadAllLines(pidFile);
            if (lines.Length == 0 || !int.TryParse(lines[0].Trim(), CultureInfo.InvariantCulture, out var pid))
            {
                return null;
            }

            var start = lines.Skip(1).FirstOrDefault(l => l.StartsWith("start=", StringComparison.Ordinal)) is { } s
                && long.TryParse(s["start=".Length..], CultureInfo.InvariantCulture, out var t) ? t : -1;
            // An old record without a start time: the pid alone says whether it runs.
            return start >= 0 ? new NamespaceOwner(pid, start) : NamespaceOwner.Of(pid) ?? new NamespaceOwner(pid, -1);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }
}
