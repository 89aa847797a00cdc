using System.Net;

namespace VmLab.Tests.Sources;

/// <summary>
/// A real HTTP server on 127.0.0.1 (HttpListener) serving byte arrays by path, honouring Range like a mirror does,
/// and counting requests so tests can see which mirror was asked and whether a download resumed.
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public LoopbackServer()
    {
        Prefix = Loopback.Start(_listener);
        _loop = Task.Run(ServeAsync);
    }

    public Uri Prefix { get; }

    /// <summary>Every request as "GET /path range" in arrival order.</summary>
    public List<string> Requests { get; } = [];

    public Uri Serve(string path, byte[] content)
    {
        _files[path] = content;
        return new Uri(Prefix, path);
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }

            var path = context.Request.Url!.AbsolutePath.TrimStart('/');
            var range = context.Request.Headers["Range"];
            lock (Requests)
            {
                Requests.Add($"GET /{path} {range}".TrimEnd());
            }

            var response = context.Response;
            if (!_files.TryGetValue(path, out var content))
            {
                response.StatusCode = 404;
                response.Close();
                continue;
            }

            var start = 0;
            if (range is { } r && r.StartsWith("bytes=", StringComparison.Ordinal))
            {
                start = int.Parse(r["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
                if (start >= content.Length)
                {
                    response.StatusCode = 416;
                    response.Close();
                    continue;
                }

                response.StatusCode = 206;
                response.Headers["Content-Range"] = $"bytes {start}-{content.Length - 1}/{content.Length}";
            }

            response.ContentLength64 = content.Length - start;
            await response.OutputStream.WriteAsync(content.AsMemory(start));
            response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Close only: on Linux a Close after Stop unregisters the prefix a second time, which binds the port
        // again and fails with "Address already in use" once another test has taken it.
        _listener.Close();
        await _loop;
    }
}
