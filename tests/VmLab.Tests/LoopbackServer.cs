using System.Collections.Specialized;
using System.Net;

namespace VmLab.Tests;

/// <summary>A request as the server received it, its body read whole.</summary>
internal sealed record LoopbackRequest(string Method, string Path, string Query, NameValueCollection Headers, byte[] Body)
{
    public string? ContentType => Headers["Content-Type"];
}

/// <summary>An answer: a status and, unless <see cref="Body"/> is null, a body sent with its length.</summary>
internal sealed record LoopbackResponse(int Status, ReadOnlyMemory<byte>? Body = null, string? ContentType = null)
{
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// The one real HTTP server of the tests (HttpListener on 127.0.0.1): it answers each request, one at a time and in
/// arrival order, with what <c>answer</c> returns. The fakes (<see cref="Release.FakeGitHub"/>,
/// <see cref="Sources.FakeMirror"/>) are that function; the client under test goes through real HTTP.
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<LoopbackRequest, LoopbackResponse> _answer;
    private readonly Task _loop;

    public LoopbackServer(Func<LoopbackRequest, LoopbackResponse> answer)
    {
        _answer = answer;
        Prefix = Start(_listener);
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri Prefix { get; }

    public async ValueTask DisposeAsync()
    {
        // Close only: on Linux a Close after Stop unregisters the prefix a second time, which binds the port
        // again and fails with "Address already in use" once another test has taken it.
        _listener.Close();
        await _loop;
    }

    /// <summary>
    /// Starts <paramref name="listener"/> on a free port and returns its prefix. HttpListener cannot bind port 0, so the
    /// port comes from the OS first; another test may win it before the bind, hence a few attempts.
    /// </summary>
    private static Uri Start(HttpListener listener)
    {
        for (var attempt = 0; ; attempt++)
        {
            var prefix = new Uri($"http://127.0.0.1:{Loopback.FreePort()}/");
            listener.Prefixes.Clear();
            listener.Prefixes.Add(prefix.ToString());
            try
            {
                listener.Start();
                return prefix;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }
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
            catch (ObjectDisposedException)
            {
                // Closed while waiting (DisposeAsync): the listener's state may not say so yet when the wait ends
                // (seen once in CI: SourceFetchTests' dispose failed with "Cannot access a disposed object").
                return;
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }

            try
            {
                await RespondAsync(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
                // The client stopped waiting (a test that cancels mid-request): the next request is still served.
            }
        }
    }

    private async Task RespondAsync(HttpListenerContext context)
    {
        var request = context.Request;
        using var body = new MemoryStream();
        await request.InputStream.CopyToAsync(body);

        LoopbackResponse answer;
        try
        {
            answer = _answer(new LoopbackRequest(request.HttpMethod, request.Url!.AbsolutePath, request.Url.Query, request.Headers, body.ToArray()));
        }
        catch (Exception e)
        {
            answer = new LoopbackResponse(599, System.Text.Encoding.UTF8.GetBytes("the fake crashed: " + e), "text/plain; charset=utf-8");
        }

        var response = context.Response;
        response.StatusCode = answer.Status;
        foreach (var (name, value) in answer.Headers)
        {
            response.Headers[name] = value;
        }

        if (answer.Body is { } content)
        {
            if (answer.ContentType is { } type)
            {
                response.ContentType = type;
            }

            response.ContentLength64 = content.Length;
            await response.OutputStream.WriteAsync(content);
        }

        response.Close();
    }
}
