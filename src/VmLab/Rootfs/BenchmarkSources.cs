using System.Collections.Immutable;
using System.Text.Json;
using VmLab.Common;

namespace VmLab.Rootfs;

/// <summary>A pinned benchmark source from <c>rootfs/sources.json</c>.</summary>
/// <param name="Sha256">The pinned hash; <see langword="null"/> while no copy could be hashed (then only a user's local file is used).</param>
public sealed record PinnedSource(string Name, string? FileName, ImmutableArray<string> Urls, string? Sha256, string? Note);

/// <summary>The document set apache2 serves: the gcc 4.4.7 manual, or its declared substitute.</summary>
/// <param name="Substitute">What replaces the manual when unreachable (<c>generated</c>).</param>
/// <param name="IndexBytes">The size of <c>index.html</c> the study's host served, reproduced by the substitute.</param>
public sealed record DocumentSetSource(string Name, ImmutableArray<string> Urls, string? Sha256, string Substitute, int IndexBytes, string? Note);

/// <summary><c>rootfs/sources.json</c>.</summary>
public sealed record BenchmarkSources(PinnedSource Unixbench, DocumentSetSource DocumentSet)
{
    public static BenchmarkSources Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<BenchmarkSources>(File.ReadAllText(path), RootfsJson.Options)
                ?? throw new LabException($"{path} is empty.", "restore it with git checkout -- " + path);
        }
        catch (FileNotFoundException)
        {
            throw new LabException($"{path} does not exist.", "run vmlab from a complete VmLab checkout (git status)");
        }
        catch (JsonException ex)
        {
            throw new LabException($"{path} is not valid: {ex.Message}", "fix the JSON (the format is described in rootfs/README.md)");
        }
    }
}

/// <summary>How a source was obtained for a build, as recorded in metadata.json (and so in the report).</summary>
/// <param name="Status"><c>used</c>, <c>substituted</c> or <c>unavailable</c>.</param>
/// <param name="Detail">Where it came from, or why it is missing, in words a reader of the report understands.</param>
/// <param name="LocalPath">The file used, when there is one (not part of any key: its sha256 is).</param>
public sealed record SourceUse(string Name, string Status, string Detail, string? Sha256, [property: System.Text.Json.Serialization.JsonIgnore] string? LocalPath = null)
{
    /// <summary>The line the report prints, e.g. "UnixBench: source unavailable (…)".</summary>
    public string Summary => $"{Name}: {Status switch { "used" => "used", "substituted" => "substituted", _ => "source unavailable" }} ({Detail})";

    /// <summary>
    /// Finds UnixBench: a local tarball the user gave (its sha256 recorded; checked against the pin when
    /// there is one), else a verified download already in <c>artifacts/downloads</c>; otherwise unavailable,
    /// never an unverified fetch.
    /// </summary>
    public static SourceUse ResolveUnixBench(PinnedSource pin, RepoPaths paths, string? localFile)
    {
        if (localFile is not null)
        {
            if (!File.Exists(localFile))
            {
                throw new LabException($"The UnixBench tarball {localFile} does not exist.", "give an existing file to --unixbench, or leave the option out");
            }

            var sha = Hashing.Sha256OfFile(localFile);
            if (pin.Sha256 is { } pinned && !string.Equals(sha, pinned, StringComparison.OrdinalIgnoreCase))
            {
                throw new LabException(
                    $"{localFile} has sha256 {sha}, but rootfs/sources.json pins {pin.Name} at {pinned}.",
                    "give the right tarball to --unixbench (or update the pin in rootfs/sources.json if upstream re-released it)");
            }

            return new SourceUse(pin.Name, "used", $"local file {Path.GetFileName(localFile)}", sha, localFile);
        }

        if (pin.Sha256 is { } pinnedSha && pin.FileName is { } fileName)
        {
            var cached = Path.Combine(paths.Downloads, $"{pinnedSha}-{fileName}");
            if (File.Exists(cached))
            {
                return new SourceUse(pin.Name, "used", $"verified download {Path.GetFileName(cached)}", pinnedSha, cached);
            }

            return new SourceUse(pin.Name, "unavailable", $"not downloaded: {string.Join(", ", pin.Urls)} is not reachable from here; give a local copy with --unixbench PATH", null);
        }

        return new SourceUse(pin.Name, "unavailable", "no sha256 pinned in rootfs/sources.json and no local tarball given with --unixbench PATH", null);
    }
}
