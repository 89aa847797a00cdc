using CliWrap;
using CliWrap.Buffered;
using VmLab.Common;

namespace VmLab.Tests.Release;

/// <summary>
/// `vmlab release` as the Cake target runs it: a separate process, configured by arguments and the
/// environment (GITHUB_TOKEN, VMLAB_ARTIFACTS), talking to <see cref="FakeGitHub"/>.
/// </summary>
public sealed class ReleaseCommandTests : IAsyncLifetime
{
    private readonly FakeGitHub _github = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _github.DisposeAsync();

    private async Task<BufferedCommandResult> VmlabAsync(SampleRun sample, string? token, params string[] arguments) =>
        await VmlabCli.Command(arguments)
            .WithWorkingDirectory(RepoPaths.Find(AppContext.BaseDirectory).Root)
            .WithEnvironmentVariables(e => e
                .Set(RepoPaths.ArtifactsVariable, sample.Artifacts)
                .Set("GITHUB_TOKEN", token)
                // The tests may themselves run in GitHub Actions: the command must not see that workflow's variables.
                .Set("GITHUB_ACTIONS", null).Set("GITHUB_REPOSITORY", null).Set("GITHUB_API_URL", null)
                .Set("GITHUB_REF_TYPE", null).Set("GITHUB_REF_NAME", null).Set("GITHUB_SHA", null)
                .Set("NO_COLOR", "1"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(TestContext.Current.CancellationToken);

    [Fact]
    public async Task Dry_run_prints_the_release_and_every_asset_sha256_and_sends_nothing()
    {
        using var sample = SampleRun.Create(kernel: false);

        var result = await VmlabAsync(sample, _github.Token,
            "release", "--run", sample.RunDirectory, "--dry-run", "--tag", "v0.1.0",
            "--repository", "vmlab-org/vmlab", "--github-api-url", _github.BaseUrl.ToString());

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Contains("dry run: nothing is sent to GitHub", result.StandardOutput);
        Assert.Contains("release     v0.1.0", result.StandardOutput);
        Assert.Contains($"  {Hashing.Sha256OfFile(sample.PathOf("REPORT.md"))}  REPORT.md", result.StandardOutput);
        Assert.Contains($"  {Hashing.Sha256OfFile(Path.Combine(sample.Artifacts, "release", "2026-11-25-quick", "results.tar.gz"))}  results.tar.gz", result.StandardOutput);
        Assert.Contains("kernel-host.Image: the run's manifest.json names no kernel artifact", result.StandardOutput);
        Assert.DoesNotContain(_github.Token, result.StandardOutput + result.StandardError);
        Assert.Empty(_github.Requests);
    }

    [Fact]
    public async Task Publishing_reads_the_token_from_the_environment_and_creates_the_release()
    {
        using var sample = SampleRun.Create();

        var result = await VmlabAsync(sample, _github.Token,
            "release", "--run", sample.RunDirectory, "--tag", "v0.2.0",
            "--repository", $"{_github.Owner}/{_github.Repository}", "--github-api-url", _github.BaseUrl.ToString());

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Contains("published v0.2.0: 10 assets", result.StandardOutput);
        Assert.Equal(10, Assert.Single(_github.Releases).Assets.Count);
        Assert.DoesNotContain(_github.Token, result.StandardOutput + result.StandardError);
    }

    [Fact]
    public async Task Without_GITHUB_TOKEN_the_command_fails_with_the_next_step_and_sends_nothing()
    {
        using var sample = SampleRun.Create();

        var result = await VmlabAsync(sample, token: null,
            "release", "--run", sample.RunDirectory, "--repository", "vmlab-org/vmlab", "--github-api-url", _github.BaseUrl.ToString());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("GITHUB_TOKEN is not set", result.StandardOutput + result.StandardError);
        Assert.Contains("next:", result.StandardOutput + result.StandardError);
        Assert.Empty(_github.Requests);
    }
}
