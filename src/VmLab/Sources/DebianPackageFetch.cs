using System.Text.Json;
using CliWrap;
using CliWrap.Buffered;
using VmLab.Common;

namespace VmLab.Sources;

/// <summary>
/// The Debian tools <see cref="DebianPackageFetch"/> runs, by name or path (tests point them at scripts that serve
/// a real .deb), and whether it may refresh the package lists itself: only root can, as the Prerequisites target does.
/// </summary>
public sealed record AptTools(string AptCache, string AptGet, string DpkgDeb, bool MayUpdateLists)
{
    /// <summary>This machine's apt, dpkg-deb; the lists are refreshed when running as root.</summary>
    public static AptTools System { get; } = new("apt-cache", "apt-get", "dpkg-deb", Environment.IsPrivilegedProcess);
}

/// <summary>
/// Gets a file out of a Debian package: <c>apt-get download</c> (apt checks the .deb against the signed archive
/// metadata), a second check of the .deb's sha256 against <c>apt-cache show</c>, then the file is extracted with
/// <c>dpkg-deb --fsys-tarfile | tar</c>. The result is cached in the downloads folder by package version; apt's
/// output is kept there too (<c>apt-get-PACKAGE.log</c>), so an error can point at it.
/// </summary>
public sealed class DebianPackageFetch(string downloads, AptTools? tools = null)
{
    private readonly AptTools _apt = tools ?? AptTools.System;

    /// <summary>What was extracted, kept beside the file so a later run (same package version) skips apt entirely.</summary>
    public sealed record Record(string Package, string Version, string DebFileName, string DebSha256, string PathInPackage, string FileSha256, string File);

    /// <summary>Where apt's output for <paramref name="package"/> is kept.</summary>
    public string LogPath(string package) => Path.Combine(downloads, $"apt-get-{package}.log");

    /// <summary>
    /// The candidate version apt would install, from the local (signed) package lists. When apt knows no such
    /// package and the lists may be refreshed (root), runs <c>apt-get update</c> once and asks again: a fresh
    /// machine has no lists until then.
    /// </summary>
    public async Task<AptPackageRecord> ShowAsync(string package, Action<string>? onLine, CancellationToken cancellationToken)
    {
        var (found, error) = await TryShowAsync(package, cancellationToken);
        if (found is null && _apt.MayUpdateLists)
        {
            onLine?.Invoke($"apt-cache knows no package '{package}' ({error}): apt-get update");
            Directory.CreateDirectory(downloads);
            await LoggedCommand.RunAsync(
                Cli.Wrap(_apt.AptGet).WithArguments(["update", "-q"]), LogPath(package), "apt-get update", onLine,
                "check that the Debian mirror in /etc/apt/sources.list* is reachable, then run the same target again", cancellationToken);
            (found, error) = await TryShowAsync(package, cancellationToken);
        }

        return found ?? throw new LabException(
            $"apt-cache knows no package '{package}' ({error})" + (_apt.MayUpdateLists ? $" even after apt-get update (log: {LogPath(package)})." : "."),
            _apt.MayUpdateLists
                ? $"check that /etc/apt/sources.list* names a Debian archive that carries {package}, then run the same target again"
                : "run sudo apt-get update (or ./build.sh --target=Prerequisites as root), then the same target again");
    }

    private async Task<(AptPackageRecord? Record, string Error)> TryShowAsync(string package, CancellationToken cancellationToken)
    {
        BufferedCommandResult result;
        try
        {
            result = await Cli.Wrap(_apt.AptCache).WithArguments(["show", "--no-all-versions", package])
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(cancellationToken);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new LabException($"apt-cache is not available ({ex.Message}): the Debian fallback needs apt.", "run on Debian/Ubuntu, or pass a local tarball", ex);
        }

        return result.ExitCode == 0 && !string.IsNullOrWhiteSpace(result.StandardOutput)
            ? (AptPackageRecord.Parse(result.StandardOutput), "")
            : (null, result.StandardError.Trim() is { Length: > 0 } e ? e : $"exit code {result.ExitCode}, no output");
    }

