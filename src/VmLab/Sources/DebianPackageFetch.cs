using System.Text.Json;
using CliWrap;
using CliWrap.Buffered;
using VmLab.Common;

namespace VmLab.Sources;

/// <summary>
/// Gets a file out of a Debian package: <c>apt-get download</c> (apt checks the .deb against the signed archive
/// metadata), a second check of the .deb's sha256 against <c>apt-cache show</c>, then the file is extracted with
/// <c>dpkg-deb --fsys-tarfile | tar</c>. The result is cached in the downloads folder by package version.
/// </summary>
public sealed class DebianPackageFetch(string downloads)
{
    /// <summary>What was extracted, kept beside the file so a later run (same package version) skips apt entirely.</summary>
    public sealed record Record(string Package, string Version, string DebFileName, string DebSha256, string PathInPackage, string FileSha256, string File);

    /// <summary>The candidate version apt would install, from the local (signed) package lists.</summary>
    public static async Task<AptPackageRecord> ShowAsync(string package, CancellationToken cancellationToken)
    {
        BufferedCommandResult result;
        try
        {
            result = await Cli.Wrap("apt-cache").WithArguments(["show", "--no-all-versions", package])
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(cancellationToken);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new LabException($"apt-cache is not available ({ex.Message}): the Debian fallback needs apt.", "run on Debian/Ubuntu, or pass a local tarball", ex);
        }

        if (result.ExitCode != 0 || string.IsNullOrWhiteSpace(result.StandardOutput))
        {
            throw new LabException($"apt-cache knows no package '{package}' ({result.StandardError.Trim()}).", "run apt-get update, then the same target again");
        }

        return AptPackageRecord.Parse(result.StandardOutput);
    }

    /// <summary>Fetches <paramref name="fallback"/>'s file, or returns the cached one for the same package version.</summary>
    public async Task<Record> FetchAsync(DebianPackageFallback fallback, Action<string>? onLine, CancellationToken cancellationToken)
    {
        var apt = await ShowAsync(fallback.Package, cancellationToken);
        Directory.CreateDirectory(downloads);
        var recordPath = Path.Combine(downloads, $"{fallback.Package}_{apt.Version.Replace(":", "%3a", StringComparison.Ordinal)}.json");
        if (File.Exists(recordPath))
        {
            var cached = JsonSerializer.Deserialize<Record>(await File.ReadAllTextAsync(recordPath, cancellationToken), PinnedSource.Json);
            if (cached is not null && cached.DebSha256 == apt.Sha256 && File.Exists(cached.File)
                && await Hashing.Sha256OfFileAsync(cached.File, cancellationToken) == cached.FileSha256)
            {
                return cached;
            }
        }

        var work = Path.Combine(downloads, $".{fallback.Package}.{Environment.ProcessId}.tmp");
        Directory.CreateDirectory(work);
        try
        {
            onLine?.Invoke($"apt-get download {fallback.Package}={apt.Version} ({apt.Size / 1048576.0:F0} MiB)");
            await LoggedCommand.RunAsync(
                Cli.Wrap("apt-get").WithArguments(["download", "-q", $"{fallback.Package}={apt.Version}"]).WithWorkingDirectory(work),
                Path.Combine(work, "apt-get.log"), $"apt-get download {fallback.Package}", onLine,
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
            await (Cli.Wrap("dpkg-deb").WithArguments(["--fsys-tarfile", deb])
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
