using VmLab.Common;

namespace VmLab.Sources;

/// <summary>
/// Obtains a <see cref="PinnedSource"/>: an already verified download, else each mirror in order (resuming a
/// partial file), else each declared fallback in order. Every file is verified by sha256 before it is returned;
/// a mirror serving wrong bytes stops everything (that is tampering or a wrong pin, not an outage).
/// </summary>
/// <param name="downloads">The shared downloads folder (<see cref="RepoPaths.Downloads"/>).</param>
/// <param name="http">The client for the mirrors.</param>
public sealed class SourceFetch(string downloads, HttpClient http)
{
    /// <summary>Environment variable that skips every mirror (no network traffic except apt's), e.g. on an offline machine; the CLI reads it.</summary>
    public const string OfflineVariable = "VMLAB_OFFLINE";

    /// <summary>A user-supplied file standing in for the download, checked against its own sha256.</summary>
    public LocalSource? Local { get; init; }

    /// <summary>What a <see cref="LocalCopyFallback"/>'s relative path is relative to: the repository root.</summary>
    public string? BaseDirectory { get; init; }

    /// <summary>
    /// How a file of this machine is recorded in metadata and reports (<see cref="RepoPaths.Shown"/>: relative to the
    /// artifact cache or the repository); default: as it is.
    /// </summary>
    public Func<string, string> Shown { get; init; } = path => path;

    /// <summary>Skip the mirrors (the CLI sets it from <see cref="OfflineVariable"/> or --offline).</summary>
    public bool Offline { get; init; }

    /// <summary>Download progress, reported about twice a second.</summary>
    public IProgress<DownloadProgress>? Progress { get; init; }

    /// <summary>One line per step (mirror tried, fallback used, apt output).</summary>
    public Action<string>? OnLine { get; init; }

    /// <summary>
    /// The fallback warning (the pinned source was not used), for a caller that shows it apart from the steps;
    /// null: it goes to <see cref="OnLine"/> like any step.
    /// </summary>
    public Action<string>? OnWarning { get; init; }

    /// <summary>The apt tools the Debian package fallback runs (default: this machine's).</summary>
    public AptTools Apt { get; init; } = AptTools.System;

    /// <summary>Where a verified download of <paramref name="source"/> is kept.</summary>
    public string PinnedPath(PinnedSource source) => Path.Combine(downloads, $"{source.Sha256}-{source.FileName}");

