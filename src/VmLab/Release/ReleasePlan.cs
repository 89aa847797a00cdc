using System.Globalization;

namespace VmLab.Release;

/// <summary>A file that becomes a release asset.</summary>
/// <param name="Name">The asset's name on the release (unique; a re-run replaces the asset of the same name).</param>
/// <param name="Path">The file uploaded.</param>
/// <param name="Sha256">Its sha256, as listed in SHA256SUMS.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="ContentType">The Content-Type it is uploaded with (what browsers get when downloading it).</param>
public sealed record PlannedAsset(string Name, string Path, string Sha256, long Size, string ContentType);

/// <summary>An asset a release of this run cannot have, and why.</summary>
/// <param name="Name">The asset's name, as it would be on the release.</param>
/// <param name="Reason">Why it is not there, in a user's words.</param>
/// <param name="BlocksPublishing">
/// True when the run says it should exist (its manifest names the kernel artifact) but the file is missing:
/// publishing would silently drop something the run used, so it refuses. False when the run never had it.
/// </param>
public sealed record UnavailableAsset(string Name, string Reason, bool BlocksPublishing);

/// <summary>Everything a release of one run consists of, decided before any API call (and all a dry run shows).</summary>
/// <param name="Target">Where it goes.</param>
/// <param name="Tag">The git tag the release is attached to (created at <paramref name="TargetCommitish"/> if new).</param>
/// <param name="Name">The release title.</param>
/// <param name="Body">The release notes: the report's summary section plus a link to the full report.</param>
/// <param name="TargetCommitish">The commit a new tag points at (GITHUB_SHA); null lets GitHub use the default branch.</param>
/// <param name="Run">The run released.</param>
/// <param name="Assets">The files uploaded, in upload order; SHA256SUMS is last, so a release that has it is complete.</param>
/// <param name="Unavailable">Assets this release will not have.</param>
public sealed record ReleasePlan(
    GitHubTarget Target,
    string Tag,
    string Name,
    string Body,
    string? TargetCommitish,
    ReleaseRun Run,
    IReadOnlyList<PlannedAsset> Assets,
    IReadOnlyList<UnavailableAsset> Unavailable)
{
    /// <summary>The assets whose absence stops publishing.</summary>
    public IEnumerable<UnavailableAsset> Blocking => Unavailable.Where(a => a.BlocksPublishing);

    /// <summary>Prints the plan: target, tag, title, body, and each asset with its sha256 and size.</summary>
    /// <param name="output">Where to write.</param>
    /// <param name="token">Whether a token is available (only whether: the value is never printed).</param>
    public void Describe(TextWriter output, GitHubToken? token)
    {
        var (p, inv) = (output, CultureInfo.InvariantCulture);
        p.WriteLine($"release     {Tag}  \"{Name}\"");
        p.WriteLine($"repository  {Target.Repository ?? "(not set: pass --repository=owner/name or set GITHUB_REPOSITORY)"}");
        p.WriteLine($"api         {Target.ApiUrl}");
        p.WriteLine($"run         {Run.Directory} (profile {Run.Profile ?? "not recorded"}, kernel artifact {Run.KernelKey ?? "none"})");
        p.WriteLine($"token       {(token is null ? $"{ReleaseEnvironment.TokenVariable} is not set (publishing needs it)" : $"{ReleaseEnvironment.TokenVariable} is set")}");
        p.WriteLine($"commit      {TargetCommitish ?? "(default branch, if the tag does not exist yet)"}");
        p.WriteLine();
        p.WriteLine("body:");
        foreach (var line in Body.Split('\n'))
        {
            p.WriteLine(line.Length == 0 ? "  |" : "  | " + line);
        }

        p.WriteLine();
        p.WriteLine($"assets ({Assets.Count}):");
        var width = Assets.Select(a => a.Name.Length).Append(0).Max();
        foreach (var a in Assets)
        {
            p.WriteLine(string.Create(inv, $"  {a.Sha256}  {a.Name.PadRight(width)}  {a.Size,12:N0} B  {a.Path}"));
        }

        if (Unavailable.Count > 0)
        {
            p.WriteLine();
            p.WriteLine($"not available ({Unavailable.Count}):");
            foreach (var u in Unavailable)
            {
                p.WriteLine($"  {u.Name}: {u.Reason}{(u.BlocksPublishing ? " [blocks publishing]" : "")}");
            }
        }
    }
}
