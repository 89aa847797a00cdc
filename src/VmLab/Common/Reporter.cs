using System.Globalization;

namespace VmLab.Common;

/// <summary>
/// How every stage tells the user what it is doing: one line per event, <c>HH:mm:ss stage: text</c> in UTC, the
/// same on a terminal, in a log file and in CI. Warnings get their own call, so a front end can make them loud (the CLI
/// draws a panel on a terminal) while files get <c>WARNING:</c> lines.
/// </summary>
/// <param name="output">Where the lines go.</param>
/// <param name="stage">The stage's name in every line ("kernel", "rootfs"); null for none (the lab's own log).</param>
/// <param name="time">The clock (tests pass a fixed one).</param>
public sealed class Reporter(TextWriter output, string? stage = null, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Shows a warning; null writes it as a <c>WARNING:</c> line.</summary>
    public Action<string>? OnWarning { get; init; }

    /// <summary>One line.</summary>
    public void Line(string text) =>
        output.WriteLine($"{_time.GetUtcNow().ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {(stage is null ? "" : stage + ": ")}{text}");

    /// <summary>A warning: something that changes what the results mean.</summary>
    public void Warning(string text)
    {
        if (OnWarning is { } show)
        {
            show(text);
        }
        else
        {
            Line("WARNING: " + text);
        }
    }
}
