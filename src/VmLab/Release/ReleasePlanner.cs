using System.Text;
using System.Text.RegularExpressions;
using VmLab.Common;

namespace VmLab.Release;

/// <summary>
/// Turns a run directory into a <see cref="ReleasePlan"/>: reads the report summary, builds results.tar.gz and
/// SHA256SUMS in a staging folder, finds the kernel files, and hashes everything. No network: the dry run is
/// exactly this, and publishing starts from its result.
/// </summary>
public static partial class ReleasePlanner
{
    /// <summary>GitHub rejects release bodies longer than this (in characters).</summary>
    public const int MaxBodyLength = 125_000;

    public const string ChecksumsAsset = "SHA256SUMS";
    public const string TarballAsset = "results.tar.gz";

    // Bare media types: Octokit builds the header with MediaTypeHeaderValue(string), which rejects parameters
    // such as "; charset=utf-8" (FormatException before the request is sent).
    private const string Markdown = "text/markdown";
    private const string Text = "text/plain";
    private const string Json = "application/json";
    private const string Binary = "application/octet-stream";

    /// <summary>The kernel files a release carries: asset name, the run directory's copy (if the lab makes one), the artifact path under kernel/&lt;key&gt;/.</summary>
    private static readonly (string Asset, string? InRun, string InArtifact, string ContentType)[] KernelFiles =
    [
        ("kernel-host.config", "kernel/host.config", "host/.config", Text),
        ("kernel-guest.config", "kernel/guest.config", "guest/.config", Text),
        ("config.diff", "kernel/config.diff", "config.diff", Text),
        ("kernel-host.Image", null, "host/Image", Binary),
        ("kernel-guest.Image", null, "guest/Image", Binary),
        ("kernel-host.metadata.json", null, "host/metadata.json", Json),
        ("kernel-guest.metadata.json", null, "guest/metadata.json", Json),
    ];

    /// <summary>Plans the release of <paramref name="run"/>.</summary>
    /// <param name="run">The run directory, loaded.</param>
    /// <param name="target">Where the release goes (used for the report link in the body).</param>
    /// <param name="environment">GITHUB_* variables: the triggering tag and commit.</param>
    /// <param name="tag">An explicit tag (--tag); otherwise the triggering tag, otherwise <c>run-&lt;run-id&gt;</c>.</param>
    /// <param name="artifactsDirectory">The artifact cache (RepoPaths.Artifacts): kernel files are read from it, the tarball is staged in it.</param>
    /// <param name="cancellationToken">Stops hashing and archiving.</param>
    public static async Task<ReleasePlan> PlanAsync(
        ReleaseRun run,
        GitHubTarget target,
        ReleaseEnvironment environment,
        string? tag,
        string artifactsDirectory,
        CancellationToken cancellationToken = default)
    {
        var releaseTag = ChooseTag(tag, environment, run);
        var staging = Path.Combine(artifactsDirectory, "release", run.RunId);
        Directory.CreateDirectory(staging);

        var assets = new List<PlannedAsset> { await DescribeAsync(ReleaseRun.ReportFile, run.ReportPath, Markdown, cancellationToken) };

        var tarball = Path.Combine(staging, TarballAsset);
        await DeterministicTarball.WriteAsync(run.Directory, run.RunId, tarball, cancellationToken);
        assets.Add(await DescribeAsync(TarballAsset, tarball, "application/gzip", cancellationToken));

        var unavailable = new List<UnavailableAsset>();
        var kernelDirectory = run.KernelKey is null ? null : Path.Combine(artifactsDirectory, "kernel", run.KernelKey);
        foreach (var (asset, inRun, inArtifact, contentType) in KernelFiles)
        {
            var candidates = new[]
            {
                inRun is null ? null : run.PathOf(inRun),
                kernelDirectory is null ? null : Path.Combine(kernelDirectory, inArtifact.Replace('/', Path.DirectorySeparatorChar)),
            };
            if (candidates.FirstOrDefault(File.Exists) is { } source)
            {
                assets.Add(await DescribeAsync(asset, source, contentType, cancellationToken));
            }
            else if (kernelDirectory is null)
            {
                unavailable.Add(new UnavailableAsset(asset, "the run's manifest.json names no kernel artifact (kernel.key), so there is no kernel build to publish", BlocksPublishing: false));
            }
            else
            {
                unavailable.Add(new UnavailableAsset(
                    asset,
                    $"the run used kernel artifact {run.KernelKey} but {candidates[1]} is missing (artifacts/ is a cache: rebuild the kernel or restore the cache)",
                    BlocksPublishing: true));
            }
        }

        var checksums = Path.Combine(staging, ChecksumsAsset);
        AtomicFile.WriteAllText(checksums, Sha256Sums(assets));
        assets.Add(await DescribeAsync(ChecksumsAsset, checksums, Text, cancellationToken));

        var summary = ReportSummary.Extract(await File.ReadAllTextAsync(run.ReportPath, cancellationToken), run.ReportPath);
        var body = Body(summary, target, releaseTag, run, unavailable);
        if (body.Length > MaxBodyLength)
        {
            throw new LabException(
                $"The release body would be {body.Length} characters; GitHub accepts at most {MaxBodyLength}. The summary section of {run.ReportPath} is too long.",
                "shorten the report's summary (the full report is attached as an asset anyway)");
        }

        var title = $"VmLab {releaseTag}: run {run.RunId}" + (run.Profile is null ? "" : $" ({run.Profile} profile)");
        return new ReleasePlan(target, releaseTag, title, body, environment.Sha, run, assets, unavailable);
    }

