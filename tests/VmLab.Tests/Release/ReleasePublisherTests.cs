using System.Net;
using System.Security.Cryptography;
using System.Text;
using VmLab.Common;
using VmLab.Release;

namespace VmLab.Tests.Release;

/// <summary>Publishing through Octokit against <see cref="FakeGitHub"/>: the whole HTTP path, nothing mocked in-process.</summary>
public sealed class ReleasePublisherTests : IAsyncLifetime
{
    private static readonly string[] AllAssets =
    [
        "REPORT.md", "results.tar.gz", "kernel-host.config", "kernel-guest.config", "config.diff",
        "kernel-host.Image", "kernel-guest.Image", "kernel-host.metadata.json", "kernel-guest.metadata.json", "SHA256SUMS",
    ];

    private readonly FakeGitHub _github = new();
    private readonly StringWriter _log = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _github.DisposeAsync();

    private ReleaseEnvironment Environment(bool withToken = true, bool inActions = false) => ReleaseEnvironment.From(new Dictionary<string, string>
    {
        ["GITHUB_TOKEN"] = withToken ? _github.Token : "",
        ["GITHUB_REPOSITORY"] = $"{_github.Owner}/{_github.Repository}",
        ["GITHUB_SHA"] = "0123456789abcdef0123456789abcdef01234567",
        ["GITHUB_ACTIONS"] = inActions ? "true" : "",
    });

    private async Task<ReleasePlan> PlanAsync(SampleRun sample, ReleaseEnvironment environment, string tag = "v1.0.0")
    {
        var run = await ReleaseRun.LoadAsync(sample.RunDirectory, TestContext.Current.CancellationToken);
        var target = new GitHubTarget(_github.BaseUrl, environment.Repository);
        return await ReleasePlanner.PlanAsync(run, target, environment, tag, sample.Artifacts, TestContext.Current.CancellationToken);
    }

    private Task<PublishedRelease> PublishAsync(ReleasePlan plan, ReleaseEnvironment environment) =>
        ReleasePublisher.PublishAsync(plan, environment, _log, TestContext.Current.CancellationToken);

    [Fact]
    public async Task First_publish_creates_the_release_with_the_summary_as_body_and_uploads_every_asset_byte_for_byte()
    {
        using var sample = SampleRun.Create();
        var environment = Environment();
        var plan = await PlanAsync(sample, environment);

        var published = await PublishAsync(plan, environment);

        var release = Assert.Single(_github.Releases);
        Assert.Equal("v1.0.0", release.Tag);
        Assert.Equal(ReleaseChange.Created, published.Change);
        Assert.Equal(release.Id, published.Id);
        Assert.Equal("0123456789abcdef0123456789abcdef01234567", release.TargetCommitish);
        Assert.StartsWith(SampleRun.Summary.ReplaceLineEndings("\n"), release.Body);
        Assert.DoesNotContain("Details that stay in the full report", release.Body);
        Assert.Contains($"({_github.BaseUrl}{_github.Owner}/{_github.Repository}/releases/download/v1.0.0/REPORT.md)", release.Body);
        Assert.Equal(AllAssets, release.Assets.Select(a => a.Name));
        Assert.Equal(AllAssets, published.Assets.Select(a => a.Name));

        // What arrived is what is on disk, and SHA256SUMS describes what arrived.
        Assert.Equal(File.ReadAllBytes(sample.KernelArtifact("guest/Image")), release.Assets.Single(a => a.Name == "kernel-guest.Image").Content);
        Assert.Equal(File.ReadAllBytes(sample.PathOf("kernel/host.config")), release.Assets.Single(a => a.Name == "kernel-host.config").Content);
        var sums = Encoding.UTF8.GetString(release.Assets.Single(a => a.Name == "SHA256SUMS").Content);
        var sumLines = sums.TrimEnd('\n').Split('\n');
        Assert.Equal(AllAssets.Length - 1, sumLines.Length);
        foreach (var asset in release.Assets.Where(a => a.Name != "SHA256SUMS"))
        {
            Assert.Contains($"{Convert.ToHexStringLower(SHA256.HashData(asset.Content))}  {asset.Name}", sumLines);
        }

        Assert.Equal("application/gzip", release.Assets.Single(a => a.Name == "results.tar.gz").ContentType);

        // The endpoints Octokit used, in order; every one carried the token; none was unexpected.
        var calls = _github.Requests.Select(r => $"{r.Method} {r.Path}").ToList();
        var api = $"/api/v3/repos/{_github.Owner}/{_github.Repository}";
        Assert.Equal(
            [
                $"GET {api}/releases/tags/v1.0.0",
                $"GET {api}/releases",
                $"POST {api}/releases",
                $"GET {api}/releases/{release.Id}/assets",
                .. AllAssets.Select(_ => $"POST /uploads/repos/{_github.Owner}/{_github.Repository}/releases/{release.Id}/assets"),
                $"PATCH {api}/releases/{release.Id}",
            ],
            calls);
        // Created as a draft, published once every asset was on it; a version tag's release becomes "Latest".
        Assert.False(release.Draft);
        Assert.Equal([null], release.MakeLatest);
        Assert.Same(release, _github.Latest);
        Assert.All(_github.Requests, r => Assert.EndsWith(_github.Token, r.Authorization));
        Assert.Empty(_github.Unmatched);
        Assert.DoesNotContain(_github.Token, _log.ToString());
    }

