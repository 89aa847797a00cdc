using System.Net;
using System.Reflection;
using Octokit;
using Octokit.Internal;
using VmLab.Common;

namespace VmLab.Release;

/// <summary>One asset as it now is on the release.</summary>
/// <param name="Name">The asset name.</param>
/// <param name="Id">GitHub's asset id.</param>
/// <param name="Sha256">The sha256 of the file uploaded (also in SHA256SUMS).</param>
/// <param name="Replaced">True when an asset of the same name was deleted to make room (a re-run).</param>
/// <param name="DownloadUrl">Where users download it.</param>
public sealed record PublishedAsset(string Name, int Id, string Sha256, bool Replaced, string DownloadUrl);

/// <summary>What happened to the release itself.</summary>
public enum ReleaseChange
{
    /// <summary>No release existed for the tag; one was created.</summary>
    Created,

    /// <summary>The release existed; its title or body was rewritten.</summary>
    Updated,

    /// <summary>The release existed with the same title and body.</summary>
    Unchanged,
}

/// <summary>A release as published.</summary>
/// <param name="Id">GitHub's release id.</param>
/// <param name="Url">The release page.</param>
/// <param name="Change">Whether it was created, updated or left as it was.</param>
/// <param name="Assets">The assets uploaded by this run, in order.</param>
/// <param name="KeptAssets">Assets already on the release that are not part of the plan: left alone (someone put them there).</param>
public sealed record PublishedRelease(long Id, string Url, ReleaseChange Change, IReadOnlyList<PublishedAsset> Assets, IReadOnlyList<string> KeptAssets);

/// <summary>
/// Publishing stopped part way. The message says what is on GitHub now and what is not, so nothing
/// half-published goes unnoticed; running the same command again finishes the job (it is idempotent).
/// </summary>
public sealed class ReleasePublishException(string message, string next, Exception inner, HttpStatusCode? status)
    : LabException(message, next, inner)
{
    /// <summary>The HTTP status GitHub answered with, when it answered.</summary>
    public HttpStatusCode? Status { get; } = status;
}

/// <summary>
/// Publishes a <see cref="ReleasePlan"/> with Octokit. A new release is created as a <b>draft</b>, its assets are
/// uploaded, and only then is it published: where immutable releases are on, a published release takes no more
/// assets, and nobody sees a release without its SHA256SUMS. A draft left by an earlier attempt is found in the
/// release list (GitHub's by-tag lookup does not return drafts) and finished. An already published release gets its
/// title and body updated and its assets replaced (refused by GitHub if it is immutable). An existing asset of the same
/// name is deleted first (GitHub refuses a duplicate name with 422, and a failed upload can leave one in state
/// "starter"). <c>run-*</c> releases (a workflow's runs) are never marked "Latest"; a version tag's release is.
/// Calls made: GET releases/tags/{tag}, GET releases (drafts), POST releases or PATCH releases/{id},
/// GET releases/{id}/assets, DELETE releases/assets/{id}, POST {upload_url}?name=, PATCH releases/{id} (publish).
/// See https://docs.github.com/rest/releases/releases and https://docs.github.com/code-security/supply-chain-security/understanding-your-software-supply-chain/immutable-releases
/// </summary>
public static class ReleasePublisher
{
    /// <summary>Uploads of the kernel Images take a while on a slow link; Octokit's default is 100 s.</summary>
    private static readonly TimeSpan UploadTimeout = TimeSpan.FromMinutes(30);

