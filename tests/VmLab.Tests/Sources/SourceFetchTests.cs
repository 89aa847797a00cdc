using System.Security.Cryptography;
using VmLab.Common;
using VmLab.Sources;

namespace VmLab.Tests.Sources;

public sealed class SourceFetchTests : IAsyncLifetime
{
    private readonly string _downloads = Directory.CreateTempSubdirectory("vmlab-sources-").FullName;
    private readonly FakeMirror _mirror = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    // A small real tarball: the download path does not care what is inside, only that the bytes are exact.
    private readonly byte[] _tarball = RandomNumberGenerator.GetBytes(300_000);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _mirror.DisposeAsync();
        _http.Dispose();
        Directory.Delete(_downloads, recursive: true);
    }

    private string Sha => Convert.ToHexStringLower(SHA256.HashData(_tarball));

    private PinnedSource Source(params Uri[] urls) =>
        new("linux", "linux-9.9.9.tar.xz", "9.9.9", Sha, urls, [new LocalFileFallback("--kernel-source FILE --kernel-sha256 HEX")]);

    private SourceFetch Fetch(LocalSource? local = null) => new(_downloads, _http) { Offline = false, Local = local };

    [Fact]
    public async Task A_good_download_is_verified_and_kept_under_its_sha256()
    {
        var url = _mirror.Serve("pub/linux-9.9.9.tar.xz", _tarball);

        var fetched = await Fetch().FetchAsync(Source(url), TestContext.Current.CancellationToken);

        Assert.Equal(SourceOrigin.Pinned, fetched.Origin);
        Assert.Null(fetched.Warning);
        Assert.Equal(Path.Combine(_downloads, $"{Sha}-linux-9.9.9.tar.xz"), fetched.Path);
        Assert.Equal(_tarball, await File.ReadAllBytesAsync(fetched.Path, TestContext.Current.CancellationToken));
        Assert.Equal(url.ToString(), fetched.From);
    }

    [Fact]
    public async Task A_second_fetch_uses_the_verified_file_without_asking_any_mirror()
    {
        var url = _mirror.Serve("pub/linux-9.9.9.tar.xz", _tarball);
        await Fetch().FetchAsync(Source(url), TestContext.Current.CancellationToken);

        var again = await Fetch().FetchAsync(Source(url), TestContext.Current.CancellationToken);

        Assert.Single(_mirror.Requests);
        Assert.StartsWith("file://", again.From, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_hash_deletes_the_download_and_names_both_hashes()
    {
        var tampered = _tarball.ToArray();
        tampered[1000] ^= 0xff;
        var url = _mirror.Serve("pub/linux-9.9.9.tar.xz", tampered);
        var wrong = Convert.ToHexStringLower(SHA256.HashData(tampered));

        var error = await Assert.ThrowsAsync<LabException>(() => Fetch().FetchAsync(Source(url), TestContext.Current.CancellationToken));

        Assert.Contains(wrong, error.Message, StringComparison.Ordinal);
        Assert.Contains(Sha, error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Next);
        Assert.Empty(Directory.GetFiles(_downloads));
    }

    [Fact]
    public async Task A_404_and_a_refused_connection_fall_through_to_the_next_mirror()
    {
        var refused = new Uri($"http://127.0.0.1:{Loopback.FreePort()}/linux-9.9.9.tar.xz");
        var missing = new Uri(_mirror.Prefix, "gone/linux-9.9.9.tar.xz");
        var good = _mirror.Serve("pub/linux-9.9.9.tar.xz", _tarball);

        var fetched = await Fetch().FetchAsync(Source(refused, missing, good), TestContext.Current.CancellationToken);

        Assert.Equal(good.ToString(), fetched.From);
        Assert.Equal(2, fetched.Attempts.Count);
        Assert.Contains(refused.ToString(), fetched.Attempts[0], StringComparison.Ordinal);
        Assert.Contains("HTTP 404", fetched.Attempts[1], StringComparison.Ordinal);
        Assert.Equal(["GET /gone/linux-9.9.9.tar.xz", "GET /pub/linux-9.9.9.tar.xz"], _mirror.Requests);
    }

    [Fact]
    public async Task A_partial_download_is_resumed_with_a_range_request()
    {
        var url = _mirror.Serve("pub/linux-9.9.9.tar.xz", _tarball);
        var partial = Path.Combine(_downloads, $"{Sha}-linux-9.9.9.tar.xz.partial");
        await File.WriteAllBytesAsync(partial, _tarball[..123_456], TestContext.Current.CancellationToken);

        var fetched = await Fetch().FetchAsync(Source(url), TestContext.Current.CancellationToken);

        Assert.Equal(["GET /pub/linux-9.9.9.tar.xz bytes=123456-"], _mirror.Requests);
        Assert.Equal(_tarball, await File.ReadAllBytesAsync(fetched.Path, TestContext.Current.CancellationToken));
        Assert.False(File.Exists(partial));
    }

    [Fact]
    public async Task Progress_is_reported_up_to_the_full_size()
    {
        var url = _mirror.Serve("pub/linux-9.9.9.tar.xz", _tarball);
        var reports = new List<DownloadProgress>();
        await new SourceFetch(_downloads, _http) { Offline = false, Progress = new Synchronous(reports.Add) }
            .FetchAsync(Source(url), TestContext.Current.CancellationToken);

        Assert.Equal(new DownloadProgress("linux-9.9.9.tar.xz", _tarball.Length, _tarball.Length), reports[^1]);
    }

    [Fact]
    public async Task When_every_mirror_fails_the_users_file_is_used_loudly_after_checking_its_hash()
    {
        var other = RandomNumberGenerator.GetBytes(1000);
        var file = Path.Combine(_downloads, "linux-9.9.8.tar.xz");
        await File.WriteAllBytesAsync(file, other, TestContext.Current.CancellationToken);
        var otherSha = Convert.ToHexStringLower(SHA256.HashData(other));

        var fetched = await Fetch(new LocalSource(file, otherSha)).FetchAsync(
            Source(new Uri(_mirror.Prefix, "gone.tar.xz")), TestContext.Current.CancellationToken);

        Assert.Equal(SourceOrigin.LocalFile, fetched.Origin);
        Assert.True(fetched.IsFallback);
        Assert.Equal("9.9.8", fetched.Version);
        Assert.Contains("FALLBACK", fetched.Warning, StringComparison.Ordinal);
        Assert.Contains("linux-9.9.9.tar.xz", fetched.Warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_fallback_warning_goes_to_its_own_callback_when_one_is_given()
    {
        var other = RandomNumberGenerator.GetBytes(1000);
        var file = Path.Combine(_downloads, "linux-9.9.8.tar.xz");
        await File.WriteAllBytesAsync(file, other, TestContext.Current.CancellationToken);
        var (lines, warnings) = (new List<string>(), new List<string>());

        var fetch = new SourceFetch(_downloads, _http)
        {
            Offline = false, Local = new LocalSource(file, Convert.ToHexStringLower(SHA256.HashData(other))), OnLine = lines.Add, OnWarning = warnings.Add,
        };

        var fetched = await fetch.FetchAsync(Source(new Uri(_mirror.Prefix, "gone.tar.xz")), TestContext.Current.CancellationToken);

        Assert.Equal([fetched.Warning!], warnings);
        Assert.DoesNotContain(fetched.Warning!, lines);
        Assert.NotEmpty(lines); // the steps (the mirror that failed) still go to OnLine
    }

    [Fact]
    public async Task A_users_file_with_the_wrong_hash_is_refused()
    {
        var file = Path.Combine(_downloads, "linux-9.9.8.tar.xz");
        await File.WriteAllBytesAsync(file, [1, 2, 3], TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<LabException>(() => Fetch(new LocalSource(file, new string('a', 64)))
            .FetchAsync(Source(new Uri(_mirror.Prefix, "gone.tar.xz")), TestContext.Current.CancellationToken));

        Assert.Contains(new string('a', 64), error.Message, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData([1, 2, 3])), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offline_asks_no_mirror_and_fails_saying_what_was_tried_when_nothing_else_is_declared()
    {
        var url = _mirror.Serve("pub/linux-9.9.9.tar.xz", _tarball);

        var error = await Assert.ThrowsAsync<LabException>(() => new SourceFetch(_downloads, _http) { Offline = true }
            .FetchAsync(Source(url), TestContext.Current.CancellationToken));

        Assert.Empty(_mirror.Requests);
        Assert.Contains(SourceFetch.OfflineVariable, error.Message, StringComparison.Ordinal);
        Assert.Contains("--kernel-source", error.Message, StringComparison.Ordinal);
    }

    private sealed class Synchronous(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => report(value);
    }
}
