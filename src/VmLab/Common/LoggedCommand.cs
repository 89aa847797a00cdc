using System.Diagnostics;
using System.Globalization;
using CliWrap;

namespace VmLab.Common;

/// <summary>
/// Runs a long external command (make, mmdebstrap, qemu) with CliWrap: every output line goes, timestamped,
/// to a log file and to an optional observer (progress, console scanning); a failure raises a
/// <see cref="LabException"/> carrying the log's tail and where the whole log is.
/// </summary>
public static class LoggedCommand
{
    /// <summary>What a finished command did.</summary>
    public sealed record Outcome(int ExitCode, TimeSpan Duration, string LogPath);

    /// <param name="command">The CliWrap command; its validation is replaced (we check the exit code ourselves to add the log tail).</param>
    /// <param name="logPath">The log to append to (created with its folder).</param>
    /// <param name="onLine">Called for each output line (stdout and stderr), e.g. to drive a progress bar.</param>
    /// <param name="what">A few words for the error message, e.g. "the host kernel build".</param>
    /// <param name="next">What the user should do when it fails.</param>
    /// <param name="cancellationToken">Kills the process (CliWrap sends SIGKILL) and throws.</param>
    public static async Task<Outcome> RunAsync(
        Command command,
        string logPath,
        string what,
        Action<string>? onLine = null,
        string? next = null,
        CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
        await using var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var gate = new object();
        var tail = new Queue<string>();
        void Line(string line)
        {
            lock (gate)
            {
                log.WriteLine($"{DateTime.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {line}");
                tail.Enqueue(line);
                if (tail.Count > 20)
                {
                    tail.Dequeue();
                }
            }

            onLine?.Invoke(line);
        }

        log.WriteLine($"$ {command}");
        var clock = Stopwatch.StartNew();
        CommandResult result;
        try
        {
            result = await command
                .WithStandardOutputPipe(PipeTarget.ToDelegate(Line))
                .WithStandardErrorPipe(PipeTarget.ToDelegate(Line))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(cancellationToken);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new LabException(
                $"{what}: cannot start '{command.TargetFilePath}' ({ex.Message}).",
                next ?? "run ./build.sh --target=Prerequisites to install the tools the pipeline needs", ex);
        }

        log.WriteLine($"# exit code {result.ExitCode} after {clock.Elapsed.TotalSeconds:F1} s");
        if (result.ExitCode != 0)
        {
            throw new LabException(
                $"{what} failed (exit code {result.ExitCode}). Last lines of {logPath}:\n  " + string.Join("\n  ", tail),
                next ?? $"read {logPath}, fix the cause, and run the same target again (finished stages are cached)");
        }

        return new Outcome(result.ExitCode, clock.Elapsed, logPath);
    }
}
