using System.Text;
using Spectre.Console;
using VmLab.CommandLine.Commands;
using VmLab.Lab;
using VmLab.Lab.Plan;

namespace VmLab.CommandLine;

/// <summary>
/// The lab's progress on a terminal: a Spectre live progress bar (units done, the boot running, the ETA) under the
/// log lines, which scroll above it. Output to a file or pipe, <c>NO_COLOR</c> or <c>CI</c>: no live display, only the
/// plain timestamped lines, exactly as in a log file.
/// </summary>
internal sealed class LiveProgress(IAnsiConsole console) : IProgress<LabProgress>
{
    private ProgressContext? _context;
    private ProgressTask? _task;
    private LabProgress? _latest;

    /// <summary>True when stdout is a terminal that may be decorated and this is not CI.</summary>
    public static bool Wanted => WantedFor(Console.IsOutputRedirected, Environment.GetEnvironmentVariable);

    /// <summary><see cref="Wanted"/> for an output that is redirected or not, with these environment variables.</summary>
    public static bool WantedFor(bool redirected, Func<string, string?> environment) =>
        !Terminal.Plain(redirected, environment) && string.IsNullOrEmpty(environment("CI"));

    /// <summary>
    /// The log's lines, written above the live display (plain text: no markup is read in them). A terminal that went
    /// away must not stop the run before it has stopped its VM and saved: the lines are dropped then, as on a pipe.
    /// </summary>
    public TextWriter Lines => new ProgressWriter(new LineWriter(console));

    /// <summary>Runs <paramref name="body"/> under the live display; it ends (and clears) when the body does.</summary>
    public Task RunAsync(Func<Task> body) =>
        console.Progress()
            .AutoClear(true)
            .AutoRefresh(false) // redrawn when the progress changes (Report) and under each log line, not on a timer
            .Columns(new ProgressBarColumn(), new PercentageColumn(), new TaskDescriptionColumn { Alignment = Justify.Left })
            .StartAsync(async context =>
            {
                _context = context;
                _task = context.AddTask("lab");
                if (_latest is { } latest)
                {
                    Report(latest);
                }

                await body();
            });

    public void Report(LabProgress value)
    {
        _latest = value;
        if (_task is not { } task)
        {
            return;
        }

        task.MaxValue = Math.Max(1, value.UnitsTotal);
        task.Value = value.UnitsDone;
        var boot = Math.Min(value.BootsDone + 1, value.Boots);
        task.Description = Markup.Escape(
            $"boot {boot}/{value.Boots}{(value.Current is null ? "" : ": " + value.Current)} · " +
            $"{value.UnitsDone}/{value.UnitsTotal} units · elapsed {RunPlan.FormatDuration(value.Elapsed)} · ETA {RunPlan.FormatDuration(value.Eta)}");
        try
        {
            _context?.Refresh();
        }
        catch (IOException)
        {
            // the terminal went away; the run's files are the record
        }
    }

    private sealed class LineWriter(IAnsiConsole console) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => console.Write(value.ToString());

        public override void Write(string? value) => console.Write(value ?? "");

        public override void WriteLine(string? value) => console.WriteLine(value ?? "");
    }
}