    /// <summary>
    /// The SHA256SUMS text, in the format <c>sha256sum -c</c> checks: one "hash, two spaces, name" line per asset,
    /// sorted by name so the file is the same whatever order the assets were found in.
    /// </summary>
    public static string Sha256Sums(IEnumerable<PlannedAsset> assets)
    {
        var text = new StringBuilder();
        foreach (var a in assets.OrderBy(a => a.Name, StringComparer.Ordinal))
        {
            text.Append(a.Sha256).Append("  ").Append(a.Name).Append('\n');
        }

        return text.ToString();
    }

    private static string ChooseTag(string? explicitTag, ReleaseEnvironment environment, ReleaseRun run)
    {
        var tag = explicitTag is { Length: > 0 } ? explicitTag : environment.TriggeringTag ?? $"run-{run.RunId}";
        if (!TagName().IsMatch(tag) || tag.Contains("..", StringComparison.Ordinal) || tag.EndsWith(".lock", StringComparison.Ordinal))
        {
            throw new LabException(
                $"'{tag}' is not a valid git tag name (git check-ref-format).",
                "pass --tag=vX.Y.Z (letters, digits, '.', '-', '_', '/')");
        }

        return tag;
    }

    // A conservative subset of git-check-ref-format: what release tags look like, nothing a shell or URL mangles.
    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9._\-/]*[A-Za-z0-9_]$|^[A-Za-z0-9_]$")]
    private static partial Regex TagName();

    private static string Body(string summary, GitHubTarget target, string tag, ReleaseRun run, IReadOnlyList<UnavailableAsset> unavailable)
    {
        var body = new StringBuilder(summary.Length + 512);
        body.Append(summary).Append("\n\n---\n\n");
        // The download URL is GitHub's stable address for an asset, known before the upload:
        // https://docs.github.com/repositories/releasing-projects-on-github/linking-to-releases
        var report = target.Repository is null
            ? $"releases/download/{tag}/{ReleaseRun.ReportFile}"
            : target.DownloadUrl(tag, ReleaseRun.ReportFile).ToString();
        body.Append($"Full report: [{ReleaseRun.ReportFile}]({report}). Run `{run.RunId}`")
            .Append(run.Profile is null ? "" : $", profile `{run.Profile}`")
            .Append(".\n\n")
            // A report is a function of its run directory and the VmLab version alone, so anyone can redo the last step.
            .Append("Verify a download, in the directory holding the assets:\n")
            .Append($"1. `sha256sum -c {ChecksumsAsset}`: every line says OK.\n")
            .Append($"2. `tar -xzf {TarballAsset} && rm -rf {run.RunId}/results.json {run.RunId}/{ReleaseRun.ReportFile} {run.RunId}/charts`: ")
            .Append($"the run directory `{run.RunId}/` without what VmLab derives from its `raw/`.\n")
            .Append($"3. Render it again with the VmLab of this release, from a checkout of `{tag}`: ")
            .Append($"`dotnet run --project src/VmLab.Cli -- report <this directory>/{run.RunId} --reparse`.\n")
            .Append($"4. `cmp {ReleaseRun.ReportFile} {run.RunId}/{ReleaseRun.ReportFile}`: no output, the report is the same byte for byte.\n");
        foreach (var group in unavailable.GroupBy(u => u.Reason, StringComparer.Ordinal))
        {
            body.Append($"\nNot in this release: {string.Join(", ", group.Select(u => $"`{u.Name}`"))}: {group.Key}.\n");
        }

        return body.ToString();
    }

    private static async Task<PlannedAsset> DescribeAsync(string name, string path, string contentType, CancellationToken cancellationToken) =>
        new(name, path, await Hashing.Sha256OfFileAsync(path, cancellationToken), new FileInfo(path).Length, contentType);
}