    /// <summary>Publishes <paramref name="plan"/>; progress goes to <paramref name="log"/>, one line per step.</summary>
    /// <exception cref="LabException">Before any call: no token, no repository, or kernel files the run used are missing.</exception>
    /// <exception cref="ReleasePublishException">GitHub refused or failed a call; the message lists what was and was not published.</exception>
    public static async Task<PublishedRelease> PublishAsync(
        ReleasePlan plan,
        ReleaseEnvironment environment,
        TextWriter log,
        CancellationToken cancellationToken = default)
    {
        // Everything that can be known locally is checked before the first request, so these errors publish nothing.
        var token = RequireToken(environment, log);
        var (owner, name) = plan.Target.OwnerAndName();
        RequireLocalFiles(plan);

        var repository = new RepositoryReleases(Connect(plan.Target, token).Repository.Release, owner, name);
        var progress = new Progress(plan, $"{owner}/{name}");
        try
        {
            var (release, change) = await CreateOrUpdateAsync(repository, plan, progress, cancellationToken);
            (progress.Release, progress.Change) = (release, change);
            log.WriteLine($"release {plan.Tag}: {Word(change)} (id {release.Id}) {release.HtmlUrl}");

            progress.Step = "listing the release's assets";
            var existing = await repository.Client.GetAllAssets(owner, name, release.Id);
            foreach (var asset in plan.Assets)
            {
                await UploadAsync(repository, release, asset, existing, progress, log, cancellationToken);
            }

            var kept = LogKeptAssets(plan, existing, log);
            if (release.Draft)
            {
                progress.Step = $"publishing release {plan.Tag} (draft until now)";
                release = await repository.Client.Edit(owner, name, release.Id, new ReleaseUpdate
                {
                    Draft = false,
                    // A workflow's run-<id> release is one run among many, not the project's latest release.
                    MakeLatest = IsRunTag(plan.Tag) ? MakeLatestQualifier.False : null,
                });
                progress.Release = release;
                log.WriteLine($"release {plan.Tag}: published{(IsRunTag(plan.Tag) ? " (not marked latest)" : "")} {release.HtmlUrl}");
            }

            return new PublishedRelease(release.Id, release.HtmlUrl, change, progress.Uploaded, kept);
        }
        catch (Exception ex) when (ex is ApiException or HttpRequestException or OperationCanceledException or IOException)
        {
            // Whatever stopped it (GitHub, the network, a vanished file, Ctrl-C), say what is on GitHub now.
            throw progress.Failure(ex, token, cancellationToken.IsCancellationRequested);
        }
    }

    private static GitHubToken RequireToken(ReleaseEnvironment environment, TextWriter log)
    {
        var token = environment.Token ?? throw new LabException(
            $"{ReleaseEnvironment.TokenVariable} is not set: publishing a release needs a token allowed to write the repository's contents.",
            $"export {ReleaseEnvironment.TokenVariable}=<token with contents: write> (a workflow passes secrets.GITHUB_TOKEN with permissions: contents: write), or add --dry-run to only see what would be published");
        if (environment.InGitHubActions)
        {
            token.MaskInActionsLog(log);
        }

        return token;
    }

    private static void RequireLocalFiles(ReleasePlan plan)
    {
        if (plan.Blocking.ToList() is { Count: > 0 } blocking)
        {
            throw new LabException(
                $"Not publishing {plan.Tag}: files the run used are missing:\n  " + string.Join("\n  ", blocking.Select(b => $"{b.Name}: {b.Reason}")),
                "rebuild the kernel artifacts (run the pipeline again: finished stages are cached) or restore artifacts/ from the CI cache, then release again");
        }
    }

    private static GitHubClient Connect(GitHubTarget target, GitHubToken token) => new(
        new ProductHeaderValue("VmLab", typeof(ReleasePublisher).Assembly.GetName().Version?.ToString() ?? "0"),
        new InMemoryCredentialStore(new Credentials(token.Reveal())),
        target.ApiUrl);