    [Fact]
    public async Task Re_publishing_updates_the_body_replaces_same_name_assets_and_keeps_foreign_ones()
    {
        using var sample = SampleRun.Create();
        var environment = Environment();
        await PublishAsync(await PlanAsync(sample, environment), environment);
        var before = Assert.Single(_github.Releases);
        var oldIds = before.Assets.ToDictionary(a => a.Name, a => a.Id);
        _github.AddAssetByHand(before, "notes-by-hand.txt", "added on the web page");
        var firstCalls = _github.Requests.Count;

        sample.WriteReport("second rendering");
        sample.Write("raw/baseline/hackbench/2.txt", "Running with 50*40 (== 2000) tasks.\nTime: 119.870\n");
        var second = await PublishAsync(await PlanAsync(sample, environment), environment);

        var after = Assert.Single(_github.Releases);
        Assert.Equal(before.Id, after.Id);
        // The body comes from the summary only, which did not change: the release is left as it was.
        Assert.Equal(ReleaseChange.Unchanged, second.Change);
        Assert.Equal(AllAssets.Append("notes-by-hand.txt").Order(StringComparer.Ordinal), after.Assets.Select(a => a.Name).Order(StringComparer.Ordinal));
        Assert.All(second.Assets, a => Assert.True(a.Replaced));
        Assert.All(second.Assets, a => Assert.NotEqual(oldIds[a.Name], a.Id));
        Assert.Equal(["notes-by-hand.txt"], second.KeptAssets);
        Assert.Contains("second rendering", Encoding.UTF8.GetString(after.Assets.Single(a => a.Name == "REPORT.md").Content));
        Assert.Equal(oldIds.Count, _github.Requests.Count(r => r.Method == "DELETE"));
        Assert.DoesNotContain(_github.Requests.Skip(firstCalls), r => r.Method == "PATCH"); // published already: nothing to publish
        Assert.Empty(_github.Unmatched);
    }

    [Fact]
    public async Task A_changed_summary_updates_the_existing_release_instead_of_creating_a_second_one()
    {
        using var sample = SampleRun.Create();
        var environment = Environment();
        await PublishAsync(await PlanAsync(sample, environment), environment);
        var firstCalls = _github.Requests.Count;

        var plan = await PlanAsync(sample, environment);
        var changed = plan with { Body = plan.Body.Replace("SMP faster", "SMP slower", StringComparison.Ordinal) };
        var second = await PublishAsync(changed, environment);

        Assert.Equal(ReleaseChange.Updated, second.Change);
        var release = Assert.Single(_github.Releases);
        Assert.Contains("SMP slower", release.Body);
        Assert.Single(_github.Requests.Skip(firstCalls), r => r.Method == "PATCH");
    }

    [Fact]
    public async Task Without_a_token_nothing_is_sent_and_the_error_says_how_to_provide_one()
    {
        using var sample = SampleRun.Create();
        var environment = Environment(withToken: false);
        var plan = await PlanAsync(sample, environment);

        var error = await Assert.ThrowsAsync<LabException>(() => PublishAsync(plan, environment));

        Assert.Contains("GITHUB_TOKEN is not set", error.Message);
        Assert.Contains("--dry-run", error.Next);
        Assert.Empty(_github.Requests);
    }

