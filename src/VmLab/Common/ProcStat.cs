using System.Globalization;

namespace VmLab.Common;

/// <summary>The fields of <c>/proc/PID/stat</c> VmLab reads.</summary>
internal sealed record ProcStat(int Pid, char State, int ParentPid, int Session, long StartTime)
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
                long.Parse(fields[19], CultureInfo.InvariantCulture))
            : null;
    }

    public static IEnumerable<ProcStat> All() =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(n => n!.All(char.IsAsciiDigit))
            .Select(n => Read(int.Parse(n!, CultureInfo.InvariantCulture)))
            .OfType<ProcStat>();
}
