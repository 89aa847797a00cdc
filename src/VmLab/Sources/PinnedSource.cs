using System.Text.Json;
using System.Text.Json.Serialization;

namespace VmLab.Sources;

/// <summary>
/// A file the pipeline needs from outside, pinned by sha256: where it normally comes from (mirrors, tried in
/// order) and what may stand in for it when none can be reached (fallbacks, tried in the declared order).
/// The kernel tarball is one; benchmark sources (UnixBench, the Apache doc set) are others.
/// </summary>
/// <param name="Name">A short name for messages and metadata, e.g. <c>linux</c>.</param>
/// <param name="FileName">The file's name as published, e.g. <c>linux-5.15.198.tar.xz</c>.</param>
/// <param name="Version">The upstream version the pin stands for, e.g. <c>5.15.198</c>.</param>
/// <param name="Sha256">The expected sha256 (lower-case hex) of the file.</param>
/// <param name="Urls">Mirrors, in the order they are tried.</param>
/// <param name="Fallbacks">Substitutes, in the order they are tried once every mirror failed.</param>
/// <param name="Provenance">Where the pinned hash was found (so a reader can check it), free text per key.</param>
public sealed record PinnedSource(
    string Name,
    string FileName,
    string Version,
    string Sha256,
    IReadOnlyList<Uri> Urls,
    IReadOnlyList<SourceFallback> Fallbacks,
    IReadOnlyDictionary<string, string>? Provenance = null)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Reads the source called <paramref name="name"/> from a versions.json (an object of named sources).</summary>
    public static PinnedSource Load(string versionsJson, string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(versionsJson), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        if (!document.RootElement.TryGetProperty(name, out var element))
        {
            throw new Common.LabException($"{versionsJson} has no source named '{name}'.", $"add a \"{name}\" entry to {versionsJson}");
        }

        var source = element.Deserialize<PinnedSource>(Json)
            ?? throw new Common.LabException($"{versionsJson}: the '{name}' entry is empty.");
        if (source.Sha256.Length != 64 || !source.Sha256.All(char.IsAsciiHexDigitLower))
        {
            throw new Common.LabException($"{versionsJson}: '{name}' has sha256 '{source.Sha256}', which is not 64 lower-case hex digits.");
        }

        foreach (var copy in source.Fallbacks.OfType<LocalCopyFallback>().Where(c => c.Sha256.Length != 64 || !c.Sha256.All(char.IsAsciiHexDigitLower)))
        {
            throw new Common.LabException($"{versionsJson}: '{name}' declares the local copy {copy.Path} with sha256 '{copy.Sha256}', which is not 64 lower-case hex digits.");
        }

        return source;
    }
}

/// <summary>Something that may stand in for a <see cref="PinnedSource"/> whose mirrors all failed.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(LocalFileFallback), "local-file")]
[JsonDerivedType(typeof(DebianPackageFallback), "debian-package")]
[JsonDerivedType(typeof(LocalCopyFallback), "local-copy")]
public abstract record SourceFallback;

/// <summary>A file the user names on the command line together with its sha256 (e.g. <c>--kernel-source FILE --kernel-sha256 HEX</c>).</summary>
/// <param name="Options">The command-line options that provide it, for messages.</param>
public sealed record LocalFileFallback(string Options) : SourceFallback;

/// <summary>
/// A file shipped inside a Debian package (e.g. <c>usr/src/linux-source-6.1.tar.xz</c> in <c>linux-source-6.1</c>),
/// fetched with <c>apt-get download</c> and trusted through apt's signed archive metadata.
/// </summary>
/// <param name="Package">The binary package name.</param>
/// <param name="PathInPackage">The file's path inside the package, without a leading slash.</param>
public sealed record DebianPackageFallback(string Package, string PathInPackage) : SourceFallback;

/// <summary>
/// A verified copy the project keeps beside the repository for machines that cannot reach the upstream (e.g.
/// <c>../shared/third_party/byte-unixbench-5.1.3.tar.gz</c>), pinned by its own sha256: the same release packed by
/// another tool gives other bytes than the upstream archive. It is used only when the file is there and its sha256
/// matches; a mismatch stops the build.
/// </summary>
/// <param name="Path">The file, relative to the repository root (or absolute).</param>
/// <param name="Sha256">The copy's own sha256 (lower-case hex).</param>
/// <param name="Note">What the copy is and where its hash was recorded, for metadata and the report.</param>
public sealed record LocalCopyFallback(string Path, string Sha256, string Note) : SourceFallback;

/// <summary>A file the user supplies instead of the download.</summary>
/// <param name="Path">The file.</param>
/// <param name="Sha256">The sha256 the user vouches for; the file is checked against it before use.</param>
public sealed record LocalSource(string Path, string Sha256);

/// <summary>How a fetched source came to be.</summary>
public enum SourceOrigin
{
    /// <summary>Downloaded from one of the pinned URLs (or found already downloaded), sha256 matching the pin.</summary>
    Pinned,

    /// <summary>The user's local file (<see cref="LocalFileFallback"/>).</summary>
    LocalFile,

    /// <summary>Extracted from a Debian package (<see cref="DebianPackageFallback"/>).</summary>
    DebianPackage,

    /// <summary>The project's declared local copy (<see cref="LocalCopyFallback"/>).</summary>
    LocalCopy,
}

/// <summary>A source file on disk, verified, with the record of how it was obtained (for metadata.json and the report).</summary>
/// <param name="Name">The pinned source's name.</param>
/// <param name="Path">The verified file.</param>
/// <param name="Sha256">Its sha256 (checked, not copied from the pin).</param>
/// <param name="Origin">Where it came from.</param>
/// <param name="From">The URL, local path or <c>package=version</c> it came from.</param>
/// <param name="Version">What version the file actually holds (the pin's, or the substitute's).</param>
/// <param name="Trust">Why the file is trusted: the pin, the user's hash, or apt's signed metadata.</param>
/// <param name="Attempts">What was tried before, and why each failed, in order.</param>
/// <param name="Warning">Set when a fallback was used: the loud message that must reach the report's first page.</param>
public sealed record FetchedSource(
    string Name,
    string Path,
    string Sha256,
    SourceOrigin Origin,
    string From,
    string Version,
    string Trust,
    IReadOnlyList<string> Attempts,
    string? Warning)
{
    /// <summary>True when the file is not the pinned one.</summary>
    public bool IsFallback => Origin != SourceOrigin.Pinned;
}
