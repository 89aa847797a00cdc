using VmLab.Common;

namespace VmLab.Release;

/// <summary>Where a release goes: the GitHub (or GitHub Enterprise, or test) API and the repository.</summary>
/// <param name="ApiUrl">The REST API root, e.g. https://api.github.com/ or https://ghe.example.com/api/v3/.</param>
/// <param name="Repository"><c>owner/name</c>; null when neither --repository nor GITHUB_REPOSITORY says.</param>
public sealed record GitHubTarget(Uri ApiUrl, string? Repository)
{
    public static readonly Uri GitHubDotComApi = new("https://api.github.com/");

    /// <summary>The repository split into owner and name.</summary>
    /// <exception cref="LabException">No repository was given, or it is not <c>owner/name</c>.</exception>
    public (string Owner, string Name) OwnerAndName()
    {
        var parts = Repository?.Split('/') ?? [];
        if (parts is not [{ Length: > 0 } owner, { Length: > 0 } name])
        {
            throw new LabException(
                Repository is null
                    ? "No repository to publish to: GITHUB_REPOSITORY is not set and --repository was not given."
                    : $"Repository '{Repository}' is not of the form owner/name.",
                "pass --repository=owner/name (GitHub Actions sets GITHUB_REPOSITORY itself)");
        }

        return (owner, name);
    }

    /// <summary>
    /// The web root that serves the repository's pages and release downloads: github.com for api.github.com,
    /// the same host for GitHub Enterprise (whose API lives under /api/v3 of the web host).
    /// </summary>
    public Uri WebUrl => ApiUrl.Host is "api.github.com" or "github.com"
        ? new Uri("https://github.com/")
        : new Uri(ApiUrl.GetLeftPart(UriPartial.Authority) + "/");

    /// <summary>Where GitHub serves a release asset, without an API call: <c>{web}/{owner}/{name}/releases/download/{tag}/{asset}</c>.</summary>
    public Uri DownloadUrl(string tag, string assetName) =>
        new(WebUrl, $"{Repository}/releases/download/{Uri.EscapeDataString(tag)}/{Uri.EscapeDataString(assetName)}");

    /// <summary>Parses --github-api-url (absolute http or https).</summary>
    /// <exception cref="LabException">Not an absolute http(s) URL.</exception>
    public static Uri ParseApiUrl(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return GitHubDotComApi;
        }

        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            throw new LabException(
                $"--github-api-url '{text}' is not an absolute http(s) URL.",
                "pass e.g. --github-api-url=https://ghe.example.com/api/v3 (default https://api.github.com)");
        }

        return uri;
    }
}
