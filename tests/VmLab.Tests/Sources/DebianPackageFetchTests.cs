using System.Security.Cryptography;
using CliWrap;
using VmLab.Common;
using VmLab.Sources;

namespace VmLab.Tests.Sources;

/// <summary>
/// The Debian package fallback against a real .deb (built here with <c>dpkg-deb --build</c>, extracted with the real
/// <c>dpkg-deb</c> and <c>tar</c>) served by stand-ins for <c>apt-cache</c> and <c>apt-get</c>: shell scripts that
/// print the real <c>apt-cache show</c> stanza of <c>fixtures/apt/</c> with this .deb's size and sha256, copy the
/// .deb on <c>download</c>, and record every call. The machine's own apt lists are never touched.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DebianPackageFetchTests : IDisposable
{
    private const string Package = "linux-source-6.1";
    private const string PathInPackage = "usr/src/linux-source-6.1.tar.xz";

    private readonly string _root = Directory.CreateTempSubdirectory("vmlab-apt-").FullName;
    private readonly byte[] _tarball = RandomNumberGenerator.GetBytes(50_000);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Downloads => Path.Combine(_root, "downloads");
    private string Calls => Path.Combine(_root, "calls.log");
    private static DebianPackageFallback Fallback => new(Package, PathInPackage);

    /// <summary>Builds the .deb and the stand-ins; <paramref name="listsKnowIt"/> false means apt-cache knows the package only after <c>apt-get update</c>.</summary>
    private async Task<(AptTools Tools, string DebSha256)> ArchiveAsync(bool listsKnowIt = true, string? claimedSha256 = null, bool downloadFails = false)
    {
        var tree = Path.Combine(_root, "pkg");
        Directory.CreateDirectory(Path.Combine(tree, "DEBIAN"));
        Directory.CreateDirectory(Path.Combine(tree, "usr/src"));
        await File.WriteAllBytesAsync(Path.Combine(tree, PathInPackage), _tarball, TestContext.Current.CancellationToken);
        var stanza = await File.ReadAllTextAsync(Fixture.Path("apt", "apt-cache-show-linux-source-6.1.txt"), TestContext.Current.CancellationToken);
        var record = AptPackageRecord.Parse(stanza);
        await File.WriteAllTextAsync(Path.Combine(tree, "DEBIAN/control"),
            $"Package: {Package}\nVersion: {record.Version}\nArchitecture: all\nMaintainer: VmLab tests <tests@localhost>\nDescription: test package\n",
            TestContext.Current.CancellationToken);
        var deb = Path.Combine(_root, record.DebFileName);
        await Cli.Wrap("dpkg-deb").WithArguments(["--build", "--root-owner-group", tree, deb]).ExecuteAsync(TestContext.Current.CancellationToken);
        var debSha = await Hashing.Sha256OfFileAsync(deb, TestContext.Current.CancellationToken);

        var served = string.Join('\n', stanza.Split('\n').Select(line =>
            line.StartsWith("SHA256:", StringComparison.Ordinal) ? $"SHA256: {claimedSha256 ?? debSha}"
            : line.StartsWith("Size:", StringComparison.Ordinal) ? $"Size: {new FileInfo(deb).Length}"
            : line));
        await File.WriteAllTextAsync(Path.Combine(_root, "stanza.txt"), served, TestContext.Current.CancellationToken);
        var updated = Path.Combine(_root, "lists-updated");
        if (listsKnowIt)
        {
            await File.WriteAllTextAsync(updated, "", TestContext.Current.CancellationToken);
        }

        var aptCache = Script("apt-cache", $"""
            echo "apt-cache $*" >> '{Calls}'
            if [ ! -e '{updated}' ]; then echo "E: No packages found" >&2; exit 100; fi
            cat '{_root}/stanza.txt'
            """);
        var aptGet = Script("apt-get", $"""
            echo "apt-get $*" >> '{Calls}'
            case "$1" in
              update) echo "Hit:1 http://deb.debian.org/debian bookworm InRelease"; : > '{updated}' ;;
              download) {(downloadFails ? "echo \"E: Failed to fetch (test)\" >&2; exit 100" : $"cp '{deb}' . && echo \"Get:1 {record.Filename}\"")} ;;
            esac
            """);
        return (new AptTools(aptCache, aptGet, "dpkg-deb", MayUpdateLists: !listsKnowIt), debSha);
    }

    private string Script(string name, string body)
    {
        var path = Path.Combine(_root, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private string[] CallLines => File.Exists(Calls) ? File.ReadAllLines(Calls) : [];

    [Fact]
    public async Task The_file_comes_out_of_the_verified_deb_and_a_second_fetch_asks_apt_only_for_the_version()
    {
        var (tools, debSha) = await ArchiveAsync();

        var record = await new DebianPackageFetch(Downloads, tools).FetchAsync(Fallback, null, TestContext.Current.CancellationToken);
        var again = await new DebianPackageFetch(Downloads, tools).FetchAsync(Fallback, null, TestContext.Current.CancellationToken);

        Assert.Equal(_tarball, await File.ReadAllBytesAsync(record.File, TestContext.Current.CancellationToken));
        Assert.Equal(debSha, record.DebSha256);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(_tarball)), record.FileSha256);
        Assert.Equal(record, again);
        Assert.Single(CallLines, l => l.StartsWith("apt-get download", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(Downloads, "apt-get-linux-source-6.1.log")), "apt's output is kept in downloads/");
        Assert.Empty(Directory.GetDirectories(Downloads)); // the work folder is gone
    }

    [Fact]
    public async Task A_deb_whose_sha256_differs_from_the_signed_metadata_is_refused_and_nothing_is_kept()
    {
        var (tools, debSha) = await ArchiveAsync(claimedSha256: new string('a', 64));

        var error = await Assert.ThrowsAsync<LabException>(() =>
            new DebianPackageFetch(Downloads, tools).FetchAsync(Fallback, null, TestContext.Current.CancellationToken));

        Assert.Contains($"sha256 {debSha}, but the signed archive metadata says {new string('a', 64)}", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(Downloads));
        Assert.DoesNotContain(Directory.GetFiles(Downloads), f => f.EndsWith(".tar.xz", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task As_root_a_machine_without_package_lists_updates_them_once_and_goes_on()
    {
        var (tools, _) = await ArchiveAsync(listsKnowIt: false);

        var record = await new DebianPackageFetch(Downloads, tools).FetchAsync(Fallback, null, TestContext.Current.CancellationToken);

        Assert.Equal(_tarball, await File.ReadAllBytesAsync(record.File, TestContext.Current.CancellationToken));
        Assert.Equal(["apt-cache show --no-all-versions linux-source-6.1", "apt-get update -q", "apt-cache show --no-all-versions linux-source-6.1"],
            CallLines.Take(3));
        Assert.Contains("Hit:1 http://deb.debian.org/debian bookworm InRelease",
            await File.ReadAllTextAsync(Path.Combine(Downloads, "apt-get-linux-source-6.1.log"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_root_a_missing_package_names_the_update_command_and_runs_no_update()
    {
        var (tools, _) = await ArchiveAsync(listsKnowIt: false);

        var error = await Assert.ThrowsAsync<LabException>(() =>
            new DebianPackageFetch(Downloads, tools with { MayUpdateLists = false }).FetchAsync(Fallback, null, TestContext.Current.CancellationToken));

        Assert.Contains("apt-cache knows no package 'linux-source-6.1' (E: No packages found)", error.Message, StringComparison.Ordinal);
        Assert.Contains("sudo apt-get update", error.Next, StringComparison.Ordinal);
        Assert.DoesNotContain(CallLines, l => l.StartsWith("apt-get", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_download_points_at_a_log_that_still_exists()
    {
        var (tools, _) = await ArchiveAsync(downloadFails: true);

        var error = await Assert.ThrowsAsync<LabException>(() =>
            new DebianPackageFetch(Downloads, tools).FetchAsync(Fallback, null, TestContext.Current.CancellationToken));

        var log = Path.Combine(Downloads, "apt-get-linux-source-6.1.log");
        Assert.Contains(log, error.Message + error.Next, StringComparison.Ordinal);
        Assert.Contains("E: Failed to fetch (test)", await File.ReadAllTextAsync(log, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}