    /// <summary>Creates the release for the tag, or rewrites its title and body when they differ from the plan.</summary>
    private static async Task<(Octokit.Release Release, ReleaseChange Change)> CreateOrUpdateAsync(
        RepositoryReleases repository, ReleasePlan plan, Progress progress, CancellationToken cancellationToken)
    {
        var (releases, owner, name) = repository;
        progress.Step = $"looking up the release for tag {plan.Tag}";
        var release = await FindAsync(repository, plan.Tag);
        cancellationToken.ThrowIfCancellationRequested();
        if (release is null)
        {
            progress.Step = $"looking for a draft release of tag {plan.Tag}";
            release = (await releases.GetAll(owner, name, new ApiOptions { PageSize = 100 })).FirstOrDefault(r => r.Draft && r.TagName == plan.Tag);
            cancellationToken.ThrowIfCancellationRequested();
        }

        if (release is null)
        {
            progress.Step = $"creating release {plan.Tag}";
            var created = await releases.Create(owner, name, new NewRelease(plan.Tag)
            {
                Name = plan.Name,
                Body = plan.Body,
                TargetCommitish = plan.TargetCommitish,
                Draft = true, // published once every asset is on it
                Prerelease = false,
            });
            return (created, ReleaseChange.Created);
        }

        if (release.Name != plan.Name || release.Body?.ReplaceLineEndings("\n") != plan.Body)
        {
            progress.Step = $"updating release {plan.Tag}";
            var updated = await releases.Edit(owner, name, release.Id, new ReleaseUpdate { Name = plan.Name, Body = plan.Body });
            return (updated, ReleaseChange.Updated);
        }

        return (release, ReleaseChange.Unchanged);
    }

    /// <summary>Uploads one asset, first deleting any asset of the same name already on the release.</summary>
    private static async Task UploadAsync(
        RepositoryReleases repository,
        Octokit.Release release,
        PlannedAsset asset,
        IReadOnlyList<ReleaseAsset> existing,
        Progress progress,
        TextWriter log,
        CancellationToken cancellationToken)
    {
        progress.Step = $"uploading {asset.Name}";
        cancellationToken.ThrowIfCancellationRequested();
        var replaced = false;
        foreach (var old in existing.Where(e => e.Name == asset.Name))
        {
            progress.Step = $"deleting the previous {asset.Name} (asset id {old.Id})";
            await repository.Client.DeleteAsset(repository.Owner, repository.Name, old.Id);
            progress.Removed.Add(asset.Name);
            replaced = true;
        }

        progress.Step = $"uploading {asset.Name}";
        await using var content = File.OpenRead(asset.Path);
        progress.InFlight = asset.Name;
        var uploaded = await repository.Client.UploadAsset(
            release, new ReleaseAssetUpload(asset.Name, asset.ContentType, content, UploadTimeout), cancellationToken);
        progress.InFlight = null;
        progress.Removed.Remove(asset.Name);
        progress.Uploaded.Add(new PublishedAsset(asset.Name, uploaded.Id, asset.Sha256, replaced, uploaded.BrowserDownloadUrl));
        log.WriteLine($"  {(replaced ? "replaced" : "uploaded")} {asset.Name} ({asset.Sha256})");
    }

    /// <summary>The assets on the release that the plan does not name (someone put them there): left alone, and said so.</summary>
    private static List<string> LogKeptAssets(ReleasePlan plan, IEnumerable<ReleaseAsset> existing, TextWriter log)
    {
        var planned = plan.Assets.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        var kept = existing.Select(e => e.Name).Where(n => !planned.Contains(n)).Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var k in kept)
        {
            log.WriteLine($"  kept {k} (already on the release, not part of this run's assets)");
        }

