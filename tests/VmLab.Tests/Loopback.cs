using System.Net;
using System.Net.Sockets;

namespace VmLab.Tests;

/// <summary>Ports on 127.0.0.1 for the tests' own HTTP servers (nothing in the tests leaves loopback).</summary>
internal static class Loopback
{
    /// <summary>A loopback port nothing listens on: connecting to it is refused at once.</summary>
    public static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    /// <summary>
    /// Starts <paramref name="listener"/> on a free port and returns its prefix. HttpListener cannot bind port 0, so the
    /// port comes from the OS first; another test may win it before the bind, hence a few attempts.
    /// </summary>
    public static Uri Start(HttpListener listener)
    {
        for (var attempt = 0; ; attempt++)
        {
            var prefix = new Uri($"http://127.0.0.1:{FreePort()}/");
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
}
