using System.Text.Json;
using VmLab.Common;

namespace VmLab.Release;

/// <summary>
/// What the release stage needs from a run directory (<c>results/&lt;run-id&gt;/</c>, see docs/CONTRACTS.md):
/// its id, the report, and the kernel artifact key the run's manifest names. It reads the documented layout
/// only, so it works on any run directory the lab or a person produced, including results/reference-2023.
/// </summary>
/// <param name="Directory">The run directory, absolute.</param>
/// <param name="RunId">The run id: the directory's name.</param>
/// <param name="Profile">The profile the run used (<c>profile</c> in manifest.json), when it says.</param>
/// <param name="KernelKey">
/// The kernel artifact key (<c>kernel.key</c> in manifest.json): <c>artifacts/kernel/&lt;key&gt;/</c> holds the Images
/// the run booted. Null when the run was not produced by VmLab's kernel stage (the 2023 reference run).
/// </param>
public sealed record ReleaseRun(string Directory, string RunId, string? Profile, string? KernelKey)
{
    /// <summary>The manifest file every run directory has.</summary>
    public const string ManifestFile = "manifest.json";

    /// <summary>The rendered report.</summary>
    public const string ReportFile = "REPORT.md";

    public string ManifestPath => Path.Combine(Directory, ManifestFile);

    public string ReportPath => Path.Combine(Directory, ReportFile);

    /// <summary>A file of the run by its path relative to the run directory, e.g. <c>kernel/host.config</c>.</summary>
    public string PathOf(string relative) => Path.Combine(Directory, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Reads the run directory's manifest and checks the files a release is made of are there.</summary>
    /// <exception cref="LabException">The directory, its manifest.json or its REPORT.md is missing or unreadable.</exception>
    public static async Task<ReleaseRun> LoadAsync(string runDirectory, CancellationToken cancellationToken = default)
    {
        var directory = Path.GetFullPath(runDirectory).TrimEnd(Path.DirectorySeparatorChar);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new LabException(
                $"Run directory {runDirectory} does not exist.",
                "pass --run=results/<run-id> (a directory with manifest.json and REPORT.md); ls results/ lists the runs");
        }

        var manifestPath = Path.Combine(directory, ManifestFile);
        if (!File.Exists(manifestPath))
        {
            throw new LabException(
                $"{runDirectory} has no {ManifestFile}, so it is not a run directory (docs/CONTRACTS.md).",
                "pass the directory the lab wrote, results/<run-id>");
        }

        if (!File.Exists(Path.Combine(directory, ReportFile)))
        {
            throw new LabException(
                $"{runDirectory} has no {ReportFile}: a release publishes the report, and this run has not been rendered yet.",
                "render the run's report first (the pipeline's report stage writes REPORT.md), then release again");
        }

        JsonElement manifest;
        try
        {
            await using var stream = File.OpenRead(manifestPath);
            using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
            manifest = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new LabException($"{manifestPath} is not valid JSON ({ex.Message}).", "restore it from git or re-run the stage that wrote it", ex);
        }

        return new ReleaseRun(directory, Path.GetFileName(directory), ReadProfile(manifest), ReadKernelKey(manifest, manifestPath));
    }

    private static string? ReadProfile(JsonElement manifest) =>
        manifest.ValueKind == JsonValueKind.Object && manifest.TryGetProperty("profile", out var profile)
            ? profile.ValueKind switch
            {
                JsonValueKind.String => profile.GetString(),
                // A profile recorded in full (name plus parameters) still has a name.
                JsonValueKind.Object when profile.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String => name.GetString(),
                _ => null,
            }
            : null;

    private static string? ReadKernelKey(JsonElement manifest, string manifestPath)
    {
        if (manifest.ValueKind == JsonValueKind.Object && !manifest.TryGetProperty("kernel", out _)
            && manifest.TryGetProperty("artifacts", out var artifacts) && artifacts.ValueKind == JsonValueKind.Array)
        {
            // The lab's manifest (results store): the booted artifacts with their stage keys.
            foreach (var artifact in artifacts.EnumerateArray())
            {
                if (artifact.ValueKind == JsonValueKind.Object
                    && artifact.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
                    && name.GetString()!.StartsWith("kernel/", StringComparison.Ordinal)
                    && artifact.TryGetProperty("key", out var artifactKey))
                {
                    return ValidKey(artifactKey, manifestPath);
                }
            }

            return null;
        }

        if (manifest.ValueKind != JsonValueKind.Object
            || !manifest.TryGetProperty("kernel", out var kernel)
            || kernel.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (kernel.ValueKind == JsonValueKind.Object && kernel.TryGetProperty("key", out var key))
        {
            return ValidKey(key, manifestPath);
        }

        if (kernel.ValueKind == JsonValueKind.Object)
        {
            return null;
        }

        throw InvalidKey(manifestPath);
    }

    private static string? ValidKey(JsonElement key, string manifestPath)
    {
        if (key.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        // The key becomes a folder name under artifacts/kernel/: refuse anything that could climb out of it.
        return key.ValueKind == JsonValueKind.String && key.GetString() is { Length: > 0 } value
               && value.IndexOfAny(['/', '\\']) < 0 && value is not ("." or "..")
            ? value
            : throw InvalidKey(manifestPath);
    }

    private static LabException InvalidKey(string manifestPath) => new(
        $"{manifestPath}: kernel.key must be the kernel artifact key (a folder name under artifacts/kernel/) or null; so must the key of a kernel/ entry in artifacts.",
        "fix the manifest, or re-run the lab so it writes the key of the kernel it booted");
}
