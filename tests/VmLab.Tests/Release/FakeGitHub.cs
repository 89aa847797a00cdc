using System.Collections.Specialized;
using System.Text;
using System.Text.Json.Nodes;
using System.Web;

namespace VmLab.Tests.Release;

/// <summary>A request the fake received.</summary>
internal sealed record RecordedRequest(string Method, string Path, string Query, string? Authorization, string? ContentType)
{
    public override string ToString() => $"{Method} {Path}{Query}";
}

/// <summary>An asset as stored by the fake: the bytes Octokit uploaded.</summary>
internal sealed record FakeAsset(int Id, string Name, string ContentType, byte[] Content);

/// <summary>A release as stored by the fake.</summary>
internal sealed class FakeRelease(long id, string tag)
{
    public long Id { get; } = id;
    public string Tag { get; } = tag;
    public string? Name { get; set; }
    public string? Body { get; set; }
    public string? TargetCommitish { get; set; }
    public List<FakeAsset> Assets { get; } = [];

    /// <summary>A draft: invisible to the by-tag lookup, listed by GET releases; assets can be added until it is published.</summary>
    public bool Draft { get; set; }

    /// <summary>The make_latest each publishing request carried ("true", "false", "legacy"; null: not given).</summary>
    public List<string?> MakeLatest { get; } = [];
}

/// <summary>
/// A GitHub REST API on 127.0.0.1 with just the endpoints Octokit's release client calls, behaving as
/// GitHub does where VmLab depends on it: 404 for a tag without release, 422 "already_exists" for a second
/// release of a tag or a second asset of a name, 401 without the right token, uploads on the separate host
/// the release's <c>upload_url</c> names (here a path prefix, /uploads, on the same <see cref="LoopbackServer"/>). The API lives
/// under /api/v3/, where Octokit puts any non-github.com base address (the GitHub Enterprise layout).
/// Drafts behave as on GitHub: GET releases/tags/{tag} does not find them, the release list does; publishing one
/// (PATCH draft=false) makes it the repository's latest unless make_latest is "false". With <see cref="Immutable"/>,
/// a published release refuses new and deleted assets, as GitHub's immutable releases do.
/// See https://docs.github.com/rest/releases/releases and https://docs.github.com/rest/releases/assets
/// </summary>
internal sealed class FakeGitHub : IAsyncDisposable
{
    private readonly LoopbackServer _server;
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<FakeRelease> _releases = [];
    private readonly List<(Func<RecordedRequest, bool> Match, int Status, string Message)> _faults = [];
    private readonly object _gate = new();
    private long _nextReleaseId = 1000;
    private long? _latestId;
    private int _nextAssetId = 1;

    public FakeGitHub(string owner = "vmlab-org", string repository = "vmlab", string token = "ghs_fake0123456789TOKENvalue")
    {
        (Owner, Repository, Token) = (owner, repository, token);
        _server = new LoopbackServer(Answer);
    }

    public string Owner { get; }
    public string Repository { get; }
    public string Token { get; }

    /// <summary>What to pass as --github-api-url; Octokit appends /api/v3/.</summary>
    public Uri BaseUrl => _server.Prefix;

    public IReadOnlyList<RecordedRequest> Requests { get { lock (_gate) { return [.. _requests]; } } }

    public IReadOnlyList<FakeRelease> Releases { get { lock (_gate) { return [.. _releases]; } } }

    /// <summary>Requests that matched no endpoint (a test asserts there are none: Octokit called something unexpected).</summary>
    public IReadOnlyList<RecordedRequest> Unmatched { get; private set; } = [];

    /// <summary>Immutable releases are on: a published release's assets can no longer change.</summary>
    public bool Immutable { get; set; }

    /// <summary>The release GitHub would show as "Latest" (null: none yet).</summary>
    public FakeRelease? Latest { get { lock (_gate) { return _releases.FirstOrDefault(r => r.Id == _latestId); } } }

    /// <summary>Called with each request before it is answered (to act at a precise moment, e.g. cancel the client).</summary>
    public Action<RecordedRequest>? OnRequest { get; set; }

    /// <summary>Answers every request matching <paramref name="match"/> with <paramref name="status"/> until <see cref="ClearFaults"/>.</summary>
    public void FailWhen(Func<RecordedRequest, bool> match, int status, string message)
    {
        lock (_gate)
        {
            _faults.Add((match, status, message));
        }
    }

    public void ClearFaults()
    {
        lock (_gate)
        {
            _faults.Clear();
        }
    }

