using System.Globalization;

namespace VmLab.Common;

/// <summary>The fields of <c>/proc/PID/stat</c> VmLab reads.</summary>
/// <param name="CpuTicks">
/// utime + stime + cutime + cstime (fields 14-17), in clock ticks (USER_HZ, as /proc/stat counts): the CPU time of
/// the process and of its children it has reaped.
/// </param>
internal sealed record ProcStat(int Pid, char State, int ParentPid, int Session, long StartTime, long CpuTicks = 0)
{
    public static ProcStat? Read(int pid)
    {
        try
        {
            return Parse(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Parses one stat line (<see cref="Split"/>); null when it is not one or is cut short.</summary>
    public static ProcStat? Parse(string line) =>
        Split(line) is ({ } pid, _, { Length: > 19 } fields)
            ? new ProcStat(
                pid,
                fields[0][0],
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                int.Parse(fields[3], CultureInfo.InvariantCulture),
                long.Parse(fields[19], CultureInfo.InvariantCulture),
                fields[11..15].Sum(f => long.Parse(f, CultureInfo.InvariantCulture)))
            : null;

    /// <summary>
    /// A <c>/proc/PID/stat</c> (or <c>task/TID/stat</c>) line as its id, its command name (field 2, without its
    /// parentheses) and the fields after it (field 3 is [0]). The name may hold spaces and parentheses, so fields count
    /// from its last ')'. The one reading of the line's shape, for <see cref="Parse"/> and the counters' thread samples.
    /// </summary>
    public static (int? Id, string Name, string[] Fields) Split(string line)
    {
        var open = line.IndexOf('(');
        var close = line.LastIndexOf(')');
        if (open < 1 || close < open || close + 2 > line.Length
            || !int.TryParse(line.AsSpan(0, open).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return (null, "", []);
        }

        return (id, line[(open + 1)..close], line[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    public static IEnumerable<ProcStat> All() =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(n => n!.All(char.IsAsciiDigit))
            .Select(n => Read(int.Parse(n!, CultureInfo.InvariantCulture)))
            .OfType<ProcStat>();
}

/// <summary>What the command line reads of another process in /proc, through <see cref="ProcStat"/>'s one reading of a stat line.</summary>
public static class ProcInfo
{
    /// <summary>The parent of process <paramref name="pid"/> (field 4 of <c>/proc/PID/stat</c>); null when it cannot be read.</summary>
    public static int? ParentPid(int pid) => ProcStat.Read(pid)?.ParentPid;
}
