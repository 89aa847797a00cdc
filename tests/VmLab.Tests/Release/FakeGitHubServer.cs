using System.Text.Json;

namespace VmLab.Tests.Release;

/// <summary>
/// <see cref="FakeGitHub"/> as a server for the workflow rehearsal (tests/workflows/rehearse.py): the release steps of
/// the workflows publish to the same fake the release tests use. With <c>VMLAB_FAKE_GITHUB=DIR</c> set, it writes
/// <c>DIR/endpoint.json</c> (API URL, owner/repository, token), serves until <c>DIR/stop</c> appears, then writes what
/// it holds to <c>DIR/releases.json</c>. Without the variable it is skipped: it is a tool, not a test.
/// </summary>
public sealed class FakeGitHubServer
{
    public const string Variable = "VMLAB_FAKE_GITHUB";

    [Fact]
    public async Task Serve()
    {
        var dir = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(dir))
        {
            Assert.Skip($"serves the fake GitHub API for tests/workflows/rehearse.py only ({Variable}=DIR)");
            return;
        }

        Directory.CreateDirectory(dir);
        await using var github = new FakeGitHub { Immutable = true };
        var json = new JsonSerializerOptions { WriteIndented = true };
        await File.WriteAllTextAsync(Path.Combine(dir, "endpoint.json.tmp"), JsonSerializer.Serialize(new
        {
            apiUrl = github.BaseUrl.ToString(),
            repository = $"{github.Owner}/{github.Repository}",
            token = github.Token,
        }, json), CancellationToken.None);
        File.Move(Path.Combine(dir, "endpoint.json.tmp"), Path.Combine(dir, "endpoint.json"), overwrite: true);
        while (!File.Exists(Path.Combine(dir, "stop")))
        {
            await Task.Delay(200, CancellationToken.None);
        }

        await File.WriteAllTextAsync(Path.Combine(dir, "releases.json"), JsonSerializer.Serialize(new
        {
            latest = github.Latest?.Tag,
            releases = github.Releases.Select(r => new
            {
                r.Tag, r.Name, r.Draft, r.MakeLatest, r.TargetCommitish,
                assets = r.Assets.Select(a => new { a.Name, a.ContentType, size = a.Content.Length, sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(a.Content)) }),
            }),
            requests = github.Requests.Select(r => r.ToString()),
            unmatched = github.Unmatched.Select(r => r.ToString()),
        }, json), CancellationToken.None);
    }
}