    public async Task<FetchedSource> FetchAsync(PinnedSource source, CancellationToken cancellationToken = default)
    {
        var attempts = new List<string>();
        var target = PinnedPath(source);
        if (File.Exists(target) && await Hashing.Sha256OfFileAsync(target, cancellationToken) == source.Sha256)
        {
            return Pinned(source, target, $"file://{Shown(target)}", attempts);
        }

        if (Local is { } early && early.Sha256.Equals(source.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            // The user holds the pinned file itself: no substitution, no network.
            await VerifyLocalAsync(early, cancellationToken);
            return Pinned(source, Path.GetFullPath(early.Path), Path.GetFullPath(early.Path), attempts);
        }

        if (await FromMirrorsAsync(source, target, attempts, cancellationToken) is { } url)
        {
            return Pinned(source, target, url, attempts);
        }

        foreach (var fallback in source.Fallbacks)
        {
            if (await FromFallbackAsync(source, fallback, attempts, cancellationToken) is { } substitute)
            {
                return substitute;
            }
        }

        throw new LabException(
            $"{source.FileName} could not be obtained:\n  " + string.Join("\n  ", attempts),
            "check the network, or download it elsewhere and pass it with its sha256 (see kernel/versions.json for the pin)");
    }

    /// <summary>
    /// The file <see cref="FetchAsync"/> has already obtained for <paramref name="source"/>, found without a download or
    /// apt-get (apt's local lists are read): the verified pinned download, the user's local file, else the first
    /// declared fallback already on disk. Null when none is: the source was never fetched here. What the stage keys of
    /// a finished build are computed from (<c>vmlab artifacts keys</c>).
    /// </summary>
    public async Task<(string Sha256, string Path)?> FindFetchedAsync(PinnedSource source, CancellationToken cancellationToken = default)
    {
        var target = PinnedPath(source);
        if (File.Exists(target) && await Hashing.Sha256OfFileAsync(target, cancellationToken) == source.Sha256)
        {
            return (source.Sha256, target);
        }

        if (Local is { } local && File.Exists(local.Path) && await Hashing.Sha256OfFileAsync(local.Path, cancellationToken) is var sha
            && sha.Equals(local.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            return (sha, Path.GetFullPath(local.Path));
        }

        foreach (var fallback in source.Fallbacks)
        {
            switch (fallback)
            {
                case LocalCopyFallback copy when Path.GetFullPath(copy.Path, BaseDirectory ?? Environment.CurrentDirectory) is var file && File.Exists(file):
                    return (copy.Sha256, file);
                case DebianPackageFallback debian when await new DebianPackageFetch(downloads, Apt).FindCachedAsync(debian, cancellationToken) is { } record:
                    return (record.FileSha256, record.File);
            }
        }

        return null;
    }

    /// <summary>Each mirror in turn until one delivers the pinned bytes into <paramref name="target"/>; the URL that did, or null.</summary>
    private async Task<string?> FromMirrorsAsync(PinnedSource source, string target, List<string> attempts, CancellationToken cancellationToken)
    {
        if (Offline)
        {
            attempts.Add($"mirrors skipped: {OfflineVariable} is set");
            return null;
        }

        foreach (var url in source.Urls)
        {
            if (await TryMirrorAsync(source, url, target, attempts, cancellationToken))
            {
                return url.ToString();
            }
        }

        return null;
    }

    /// <summary>One declared fallback: the substitute it gives, or null (with the reason in <paramref name="attempts"/>) when it gives none.</summary>
    private async Task<FetchedSource?> FromFallbackAsync(PinnedSource source, SourceFallback fallback, List<string> attempts, CancellationToken cancellationToken)
    {
        switch (fallback)
        {
            case LocalFileFallback file when Local is { } local:
                await VerifyLocalAsync(local, cancellationToken);
                return Substitute(source, SourceOrigin.LocalFile, Path.GetFullPath(local.Path), local.Sha256.ToLowerInvariant(),
                    Path.GetFullPath(local.Path), VersionOf(local.Path), $"sha256 given by the user ({file.Options})", attempts);
            case LocalFileFallback file:
                attempts.Add($"local file: not given ({file.Options})");
                return null;
            case LocalCopyFallback copy:
                return await FromLocalCopyAsync(source, copy, attempts, cancellationToken);
            case DebianPackageFallback debian:
                OnLine?.Invoke($"{source.Name}: trying the Debian package {debian.Package}");
                var record = await new DebianPackageFetch(downloads, Apt).FetchAsync(debian, OnLine, cancellationToken);
                var trust = $"apt-get download checked {record.DebFileName} against the Debian archive's signed metadata " +
                            $"(InRelease signature → Packages SHA256 {record.DebSha256}); VmLab re-checked that sha256 and extracted /{record.PathInPackage}";
                return Substitute(source, SourceOrigin.DebianPackage, record.File, record.FileSha256,
                    $"{record.Package}={record.Version}", record.Version, trust, attempts);
            default:
                return null;
        }
    }

    /// <summary>The project's copy beside the pin: null when it is absent, an error when its bytes are not the declared ones.</summary>
    private async Task<FetchedSource?> FromLocalCopyAsync(PinnedSource source, LocalCopyFallback copy, List<string> attempts, CancellationToken cancellationToken)
    {
        var file = Path.GetFullPath(copy.Path, BaseDirectory ?? Environment.CurrentDirectory);
        if (!File.Exists(file))
        {
            attempts.Add($"local copy: {copy.Path} not found");
            return null;
        }

        var sha = await Hashing.Sha256OfFileAsync(file, cancellationToken);
        if (sha != copy.Sha256)
        {
            throw new LabException(
                $"The local copy {file} has sha256 {sha}, but {copy.Sha256} is declared for it; it was not used.",
                "restore the file from its source (see the README beside it), or remove it so the build goes without it");
        }

        // Recorded as declared (relative to the repository), not as this machine's absolute path.
        return Substitute(source, SourceOrigin.LocalCopy, file, sha, copy.Path, VersionOf(file),
            $"sha256 {sha} declared for this copy beside the pin ({copy.Note})", attempts);
    }

    private async Task<bool> TryMirrorAsync(PinnedSource source, Uri url, string target, List<string> attempts, CancellationToken cancellationToken)
    {
        var partial = target + ".partial";
        OnLine?.Invoke($"{source.Name}: downloading {url}" + (File.Exists(partial) ? $" (resuming at {new FileInfo(partial).Length} bytes)" : ""));
        try
        {
            await new HttpDownload(http).DownloadAsync(url, partial, Progress, cancellationToken);
        }
        catch (HttpDownload.UnavailableException ex)
        {
            attempts.Add(ex.Message);
            OnLine?.Invoke($"{source.Name}: {ex.Message}; next mirror");
            return false;
        }

        var actual = await Hashing.Sha256OfFileAsync(partial, cancellationToken);
        if (actual != source.Sha256)
        {
            File.Delete(partial);
            throw new LabException(
                $"{source.FileName} from {url} has sha256 {actual}, but {source.Sha256} is pinned; the download was deleted and nothing was used.",
                "check the pin in kernel/versions.json against the publisher's checksum; if the mirror is wrong, remove it from the list");
        }

        File.Move(partial, target, overwrite: true);
        return true;
    }

    private static async Task VerifyLocalAsync(LocalSource local, CancellationToken cancellationToken)
    {
        if (!File.Exists(local.Path))
        {
            throw new LabException($"The local source {local.Path} does not exist.", "give the path of the tarball you downloaded");
        }

        var actual = await Hashing.Sha256OfFileAsync(local.Path, cancellationToken);
        if (!actual.Equals(local.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new LabException(
                $"{local.Path} has sha256 {actual}, but {local.Sha256.ToLowerInvariant()} was given; it was not used.",
                "check the file (a partial download?) and the hash you passed");
        }
    }

    private static string VersionOf(string path)
    {
        // linux-5.15.190.tar.xz → 5.15.190; anything else → the file name (still says what was used).
        var name = Path.GetFileName(path);
        var match = System.Text.RegularExpressions.Regex.Match(name, @"(\d+\.\d+(\.\d+)*)");
        return match.Success ? match.Groups[1].Value : name;
    }

    private static FetchedSource Pinned(PinnedSource source, string path, string from, List<string> attempts) =>
        new(source.Name, path, source.Sha256, SourceOrigin.Pinned, from, source.Version,
            $"sha256 pinned in versions.json ({source.Sha256})", attempts, Warning: null);

    private FetchedSource Substitute(PinnedSource source, SourceOrigin origin, string path, string sha256, string from, string version, string trust, List<string> attempts)
    {
        var warning = $"FALLBACK: {source.FileName} (version {source.Version}, the pinned source) was not used; " +
                      $"{source.Name} comes from {from} (version {version}) instead. Results are for that version.";
        (OnWarning ?? OnLine)?.Invoke(warning);
        return new FetchedSource(source.Name, path, sha256, origin, from, version, trust, attempts, warning);
    }
}
