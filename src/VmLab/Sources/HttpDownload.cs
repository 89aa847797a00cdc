using System.Net;
using System.Net.Http.Headers;

namespace VmLab.Sources;

/// <summary>
/// One HTTP(S) download into a <c>.partial</c> file that survives interruption: a later attempt (from the same or
/// another mirror, which serves the same bytes since the file is pinned by hash) continues with a Range request.
/// Verification is the caller's: nothing here decides whether the bytes are right.
/// </summary>
public sealed class HttpDownload(HttpClient http)
{
    /// <summary>Thrown when this URL cannot deliver the file (unreachable, HTTP error): the next mirror may.</summary>
    public sealed class UnavailableException(string message, Exception? inner = null) : Exception(message, inner);

    /// <summary>Downloads <paramref name="url"/> into <paramref name="partialPath"/>, resuming from its current length.</summary>
    public async Task DownloadAsync(
        Uri url,
        string partialPath,
        IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var existing = File.Exists(partialPath) ? new FileInfo(partialPath).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (existing > 0)
        {
            request.Headers.Range = new RangeHeaderValue(existing, null);
        }

        using var response = await SendAsync(url, request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && existing > 0)
        {
            // The partial file already holds every byte the server has; the hash check decides the rest.
            return;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new UnavailableException($"{url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        await ReceiveAsync(url, response, partialPath, existing, progress, cancellationToken);
    }

    /// <summary>Sends <paramref name="request"/> (for <paramref name="url"/>), reading only the headers; a failure to connect or a timeout is <see cref="UnavailableException"/>.</summary>
    private async Task<HttpResponseMessage> SendAsync(Uri url, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new UnavailableException($"{url}: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UnavailableException($"{url}: timed out", ex);
        }
    }

    /// <summary>Writes the body into the partial file, reporting progress about twice a second; a broken transfer keeps what arrived.</summary>
    private static async Task ReceiveAsync(
        Uri url, HttpResponseMessage response, string partialPath, long existing, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var fileName = Path.GetFileName(url.AbsolutePath);
        // 206 continues the partial file; a 200 (server ignoring Range) starts it again.
        var resumed = response.StatusCode == HttpStatusCode.PartialContent;
        var received = resumed ? existing : 0;
        long? total = response.Content.Headers.ContentLength is { } length ? length + received : null;
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await using var file = new FileStream(partialPath, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            var buffer = new byte[1 << 16];
            var lastReport = Environment.TickCount64 - 1000;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                received += read;
                if (Environment.TickCount64 - lastReport >= 500)
                {
                    progress?.Report(new DownloadProgress(fileName, received, total));
                    lastReport = Environment.TickCount64;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            // The bytes received so far stay in the partial file for the next attempt to resume.
            throw new UnavailableException($"{url}: transfer broke off after {received} bytes ({ex.Message})", ex);
        }

        progress?.Report(new DownloadProgress(fileName, received, total));
    }
}
