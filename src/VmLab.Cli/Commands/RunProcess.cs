using VmLab.Common;

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
        var parent = ProcInfo.ParentPid(Environment.ProcessId);
        _timer = new Timer(_ =>
        {
            if (ProcInfo.ParentPid(Environment.ProcessId) is { } now && now != parent)
            {
                Console.Error.WriteLine("vmlab: the build that started this run is gone; stopping the VM and saving the run.");
                stop.Cancel();
            }
        }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public static ParentWatch Start(CancellationTokenSource stop) => new(stop);

    public void Dispose() => _timer.Dispose();
}
