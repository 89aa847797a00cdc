using System.Globalization;

namespace VmLab.Tests.Sources;

/// <summary>
/// A download mirror on a <see cref="LoopbackServer"/>: byte arrays by path, honouring Range like a mirror does,
/// and counting requests so tests can see which mirror was asked and whether a download resumed.
/// </summary>
internal sealed class FakeMirror : IAsyncDisposable
{
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly LoopbackServer _server;

    public FakeMirror() => _server = new LoopbackServer(Answer);

    public Uri Prefix => _server.Prefix;

    /// <summary>Every request as "GET /path range" in arrival order.</summary>
    public List<string> Requests { get; } = [];

    public Uri Serve(string path, byte[] content)
    {
        _files[path] = content;
        return new Uri(Prefix, path);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private LoopbackResponse Answer(LoopbackRequest request)
    {
        var path = request.Path.TrimStart('/');
        var range = request.Headers["Range"];
        lock (Requests)
        {
            Requests.Add($"GET /{path} {range}".TrimEnd());
        }

        if (!_files.TryGetValue(path, out var content))
        {
            return new LoopbackResponse(404);
        }

        if (range is not { } r || !r.StartsWith("bytes=", StringComparison.Ordinal))
        {
            return new LoopbackResponse(200, content);
        }

        var start = int.Parse(r["bytes=".Length..].TrimEnd('-'), CultureInfo.InvariantCulture);
        return start >= content.Length
            ? new LoopbackResponse(416)
            : new LoopbackResponse(206, content.AsMemory(start))
            {
                Headers = new Dictionary<string, string> { ["Content-Range"] = $"bytes {start}-{content.Length - 1}/{content.Length}" },
            };
    }
}
