namespace VmLab.Lab.Network;

/// <summary>The network benchmark clients on L0 (netperf, ab), run against the measured system's servers.</summary>
public interface INetworkClient
{
    /// <summary>
    /// Runs <paramref name="command"/> (a <c>/bin/sh</c> command line) as a client, killing it after
    /// <paramref name="timeout"/> (exit code 124, like coreutils <c>timeout</c>).
    /// </summary>
    /// <returns>Its exit code, duration and stdout + stderr as the raw output.</returns>
    Task<ClientRun> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken);
}
