using System.Diagnostics;
using System.Globalization;
using CliWrap;
using CliWrap.Buffered;

namespace VmLab.Lab.Noise;

/// <summary>One run of the calibration probe: its rate (loop iterations per second) and how long it took.</summary>
public sealed record ProbeRun(double Rate, double Seconds);

/// <summary>
/// A boot's speed, from the calibration probe run on L0 and in L1 at the boot's start (before L2 starts and before the
/// scenario's factor is set) and at its end. A probe that failed is null, with its reason in <see cref="Failures"/>.
/// </summary>
public sealed record Calibration(ProbeRun? L0Start, ProbeRun? L1Start, ProbeRun? L1End, ProbeRun? L0End, IReadOnlyList<string> Failures)
{
    /// <summary>The fact L1's job reports each probe in: <c>calibration.start</c>, <c>calibration.end</c>.</summary>
    public const string FactPrefix = "calibration.";

    /// <summary>The boot's L1 speed: the mean of L1's start and end rates, or the one that ran; null when neither did.</summary>
    public double? L1Rate => new[] { L1Start?.Rate, L1End?.Rate }.OfType<double>().DefaultIfEmpty(double.NaN).Average() is var r && !double.IsNaN(r) ? r : null;
}

/// <summary>
/// The calibration probe (issue "Noise you can see"): a short, fixed, CPU-bound loop that no factor of the study can
/// change (no memory to speak of, so THP does not touch it; no network; no L2), run with the same awk on L0 and in L1.
/// Its rate is the speed of the machine at that moment: a covariate declared before the run.
/// </summary>
public static class CalibrationProbe
{
    /// <summary>The loop, as awk runs it with <c>-v n=ITERATIONS</c>; it prints the sum, which is checked.</summary>
    public const string Program = "BEGIN { for (i = 0; i < n; i++) s += i % 7; printf \"%d\\n\", s }";

    /// <summary>What <see cref="Program"/> prints for <paramref name="iterations"/>.</summary>
    public static long ExpectedSum(long iterations) =>
        (21 * (iterations / 7)) + Enumerable.Range(0, (int)(iterations % 7)).Sum();

    /// <summary>Runs the probe on L0; a failure (no awk, a wrong sum) is returned as its reason, never thrown.</summary>
    public static async Task<(ProbeRun? Run, string? Failure)> RunOnL0Async(long iterations, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        BufferedCommandResult result;
        try
        {
            result = await Cli.Wrap("awk").WithArguments(["-v", $"n={iterations.ToString(CultureInfo.InvariantCulture)}", Program])
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(cancellationToken);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (null, $"L0 probe: cannot run awk ({e.Message})");
        }

        var seconds = clock.Elapsed.TotalSeconds;
        return Check("L0", iterations, result.StandardOutput.Trim(), seconds, result.ExitCode);
    }

    /// <summary>
    /// L1's probe from its fact (<c>iterations=N sum=S seconds=T rc=R</c>, written by job-lib.sh's <c>vmlab_calibrate</c>).
    /// </summary>
    public static (ProbeRun? Run, string? Failure) FromFact(string when, string? fact)
    {
        if (fact is null)
        {
            return (null, $"L1 probe at the {when}: not reported");
        }

        var fields = fact.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(f => f.Split('=', 2)).Where(kv => kv.Length == 2)
            .ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
        return long.TryParse(fields.GetValueOrDefault("iterations"), CultureInfo.InvariantCulture, out var n)
               && double.TryParse(fields.GetValueOrDefault("seconds"), CultureInfo.InvariantCulture, out var seconds)
               && int.TryParse(fields.GetValueOrDefault("rc"), CultureInfo.InvariantCulture, out var rc)
            ? Check($"L1 at the {when}", n, fields.GetValueOrDefault("sum") ?? "", seconds, rc)
            : (null, $"L1 probe at the {when}: unreadable report '{fact}'");
    }

    private static (ProbeRun? Run, string? Failure) Check(string where, long iterations, string sum, double seconds, int exitCode)
    {
        if (exitCode != 0)
        {
            return (null, $"{where} probe: awk exited {exitCode}");
        }

        if (sum != ExpectedSum(iterations).ToString(CultureInfo.InvariantCulture))
        {
            return (null, $"{where} probe: awk printed '{sum}', expected {ExpectedSum(iterations)}: it did not run the loop");
        }

        // /proc/uptime counts in hundredths: a probe that short says nothing about speed.
        return seconds < 0.05
            ? (null, string.Create(CultureInfo.InvariantCulture, $"{where} probe: {seconds:0.00} s is too short to time"))
            : (new ProbeRun(Math.Round(iterations / seconds), Math.Round(seconds, 3)), null);
    }
}