        return kept;
    }

    private static string Word(ReleaseChange change) => change.ToString().ToLowerInvariant();

    /// <summary>A workflow run's own tag (<c>run-&lt;run-id&gt;</c>, <see cref="ReleasePlanner"/>'s default), as opposed to a version tag.</summary>
    public static bool IsRunTag(string tag) => tag.StartsWith("run-", StringComparison.Ordinal);

    private static async Task<Octokit.Release?> FindAsync(RepositoryReleases repository, string tag)
    {
        try
        {
            return await repository.Client.Get(repository.Owner, repository.Name, tag);
        }
        catch (NotFoundException)
        {
            return null; // no release for this tag yet (or the repository is invisible: Create will say so)
        }
    }

    /// <summary>The release endpoints of one repository.</summary>
    private sealed record RepositoryReleases(IReleasesClient Client, string Owner, string Name);

    /// <summary>What has reached GitHub so far: the raw material of an honest failure message.</summary>
    private sealed class Progress(ReleasePlan plan, string repository)
    {
        public string Step { get; set; } = "starting";

        public ReleaseChange? Change { get; set; }

        public Octokit.Release? Release { get; set; }

        public List<PublishedAsset> Uploaded { get; } = [];

        /// <summary>Assets deleted for replacement whose new upload has not succeeded (yet).</summary>
        public List<string> Removed { get; } = [];

        /// <summary>The asset being uploaded; if the upload ends without GitHub's answer, whether it arrived is unknown.</summary>
        public string? InFlight { get; set; }

        public ReleasePublishException Failure(Exception ex, GitHubToken token, bool cancelled)
        {
            var status = (ex as ApiException)?.StatusCode;
            var lines = new List<string>
            {
                $"Publishing release {plan.Tag} to {repository} ({plan.Target.ApiUrl}) failed while {Step}: {(cancelled ? "cancelled." : Describe(ex))}",
            };

            var answered = ex is ApiException;
            var assets = Uploaded.Count == 0 ? "; no assets uploaded." : $"; assets uploaded: {string.Join(", ", Uploaded.Select(u => u.Name))}.";
            lines.Add(Release is null && !answered && Step.StartsWith("creating", StringComparison.Ordinal)
                ? "Published: unknown (the request creating the draft release was interrupted before GitHub answered; the releases page shows whether a draft exists)."
                : Release is null
                ? "Published: nothing (the release was neither created nor changed)."
                : Release.Draft
                ? $"Published: nothing yet: release {plan.Tag} is a draft ({Word(Change ?? ReleaseChange.Unchanged)}; {Release.HtmlUrl}), seen only by the repository's maintainers" + assets
                : $"Published: release {plan.Tag} {Word(Change ?? ReleaseChange.Unchanged)} ({Release.HtmlUrl})" + assets);

            // GitHub answered with an error: the upload did not happen. No answer (timeout, cancel, lost connection):
            // the server may have stored the asset anyway, so it is neither published nor missing, but unknown.
            var unknown = answered ? null : InFlight;
            var missing = plan.Assets.Select(a => a.Name).Except(Uploaded.Select(u => u.Name), StringComparer.Ordinal).Where(n => n != unknown).ToList();
            if (unknown is not null)
            {
                lines.Add($"Unknown: {unknown} (its upload was interrupted before GitHub answered; the release may show it, complete or not).");
            }

            if (missing.Count > 0)
            {
                lines.Add($"Not published: {string.Join(", ", missing)}"
                          + (missing.Contains(ReleasePlanner.ChecksumsAsset) ? $" ({ReleasePlanner.ChecksumsAsset} goes last, so its absence marks the release incomplete)." : "."));
            }

            if (Removed.Count > 0)
            {
                lines.Add($"Deleted and not replaced: {string.Join(", ", Removed)} (the previous upload was removed before the new one failed).");
            }

            return new ReleasePublishException(
                token.Redact(string.Join("\n", lines)),
                $"fix the cause above, then run the same command again: it updates release {plan.Tag} and replaces assets of the same name",
                ex,
                status);
        }

        private static string Describe(Exception ex) => ex switch
        {
            AuthorizationException => "GitHub rejected the token (401 Unauthorized); check GITHUB_TOKEN.",
            ForbiddenException f => $"GitHub refused (403 Forbidden: {f.Message}); the token needs contents: write on the repository.",
            ApiValidationException v => $"GitHub rejected the request (422 Unprocessable Entity: {v.Message}{Details(v)}).",
            ApiException a => $"GitHub answered {(int)a.StatusCode} {a.StatusCode}: {a.Message}{Details(a)}.",
            OperationCanceledException => "the request timed out.",
            IOException => $"cannot read the file to upload ({ex.Message}).",
            _ => $"cannot reach the API ({ex.Message}).",
        };

        private static string Details(ApiException ex) =>
            ex.ApiError?.Errors is { Count: > 0 } errors
                ? " — " + string.Join("; ", errors.Select(e => string.Join(" ", new[] { e.Resource, e.Field, e.Code, e.Message }.Where(s => !string.IsNullOrEmpty(s)))))
                : "";
    }
}