    /// <summary>
    /// The file of <paramref name="fallback"/> already extracted for the version apt's local lists name (no apt-get,
    /// no download), or null. A record restored from elsewhere (a CI cache) is found by its sha256 in the downloads.
    /// </summary>
    public async Task<Record?> FindCachedAsync(DebianPackageFallback fallback, CancellationToken cancellationToken)
    {
        var (apt, _) = await TryShowAsync(fallback.Package, cancellationToken);
        var recordPath = apt is null ? null : Path.Combine(downloads, $"{fallback.Package}_{apt.Version.Replace(":", "%3a", StringComparison.Ordinal)}.json");
        if (recordPath is null || !File.Exists(recordPath)
            || JsonSerializer.Deserialize<Record>(await File.ReadAllTextAsync(recordPath, cancellationToken), PinnedSource.Json) is not { } cached
            || cached.DebSha256 != apt!.Sha256)
        {
            return null;
        }

        var file = File.Exists(cached.File) ? cached.File : Path.Combine(downloads, $"{cached.FileSha256}-{Path.GetFileName(cached.PathInPackage)}");
        return File.Exists(file) ? cached with { File = file } : null;
    }

    /// <summary>Fetches <paramref name="fallback"/>'s file, or returns the cached one for the same package version.</summary>
    public async Task<Record> FetchAsync(DebianPackageFallback fallback, Action<string>? onLine, CancellationToken cancellationToken)
    {
        var apt = await ShowAsync(fallback.Package, onLine, cancellationToken);
        Directory.CreateDirectory(downloads);
        var recordPath = Path.Combine(downloads, $"{fallback.Package}_{apt.Version.Replace(":", "%3a", StringComparison.Ordinal)}.json");
        if (File.Exists(recordPath))
        {
            var cached = JsonSerializer.Deserialize<Record>(await File.ReadAllTextAsync(recordPath, cancellationToken), PinnedSource.Json);
            // The record names the file by absolute path; restored from a cache into another checkout, it sits in this
            // downloads folder under the same name.
            var file = cached is null ? null : File.Exists(cached.File) ? cached.File : Path.Combine(downloads, $"{cached.FileSha256}-{Path.GetFileName(cached.PathInPackage)}");
            if (cached is not null && cached.DebSha256 == apt.Sha256 && File.Exists(file)
                && await Hashing.Sha256OfFileAsync(file, cancellationToken) == cached.FileSha256)
            {
                return cached with { File = file };
            }
        }

        var work = Path.Combine(downloads, $".{fallback.Package}.{Environment.ProcessId}.tmp");
        Directory.CreateDirectory(work);
        try
        {
            onLine?.Invoke($"apt-get download {fallback.Package}={apt.Version} ({apt.Size / 1048576.0:F0} MiB)");
            await LoggedCommand.RunAsync(
                Cli.Wrap(_apt.AptGet).WithArguments(["download", "-q", $"{fallback.Package}={apt.Version}"]).WithWorkingDirectory(work),
                LogPath(fallback.Package), $"apt-get download {fallback.Package}", onLine,
                "check that the Debian mirror is reachable (apt-get update), then run the same target again", cancellationToken);
            var deb = Path.Combine(work, apt.DebFileName);
            var debSha = await Hashing.Sha256OfFileAsync(deb, cancellationToken);
            if (debSha != apt.Sha256)
            {
                throw new LabException(
                    $"{apt.DebFileName}: sha256 {debSha}, but the signed archive metadata says {apt.Sha256}; the file was deleted.",
                    "run apt-get update (the lists may be stale), then the same target again");
            }

            var extracted = Path.Combine(work, "x");
            Directory.CreateDirectory(extracted);
            await (Cli.Wrap(_apt.DpkgDeb).WithArguments(["--fsys-tarfile", deb])
                   | Cli.Wrap("tar").WithArguments(["-x", "-C", extracted, "./" + fallback.PathInPackage]))
                .ExecuteAsync(cancellationToken);
            var file = Path.Combine(extracted, fallback.PathInPackage);
            var fileSha = await Hashing.Sha256OfFileAsync(file, cancellationToken);
            var final = Path.Combine(downloads, $"{fileSha}-{Path.GetFileName(fallback.PathInPackage)}");
            File.Move(file, final, overwrite: true);
            var record = new Record(apt.Package, apt.Version, apt.DebFileName, debSha, fallback.PathInPackage, fileSha, final);
            AtomicFile.WriteAllText(recordPath, JsonSerializer.Serialize(record, PinnedSource.Json));
            return record;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
