using System.Text.Json;
using System.Text.Json.Serialization;
using VmLab.Common;
using VmLab.Sources;

namespace VmLab.Rootfs;

/// <summary>The document set apache2 serves at <c>/gcc/</c>: the study's gcc 4.4.7 manual, or its declared substitute.</summary>
/// <param name="Original">What the study served.</param>
/// <param name="Substitute">What VmLab serves instead (<c>generated</c>: <see cref="DocumentSet"/>).</param>
/// <param name="IndexBytes">The size of <c>index.html</c> the study's host served, reproduced by the substitute.</param>
public sealed record DocumentSetSource(string Name, string Original, string Substitute, int IndexBytes, string? Note);

/// <summary><c>rootfs/sources.json</c>: UnixBench pinned like the kernel (same <see cref="PinnedSource"/> format and fetcher), and the document set.</summary>
public sealed record BenchmarkSources(PinnedSource Unixbench, DocumentSetSource DocumentSet)
{
    public static BenchmarkSources Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new LabException($"{path} does not exist.", "run vmlab from a complete VmLab checkout (git status)");
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var docs = document.RootElement.GetProperty("documentSet").Deserialize<DocumentSetSource>(RootfsJson.Options)
                ?? throw new LabException($"{path}: documentSet is empty.");
            return new BenchmarkSources(PinnedSource.Load(path, "unixbench"), docs);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException)
        {
            throw new LabException($"{path} is not valid: {ex.Message}", "fix the JSON (the format is described in rootfs/README.md)");
        }
    }
}

/// <summary>How a source was obtained for a build; metadata.json spells it <c>used</c>, <c>substituted</c>, <c>unavailable</c> or <c>not wanted</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SourceStatus>))]
public enum SourceStatus
{
    /// <summary>The pinned source, verified by its sha256.</summary>
    [JsonStringEnumMemberName("used")]
    Used,

    /// <summary>A declared stand-in (a local copy, a Debian package, a generated tree) instead of the pinned source.</summary>
    [JsonStringEnumMemberName("substituted")]
    Substituted,

    /// <summary>Nothing could be had: the image is built without it.</summary>
    [JsonStringEnumMemberName("unavailable")]
    Unavailable,

    /// <summary>The recipe does not ask for it.</summary>
    [JsonStringEnumMemberName("not wanted")]
    NotWanted,
}

/// <summary>How a source was obtained for a build, as recorded in metadata.json (and so in the report).</summary>
/// <param name="Status">Used, substituted, unavailable or not wanted.</param>
/// <param name="Detail">Where it came from, or why it is missing, in words a reader of the report understands.</param>
/// <param name="LocalPath">The verified file, when there is one (not part of any key: its sha256 is).</param>
public sealed record SourceUse(string Name, SourceStatus Status, string Detail, string? Sha256, [property: JsonIgnore] string? LocalPath = null)
{
    /// <summary>The line the report prints, e.g. "UnixBench: source unavailable (…)".</summary>
    public string Summary => Status switch
    {
        SourceStatus.Unavailable => $"{Name}: source unavailable ({Detail})",
        SourceStatus.Used => $"{Name}: used ({Detail})",
        SourceStatus.Substituted => $"{Name}: substituted ({Detail})",
        _ => $"{Name}: not wanted ({Detail})",
    };

    /// <summary>True when the build did not get the pinned source it asked for (the set's metadata lists these).</summary>
    [JsonIgnore]
    public bool IsDeparture => Status is SourceStatus.Substituted or SourceStatus.Unavailable;

    private static string Words(SourceOrigin origin) => origin switch
    {
        SourceOrigin.LocalFile => "the user's file",
        SourceOrigin.LocalCopy => "the declared local copy",
        SourceOrigin.DebianPackage => "the Debian package",
        _ => origin.ToString(),
    };

    /// <summary>
    /// Obtains UnixBench through the shared <see cref="SourceFetch"/> (verified download already there, the
    /// mirrors unless offline, the user's file, then the declared local copy beside the repository). When nothing can be had, the images are built without it
    /// and the reason is kept; a checksum mismatch still stops the build (that is never "unavailable").
    /// </summary>
    /// <param name="mayDownload">False for a dry plan or an offline machine: only what is already on disk counts.</param>
    public static async Task<SourceUse> ResolveUnixBenchAsync(
        PinnedSource pin, RepoPaths paths, LocalSource? local, bool mayDownload, Action<string>? onLine, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var fetch = new SourceFetch(paths.Downloads, http) { Local = local, OnLine = onLine, BaseDirectory = paths.Root, Offline = !mayDownload, Shown = paths.Shown };

        try
        {
            var got = await fetch.FetchAsync(pin, cancellationToken);
            var detail = got.IsFallback
                ? $"{Words(got.Origin)} {got.From} instead of {pin.FileName} (sha256 {pin.Sha256}); {got.Trust}"
                  + (got.Attempts.Count > 0 ? "; tried first: " + string.Join("; ", got.Attempts) : "")
                : $"{pin.FileName} from {got.From}, sha256 as pinned";
            return new SourceUse($"{pin.Name} {pin.Version}", got.IsFallback ? SourceStatus.Substituted : SourceStatus.Used, detail, got.Sha256, got.Path);
        }
        catch (LabException ex) when (ex.Message.StartsWith($"{pin.FileName} could not be obtained", StringComparison.Ordinal))
        {
            // SourceFetch's "every mirror and fallback failed" (its other failures, like a wrong sha256, propagate).
            var attempts = ex.Message[(ex.Message.IndexOf(':') + 1)..].Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return new SourceUse($"{pin.Name} {pin.Version}", SourceStatus.Unavailable,
                string.Join("; ", attempts) + "; the images are built without UnixBench (give --unixbench FILE --unixbench-sha256 HEX to add it)", null);
        }
    }
}
