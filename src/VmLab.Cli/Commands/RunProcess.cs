using System.Globalization;

namespace VmLab.CommandLine.Commands;

/// <summary>
/// The run's progress lines on the console. When the console is gone (the build that started vmlab was killed and
/// took the pipe with it), the lines are dropped instead of failing the run: the run must still stop its VM and save.
/// </summary>
internal sealed class ProgressWriter(TextWriter inner) : TextWriter
{
    public override System.Text.Encoding Encoding => inner.Encoding;

    public override void WriteLine(string? value)
    {
        try
        {
            inner.WriteLine(value);
            inner.Flush();
        }
        catch (IOException)
        {
            // the reader went away; the run's files are the record
        }
    }
}

/// <summary>Cancels when this process's parent changes (the build that started vmlab was killed).</summary>
internal sealed class ParentWatch : IDisposable
{
    private readonly Timer _timer;

    private ParentWatch(CancellationTokenSource stop)
    {
        var parent = ParentPid();
        _timer = new Timer(_ =>
        {
            if (ParentPid() != parent)
            {
                Console.Error.WriteLine("vmlab: the build that started this run is gone; stopping the VM and saving the run.");
                stop.Cancel();
            }
        }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public static ParentWatch Start(CancellationTokenSource stop) => new(stop);

    public void Dispose() => _timer.Dispose();

    /// <summary>Field 4 of /proc/self/stat (after the parenthesised command name, which may contain spaces).</summary>
    private static int ParentPid()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
    }
}
