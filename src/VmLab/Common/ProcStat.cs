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

    /// <summary>Parses one stat line; the command name (field 2) may hold spaces and parentheses, so fields count from its last ')'.</summary>
    public static ProcStat? Parse(string line)
    {
        var close = line.LastIndexOf(')');
        if (close < 0 || !int.TryParse(line[..line.IndexOf(' ')], CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }

        var fields = line[(close + 2)..].Split(' ');
        return fields.Length > 19
            ? new ProcStat(
                pid,
                fields[0][0],
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                int.Parse(fields[3], CultureInfo.InvariantCulture),
                long.Parse(fields[19], CultureInfo.InvariantCulture),
                fields[11..15].Sum(f => long.Parse(f, CultureInfo.InvariantCulture)))
            : null;
    }

    public static IEnumerable<ProcStat> All() =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(n => n!.All(char.IsAsciiDigit))
            .Select(n => Read(int.Parse(n!, CultureInfo.InvariantCulture)))
            .OfType<ProcStat>();
}
