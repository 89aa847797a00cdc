using System.Text;
using Spectre.Console;
using VmLab.Lab;

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
    public static bool Wanted =>
        !Terminal.Plain(Console.IsOutputRedirected) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>The log's lines, written above the live display (plain text: no markup is read in them).</summary>
    public TextWriter Lines => new LineWriter(console);

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
        _context?.Refresh();
    }

    private sealed class LineWriter(IAnsiConsole console) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void WriteLine(string? value) => console.WriteLine(value ?? "");
    }
}