    [Fact]
    public async Task A_422_when_creating_the_release_reports_that_nothing_was_published()
    {
        using var sample = SampleRun.Create();
        var environment = Environment();
        var plan = await PlanAsync(sample, environment);
        _github.FailWhen(r => r.Method == "POST" && r.Path.EndsWith("/releases", StringComparison.Ordinal), 422, "Validation Failed");

        var error = await Assert.ThrowsAsync<ReleasePublishException>(() => PublishAsync(plan, environment));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Status);
        Assert.Contains("failed while creating release v1.0.0", error.Message);
        Assert.Contains("422", error.Message);
        Assert.Contains("injected by the test", error.Message);
        Assert.Contains("Published: nothing", error.Message);
        Assert.Contains("Not published: REPORT.md, results.tar.gz", error.Message);
        Assert.Contains("run the same command again", error.Next);
        Assert.Empty(_github.Releases);
    }

    [Fact]
    public async Task A_500_part_way_through_the_uploads_lists_exactly_what_is_on_the_release_and_a_re_run_completes_it()
    {
        using var sample = SampleRun.Create();
        var environment = Environment();
        var plan = await PlanAsync(sample, environment);
        _github.FailWhen(r => r.Path.StartsWith("/uploads/", StringComparison.Ordinal) && r.Query.Contains("name=kernel-guest.config"), 500, "Server Error");

        var error = await Assert.ThrowsAsync<ReleasePublishException>(() => PublishAsync(plan, environment));

        var release = Assert.Single(_github.Releases);
        var onGitHub = release.Assets.Select(a => a.Name).ToList();
        Assert.Equal(["REPORT.md", "results.tar.gz", "kernel-host.config"], onGitHub);
        Assert.Equal(HttpStatusCode.InternalServerError, error.Status);
        Assert.Contains("failed while uploading kernel-guest.config: GitHub answered 500", error.Message);
        Assert.True(release.Draft); // nobody saw a release without its SHA256SUMS
        Assert.Null(_github.Latest);
        Assert.Contains($"Published: nothing yet: release v1.0.0 is a draft (created; {_github.BaseUrl}", error.Message);
        Assert.Contains($"assets uploaded: {string.Join(", ", onGitHub)}.", error.Message);
        Assert.Contains("Not published: kernel-guest.config, config.diff, kernel-host.Image, kernel-guest.Image, kernel-host.metadata.json, kernel-guest.metadata.json, SHA256SUMS", error.Message);
        Assert.Contains("its absence marks the release incomplete", error.Message);

        _github.ClearFaults();
        var retry = await PublishAsync(plan, environment);

        // The re-run finds the draft in the release list (the by-tag lookup does not return drafts), finishes and publishes it.
        Assert.Equal(ReleaseChange.Unchanged, retry.Change);
        Assert.Equal(AllAssets.Order(StringComparer.Ordinal), Assert.Single(_github.Releases).Assets.Select(a => a.Name).Order(StringComparer.Ordinal));
        Assert.Equal(3, retry.Assets.Count(a => a.Replaced));
        Assert.False(release.Draft);
        Assert.Same(release, _github.Latest);
    }

    [Fact]
    public async Task With_immutable_releases_every_asset_is_uploaded_to_the_draft_before_it_is_published()
    {
        _github.Immutable = true;
        using var sample = SampleRun.Create();
        var environment = Environment();
        var plan = await PlanAsync(sample, environment);
        var draftAtUpload = new List<bool>();
        _github.OnRequest = r =>
        {
            if (r.Path.StartsWith("/uploads/", StringComparison.Ordinal))
            {
                draftAtUpload.Add(_github.Releases.Single().Draft);
            }
        };

        var published = await PublishAsync(plan, environment);

        Assert.Equal(AllAssets, published.Assets.Select(a => a.Name));
        Assert.Equal(AllAssets.Select(_ => true), draftAtUpload);
        Assert.False(Assert.Single(_github.Releases).Draft);

        // Published and immutable, its assets cannot be replaced: GitHub refuses, and the error says what is there.
        var again = await Assert.ThrowsAsync<ReleasePublishException>(() => PublishAsync(plan, environment));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, again.Status);
        Assert.Contains("immutable_release", again.Message);
        Assert.Contains("Published: release v1.0.0 unchanged", again.Message);
    }

    [Fact]
    public async Task A_run_tag_release_is_published_without_becoming_the_latest_release()
    {
        using var sample = SampleRun.Create();
        var environment = Environment();
        await PublishAsync(await PlanAsync(sample, environment), environment);
        var version = Assert.Single(_github.Releases);

        await PublishAsync(await PlanAsync(sample, environment, tag: "run-2026-11-30T1200Z-smoke-9876543210"), environment);

        var run = _github.Releases.Single(r => r.Tag.StartsWith("run-", StringComparison.Ordinal));
        Assert.False(run.Draft);
        Assert.Equal(["false"], run.MakeLatest);
        Assert.Same(version, _github.Latest);
        Assert.Contains("(not marked latest)", _log.ToString());
    }

    [Fact]
    public async Task A_failed_replacement_says_which_old_asset_was_deleted_and_not_replaced()
    {
        using var sample = SampleRun.Create();
        var environment = Environment();
        var plan = await PlanAsync(sample, environment);
        await PublishAsync(plan, environment);
        _github.FailWhen(r => r.Path.StartsWith("/uploads/", StringComparison.Ordinal) && r.Query.Contains("name=results.tar.gz"), 502, "Bad Gateway");

        var error = await Assert.ThrowsAsync<ReleasePublishException>(() => PublishAsync(plan, environment));

        Assert.Contains("Deleted and not replaced: results.tar.gz", error.Message);
        Assert.Contains("assets uploaded: REPORT.md.", error.Message);
        Assert.DoesNotContain(_github.Releases[0].Assets, a => a.Name == "results.tar.gz");
    }

    [Fact]
    public async Task Cancelling_part_way_still_reports_what_was_published()
    {
        using var sample = SampleRun.Create();
        var environment = Environment();
        var plan = await PlanAsync(sample, environment);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        // Ctrl-C arrives while results.tar.gz is being uploaded: the server keeps it, nothing after it starts.
        _github.OnRequest = r =>
        {
            if (r.Query.Contains("name=results.tar.gz", StringComparison.Ordinal))
            {
                cancel.Cancel();
            }
        };

        var error = await Assert.ThrowsAsync<ReleasePublishException>(() => ReleasePublisher.PublishAsync(plan, environment, _log, cancel.Token));

        // The server stored the tarball, but the client stopped waiting for the answer: the message cannot
        // claim either way, and says so instead of listing it as published or as missing.
        Assert.Contains("failed while uploading results.tar.gz: cancelled.", error.Message);
        Assert.Contains("assets uploaded: REPORT.md.", error.Message);
        Assert.Contains("Unknown: results.tar.gz", error.Message);
        Assert.Contains("Not published: kernel-host.config,", error.Message);
        Assert.DoesNotContain("Not published: results.tar.gz", error.Message);
        Assert.Equal(["REPORT.md", "results.tar.gz"], _github.Releases[0].Assets.Select(a => a.Name));
    }

    [Fact]
    public async Task A_rejected_token_is_reported_as_such_and_never_echoed()
    {
        using var sample = SampleRun.Create();
        var wrong = ReleaseEnvironment.From(new Dictionary<string, string>
        {
            ["GITHUB_TOKEN"] = "ghp_wrongTOKEN000",
            ["GITHUB_REPOSITORY"] = $"{_github.Owner}/{_github.Repository}",
        });
        // A server (or proxy) that echoes the credential in its error: the message must still not carry it.
        _github.FailWhen(r => r.Authorization?.Contains("ghp_wrongTOKEN000", StringComparison.Ordinal) == true, 500, "cannot use token ghp_wrongTOKEN000");
        var plan = await PlanAsync(sample, wrong);

        var error = await Assert.ThrowsAsync<ReleasePublishException>(() => PublishAsync(plan, wrong));

        Assert.DoesNotContain("ghp_wrongTOKEN000", error.Message);
        Assert.Contains("cannot use token ***", error.Message);
        Assert.Contains("Published: nothing", error.Message);

        _github.ClearFaults();
        var unauthorized = await Assert.ThrowsAsync<ReleasePublishException>(() => PublishAsync(plan, wrong));
        Assert.Contains("rejected the token (401", unauthorized.Message);
    }

    [Fact]
    public async Task In_GitHub_Actions_the_token_is_masked_before_anything_else_is_logged()
    {
        using var sample = SampleRun.Create();
        var environment = Environment(inActions: true);

        await PublishAsync(await PlanAsync(sample, environment), environment);

        var lines = _log.ToString().Split(System.Environment.NewLine);
        Assert.Equal($"::add-mask::{_github.Token}", lines[0]);
        Assert.DoesNotContain(_github.Token, string.Join("\n", lines.Skip(1)));
    }

    [Fact]
    public async Task Kernel_files_the_run_used_but_the_cache_lost_block_publishing_before_any_request()
    {
        using var sample = SampleRun.Create(kernel: true, kernelArtifacts: false);
        var environment = Environment();
        var plan = await PlanAsync(sample, environment);

        var error = await Assert.ThrowsAsync<LabException>(() => PublishAsync(plan, environment));

        Assert.Contains("kernel-host.Image", error.Message);
        Assert.Contains(SampleRun.KernelKey, error.Message);
        Assert.Empty(_github.Requests);
    }

    [Fact]
    public async Task A_run_without_kernel_artifact_is_published_without_kernel_files_and_the_body_says_so()
    {
        using var sample = SampleRun.Create(kernel: false);
        var environment = Environment();

        var published = await PublishAsync(await PlanAsync(sample, environment), environment);

        Assert.Equal(["REPORT.md", "results.tar.gz", "SHA256SUMS"], published.Assets.Select(a => a.Name));
        var body = Assert.Single(_github.Releases).Body!;
        Assert.Contains("Not in this release: `kernel-host.config`, `kernel-guest.config`, `config.diff`, `kernel-host.Image`", body);
        Assert.Contains("names no kernel artifact", body);
    }
}
