using System.Net;
using System.Net.Sockets;

namespace VmLab.Tests;

/// <summary>Ports on 127.0.0.1 for the tests' own HTTP server (nothing in the tests leaves loopback).</summary>
internal static class Loopback
{
    /// <summary>A loopback port nothing listens on: connecting to it is refused at once.</summary>
    public static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