    /// <summary>Puts an asset on a release directly, as if someone had uploaded it by hand.</summary>
    public void AddAssetByHand(FakeRelease release, string name, string content)
    {
        lock (_gate)
        {
            release.Assets.Add(new FakeAsset(_nextAssetId++, name, "text/plain", Encoding.UTF8.GetBytes(content)));
        }
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private LoopbackResponse Answer(LoopbackRequest request)
    {
        var recorded = new RecordedRequest(request.Method, request.Path, request.Query, request.Headers["Authorization"], request.ContentType);
        var (status, json) = Handle(recorded, request.Body, HttpUtility.ParseQueryString(request.Query));
        return json is null
            ? new LoopbackResponse(status)
            : new LoopbackResponse(status, Encoding.UTF8.GetBytes(json.ToJsonString()), "application/json; charset=utf-8");
    }

    private (int Status, JsonNode? Json) Handle(RecordedRequest request, byte[] body, NameValueCollection query)
    {
        lock (_gate)
        {
            _requests.Add(request);
            OnRequest?.Invoke(request);
            // Injected faults come first, like a proxy or an outage in front of the API.
            if (_faults.FirstOrDefault(f => f.Match(request)) is { Match: not null } fault)
            {
                return (fault.Status, fault.Status == 422
                    ? Error(fault.Message, new JsonObject { ["resource"] = "Release", ["code"] = "custom", ["message"] = "injected by the test" })
                    : Error(fault.Message));
            }

            if (request.Authorization is not { } auth
                || !(auth == $"token {Token}" || auth == $"Token {Token}" || auth == $"Bearer {Token}"))
            {
                return (401, Error("Bad credentials"));
            }

            return Segments(request.Path) is { } segments ? Route(request, segments, body, query) : Unexpected(request);
        }
    }

    /// <summary>The path below the repository, with "uploads" first for the upload host; null outside both.</summary>
    private string[]? Segments(string path)
    {
        var repo = $"repos/{Owner}/{Repository}/";
        if (path.StartsWith($"/api/v3/{repo}releases", StringComparison.Ordinal))
        {
            return path[$"/api/v3/{repo}".Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        }

        return path.StartsWith($"/uploads/{repo}releases/", StringComparison.Ordinal)
            ? ["uploads", .. path[$"/uploads/{repo}".Length..].Split('/', StringSplitOptions.RemoveEmptyEntries)]
            : null;
    }

    private (int, JsonNode?) Route(RecordedRequest request, string[] segments, byte[] body, NameValueCollection query) =>
        (request.Method, segments) switch
        {
            ("GET", ["releases", "tags", var tag]) => _releases.FirstOrDefault(r => !r.Draft && r.Tag == Uri.UnescapeDataString(tag)) is { } found
                ? (200, ReleaseJson(found))
                : (404, Error("Not Found")),
            ("GET", ["releases"]) => ListReleases(query),
            ("POST", ["releases"]) => CreateRelease(JsonNode.Parse(body)!),
            ("PATCH", ["releases", var id]) when FindRelease(id) is { } release => EditRelease(release, JsonNode.Parse(body)!.AsObject()),
            ("GET", ["releases", var id, "assets"]) when FindRelease(id) is { } release =>
                (200, new JsonArray([.. release.Assets.Select(a => AssetJson(release, a))])),
            ("DELETE", ["releases", "assets", var id]) => DeleteAsset(id),
            ("POST", ["uploads", "releases", var id, "assets"]) when FindRelease(id) is { } release =>
                UploadAsset(release, query["name"], request.ContentType, body),
            _ => Unexpected(request),
        };

    private (int, JsonNode?) CreateRelease(JsonNode data)
    {
        var tag = (string?)data["tag_name"];
        if (string.IsNullOrEmpty(tag))
        {
            return Invalid("Release", "tag_name", "missing_field");
        }

        if (_releases.Any(r => r.Tag == tag))
        {
            return Invalid("Release", "tag_name", "already_exists");
        }

        var release = new FakeRelease(_nextReleaseId++, tag)
        {
            Name = (string?)data["name"],
            Body = (string?)data["body"],
            TargetCommitish = (string?)data["target_commitish"],
            Draft = (bool?)data["draft"] ?? false,
        };
        _releases.Add(release);
        if (!release.Draft)
        {
            Publish(release, (string?)data["make_latest"]);
        }

        return (201, ReleaseJson(release));
    }

    private (int, JsonNode?) EditRelease(FakeRelease release, JsonObject data)
    {
        if (data.ContainsKey("name")) { release.Name = (string?)data["name"]; }
        if (data.ContainsKey("body")) { release.Body = (string?)data["body"]; }
        if (data.ContainsKey("draft") && (bool?)data["draft"] == false && release.Draft)
        {
            release.Draft = false;
            Publish(release, (string?)data["make_latest"]);
        }

        return (200, ReleaseJson(release));
    }

    /// <summary>GitHub's default for a newly published release is make_latest=true.</summary>
    private void Publish(FakeRelease release, string? makeLatest)
    {
        release.MakeLatest.Add(makeLatest);
        if (makeLatest is null or "true" or "legacy")
        {
            _latestId = release.Id;
        }
    }

    /// <summary>GET releases: newest first, paged by per_page (default 30) and page (from 1), drafts included (the token can push).</summary>
    private (int, JsonNode?) ListReleases(NameValueCollection query)
    {
        var perPage = int.TryParse(query["per_page"], out var p) ? p : 30;
        var page = int.TryParse(query["page"], out var n) ? n : 1;
        var releases = Enumerable.Reverse(_releases).Skip((page - 1) * perPage).Take(perPage);
        return (200, new JsonArray([.. releases.Select(r => (JsonNode)ReleaseJson(r))]));
    }

    private (int, JsonNode?) DeleteAsset(string id)
    {
        var owner = _releases.FirstOrDefault(r => r.Assets.Any(a => a.Id.ToString() == id));
        if (owner is null)
        {
            return (404, Error("Not Found"));
        }

        if (Immutable && !owner.Draft)
        {
            return Invalid("ReleaseAsset", "id", "immutable_release");
        }

        owner.Assets.RemoveAll(a => a.Id.ToString() == id);
        return (204, null);
    }

    private (int, JsonNode?) UploadAsset(FakeRelease release, string? name, string? contentType, byte[] content)
    {
        if (string.IsNullOrEmpty(name))
        {
            return Invalid("ReleaseAsset", "name", "missing_field");
        }

        if (Immutable && !release.Draft)
        {
            return Invalid("ReleaseAsset", "release", "immutable_release");
        }

        if (release.Assets.Any(a => a.Name == name))
        {
            return Invalid("ReleaseAsset", "name", "already_exists");
        }

        var asset = new FakeAsset(_nextAssetId++, name, contentType ?? "", content);
        release.Assets.Add(asset);
        return (201, AssetJson(release, asset));
    }

    /// <summary>GitHub's 422 for a request it understood but will not carry out, naming the field and why.</summary>
    private static (int, JsonNode?) Invalid(string resource, string field, string code) =>
        (422, Error("Validation Failed", new JsonObject { ["resource"] = resource, ["field"] = field, ["code"] = code }));

    private (int, JsonNode?) Unexpected(RecordedRequest request)
    {
        Unmatched = [.. Unmatched, request];
        return (404, Error("Not Found"));
    }

    private FakeRelease? FindRelease(string id) => _releases.FirstOrDefault(r => r.Id.ToString() == id);

    private static JsonObject Error(string message, JsonObject? error = null)
    {
        var json = new JsonObject { ["message"] = message, ["documentation_url"] = "https://docs.github.com/rest" };
        if (error is not null)
        {
            json["errors"] = new JsonArray(error);
        }

        return json;
    }

    private JsonObject ReleaseJson(FakeRelease r)
    {
        var api = new Uri(BaseUrl, $"api/v3/repos/{Owner}/{Repository}/releases/{r.Id}");
        return new JsonObject
        {
            ["url"] = api.ToString(),
            ["html_url"] = new Uri(BaseUrl, $"{Owner}/{Repository}/releases/tag/{r.Tag}").ToString(),
            ["assets_url"] = api + "/assets",
            // GitHub answers with a URI template on uploads.github.com; Octokit expands {?name,label}.
            ["upload_url"] = new Uri(BaseUrl, $"uploads/repos/{Owner}/{Repository}/releases/{r.Id}/assets").ToString() + "{?name,label}",
            ["tarball_url"] = null,
            ["zipball_url"] = null,
            ["id"] = r.Id,
            ["node_id"] = $"RE_{r.Id}",
            ["tag_name"] = r.Tag,
            ["target_commitish"] = r.TargetCommitish ?? "main",
            ["name"] = r.Name,
            ["body"] = r.Body,
            ["draft"] = r.Draft,
            ["prerelease"] = false,
            ["created_at"] = "2026-01-01T00:00:00Z",
            ["published_at"] = r.Draft ? null : "2026-01-01T00:00:00Z",
            ["assets"] = new JsonArray([.. r.Assets.Select(a => AssetJson(r, a))]),
        };
    }

    private JsonNode AssetJson(FakeRelease r, FakeAsset a) => new JsonObject
    {
        ["url"] = new Uri(BaseUrl, $"api/v3/repos/{Owner}/{Repository}/releases/assets/{a.Id}").ToString(),
        ["id"] = a.Id,
        ["node_id"] = $"RA_{a.Id}",
        ["name"] = a.Name,
        ["label"] = "",
        ["state"] = "uploaded",
        ["content_type"] = a.ContentType,
        ["size"] = a.Content.Length,
        ["download_count"] = 0,
        ["created_at"] = "2026-01-01T00:00:00Z",
        ["updated_at"] = "2026-01-01T00:00:00Z",
        ["browser_download_url"] = new Uri(BaseUrl, $"{Owner}/{Repository}/releases/download/{r.Tag}/{Uri.EscapeDataString(a.Name)}").ToString(),
    };
}
