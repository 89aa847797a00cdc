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
/// Publishes a <see cref="ReleasePlan"/> with Octokit: creates the release for the tag or updates its title and
/// body, then uploads each asset, deleting an existing asset of the same name first (GitHub refuses a duplicate
/// name with 422, and a failed earlier upload can leave one behind in state "starter"). Calls made:
/// GET releases/tags/{tag}, POST releases or PATCH releases/{id}, GET releases/{id}/assets,
/// DELETE releases/assets/{id}, POST {upload_url}?name=.
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
        var token = environment.Token ?? throw new LabException(
            $"{ReleaseEnvironment.TokenVariable} is not set: publishing a release needs a token allowed to write the repository's contents.",
            $"export {ReleaseEnvironment.TokenVariable}=<token with contents: write> (a workflow passes secrets.GITHUB_TOKEN with permissions: contents: write), or add --dry-run to only see what would be published");
        if (environment.InGitHubActions)
        {
            token.MaskInActionsLog(log);
        }

        var (owner, name) = plan.Target.OwnerAndName();
        if (plan.Blocking.ToList() is { Count: > 0 } blocking)
        {
            throw new LabException(
                $"Not publishing {plan.Tag}: files the run used are missing:\n  " + string.Join("\n  ", blocking.Select(b => $"{b.Name}: {b.Reason}")),
                "rebuild the kernel artifacts (run the pipeline again: finished stages are cached) or restore artifacts/ from the CI cache, then release again");
        }

        var client = new GitHubClient(
            new ProductHeaderValue("VmLab", typeof(ReleasePublisher).Assembly.GetName().Version?.ToString() ?? "0"),
            new InMemoryCredentialStore(new Credentials(token.Reveal())),
            plan.Target.ApiUrl);
        var releases = client.Repository.Release;
        var progress = new Progress(plan, $"{owner}/{name}");

        try
        {
            progress.Step = $"looking up the release for tag {plan.Tag}";
            var release = await FindAsync(releases, owner, name, plan.Tag);
            cancellationToken.ThrowIfCancellationRequested();
            ReleaseChange change;
            if (release is null)
            {
                progress.Step = $"creating release {plan.Tag}";
                release = await releases.Create(owner, name, new NewRelease(plan.Tag)
                {
                    Name = plan.Name,
                    Body = plan.Body,
                    TargetCommitish = plan.TargetCommitish,
                    Draft = false,
                    Prerelease = false,
                });
                change = ReleaseChange.Created;
            }
            else if (release.Name != plan.Name || release.Body?.ReplaceLineEndings("\n") != plan.Body)
            {
                progress.Step = $"updating release {plan.Tag}";
                release = await releases.Edit(owner, name, release.Id, new ReleaseUpdate { Name = plan.Name, Body = plan.Body });
                change = ReleaseChange.Updated;
            }
            else
            {
                change = ReleaseChange.Unchanged;
            }

            (progress.Release, progress.Change) = (release, change);
            log.WriteLine($"release {plan.Tag}: {Word(change)} (id {release.Id}) {release.HtmlUrl}");

            progress.Step = "listing the release's assets";
            var existing = await releases.GetAllAssets(owner, name, release.Id);
            foreach (var asset in plan.Assets)
            {
                progress.Step = $"uploading {asset.Name}";
                cancellationToken.ThrowIfCancellationRequested();
                var replaced = false;
                foreach (var old in existing.Where(e => e.Name == asset.Name))
                {
                    progress.Step = $"deleting the previous {asset.Name} (asset id {old.Id})";
                    await releases.DeleteAsset(owner, name, old.Id);
                    progress.Removed.Add(asset.Name);
                    replaced = true;
                }

                progress.Step = $"uploading {asset.Name}";
                await using var content = File.OpenRead(asset.Path);
                progress.InFlight = asset.Name;
                var uploaded = await releases.UploadAsset(
                    release, new ReleaseAssetUpload(asset.Name, asset.ContentType, content, UploadTimeout), cancellationToken);
                progress.InFlight = null;
                progress.Removed.Remove(asset.Name);
                progress.Uploaded.Add(new PublishedAsset(asset.Name, uploaded.Id, asset.Sha256, replaced, uploaded.BrowserDownloadUrl));
                log.WriteLine($"  {(replaced ? "replaced" : "uploaded")} {asset.Name} ({asset.Sha256})");
            }

            var planned = plan.Assets.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
            var kept = existing.Select(e => e.Name).Where(n => !planned.Contains(n)).Distinct().Order(StringComparer.Ordinal).ToList();
            foreach (var k in kept)
            {
                log.WriteLine($"  kept {k} (already on the release, not part of this run's assets)");
            }

            return new PublishedRelease(release.Id, release.HtmlUrl, change, progress.Uploaded, kept);
        }
        catch (Exception ex) when (ex is ApiException or HttpRequestException or OperationCanceledException or IOException)
        {
            // Whatever stopped it (GitHub, the network, a vanished file, Ctrl-C), say what is on GitHub now.
            throw progress.Failure(ex, token, cancellationToken.IsCancellationRequested);
        }
    }

    private static string Word(ReleaseChange change) => change.ToString().ToLowerInvariant();

    private static async Task<Octokit.Release?> FindAsync(IReleasesClient releases, string owner, string name, string tag)
    {
        try
        {
            return await releases.Get(owner, name, tag);
        }
        catch (NotFoundException)
        {
            return null; // no release for this tag yet (or the repository is invisible: Create will say so)
        }
    }

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
            lines.Add(Release is null && !answered && Step.StartsWith("creating", StringComparison.Ordinal)
                ? "Published: unknown (the request creating the release was interrupted before GitHub answered; the release page shows whether it exists)."
                : Release is null
                ? "Published: nothing (the release was neither created nor changed)."
                : $"Published: release {plan.Tag} {Word(Change ?? ReleaseChange.Unchanged)} ({Release.HtmlUrl})"
                  + (Uploaded.Count == 0 ? "; no assets uploaded." : $"; assets uploaded: {string.Join(", ", Uploaded.Select(u => u.Name))}."));

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
