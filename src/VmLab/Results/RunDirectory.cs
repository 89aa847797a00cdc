using System.Globalization;
using System.Text.Json;
using VmLab.Common;

namespace VmLab.Results;

/// <summary>
/// A run directory <c>results/&lt;run-id&gt;/</c> laid out as in docs/CONTRACTS.md. Every path of a run is asked
/// for here, and every write goes through <see cref="AtomicFile"/>: a raw output is on disk, whole, the moment
/// <see cref="WriteRaw"/> returns, so a later failure never loses what was already collected.
/// </summary>
public sealed record RunDirectory(string Path)
{
    /// <summary>The run id: the directory's name.</summary>
    public string RunId => System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(Path)));

    public string ManifestPath => Combine("manifest.json");
    public string ResultsPath => Combine("results.json");
    public string ReportPath => Combine("REPORT.md");
    public string RawDir => Combine("raw");
    public string ChartsDir => Combine("charts");
    public string KernelDir => Combine("kernel");

    /// <summary>kernel/config.diff: host vs guest kernel config, copied from the kernel artifacts by the lab.</summary>
    public string KernelConfigDiffPath => Combine("kernel", "config.diff");

    /// <summary>A new run id: UTC time to the minute and the profile, e.g. <c>2026-11-25T1012Z-smoke</c>.</summary>
    public static string NewRunId(DateTimeOffset nowUtc, string profile) =>
        nowUtc.UtcDateTime.ToString("yyyy-MM-dd'T'HHmm'Z'", CultureInfo.InvariantCulture) + "-" + profile;

    /// <summary>raw/&lt;scenario&gt;/&lt;suite&gt;/&lt;repeat&gt;.txt</summary>
    public string RawPath(string scenario, string suite, int repeat)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repeat, 1);
        return Combine("raw", Name(scenario), Name(suite), repeat.ToString(CultureInfo.InvariantCulture) + ".txt");
    }

    /// <summary>raw/&lt;scenario&gt;/console-&lt;boot&gt;.log</summary>
    public string ConsoleLogPath(string scenario, string boot) => Combine("raw", Name(scenario), $"console-{Name(boot)}.log");

    /// <summary>Saves one verbatim tool output now (atomically) and returns its path.</summary>
    public string WriteRaw(string scenario, string suite, int repeat, string output)
    {
        var path = RawPath(scenario, suite, repeat);
        AtomicFile.WriteAllText(path, output);
        return path;
    }

    /// <summary>Saves one console log now (atomically) and returns its path.</summary>
    public string WriteConsoleLog(string scenario, string boot, string log)
    {
        var path = ConsoleLogPath(scenario, boot);
        AtomicFile.WriteAllText(path, log);
        return path;
    }

    public void WriteManifest(Manifest manifest) => AtomicFile.WriteAllText(ManifestPath, RunJson.Serialize(manifest));

    public void WriteResults(RunResults results) => AtomicFile.WriteAllText(ResultsPath, RunJson.Serialize(results));

    /// <summary>Reads manifest.json; a missing or broken one is a <see cref="LabException"/> naming the next step.</summary>
    public Manifest ReadManifest() => Read<Manifest>(ManifestPath, "the lab writes it when a run starts");

    /// <summary>Reads results.json.</summary>
    public RunResults ReadResults() => Read<RunResults>(ResultsPath, $"run: vmlab parse-run {Path}");

    /// <summary>kernel/config.diff when the lab copied one, else null.</summary>
    public string? ReadKernelConfigDiff() => File.Exists(KernelConfigDiffPath) ? FileNode.ReadRegularText(KernelConfigDiffPath, 64L * 1024 * 1024) : null;

    private T Read<T>(string path, string next)
    {
        if (!File.Exists(path))
        {
            throw new LabException($"{path} does not exist: {Path} is not a complete run directory.", next);
        }

        try
        {
            return RunJson.Deserialize<T>(FileNode.ReadRegularText(path, 64L * 1024 * 1024), path);
        }
        catch (JsonException e)
        {
            throw new LabException($"{path} is not valid: {e.Message}", next, e);
        }
    }

    private string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    // Scenario, suite and boot names become path segments: refuse anything that could climb out of the run directory.
    private static string Name(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && name is not ("." or "..")
            ? name
            : throw new ArgumentException($"'{name}' is not a valid scenario/suite/boot name (letters, digits, '-', '_', '.').", nameof(name));
}
