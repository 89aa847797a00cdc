using System.Globalization;
using VmLab.Common;

namespace VmLab.Lab.Network;

/// <summary>
/// Removes the lab's network namespaces: one whose run ends (<see cref="ClientNetwork.DisposeAsync"/>), and every one
/// a dead run left behind (<see cref="SweepAsync"/>, which <see cref="ClientNetwork.CreateAsync"/> calls first).
/// </summary>
public static class NamespaceSweep
{
    /// <summary>
    /// Removes every namespace recorded in <paramref name="stateDirectory"/> whose owner is no longer running (a run
    /// killed with SIGKILL, a crash). Namespaces of live owners and <c>vmlab-*</c> namespaces without a record are left alone.
    /// </summary>
    /// <returns>The names removed.</returns>
    public static async Task<IReadOnlyList<string>> SweepAsync(
        string stateDirectory = ClientNetwork.DefaultStateDirectory, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        log ??= _ => { };
        var removed = new List<string>();
        if (!Directory.Exists(stateDirectory))
        {
            return removed;
        }

        foreach (var pidFile in Directory.GetFiles(stateDirectory, ClientNetwork.NamePrefix + "*.pid").Order(StringComparer.Ordinal))
        {
            var owner = NamespaceOwner.ReadRecord(pidFile);
            if (owner is { IsAlive: true })
            {
                continue;
            }

            var name = Path.GetFileNameWithoutExtension(pidFile);
            log($"sweeping network namespace {name}: its owner (pid {owner?.Pid.ToString(CultureInfo.InvariantCulture) ?? "unknown"}) is gone");
            await RemoveAsync(name, tap: null, pidFile, log, cancellationToken);
            removed.Add(name);
        }

        return removed;
    }

    /// <summary>Whether a namespace of this name exists on the machine now.</summary>
    public static bool Exists(string name) => File.Exists(Path.Combine(ClientNetwork.NetnsDirectory, name));

    internal static async Task RemoveAsync(string name, string? tap, string pidFile, Action<string> log, CancellationToken cancellationToken)
    {
        if (Exists(name))
        {
            var killed = await KillEverythingInsideAsync(name, cancellationToken);
            if (killed.Count > 0)
            {
                log($"network namespace {name}: killed {killed.Count} process(es) still inside (pid {string.Join(", ", killed)})");
            }

            if (tap is not null)
            {
                // Deleting the namespace deletes its tap too; asking first keeps a failure visible in the right words.
                await IpCommand.RunAsync(["-n", name, "link", "delete", tap], cancellationToken, validate: false);
            }

            await IpCommand.RunAsync(["netns", "delete", name], cancellationToken);
            log($"network namespace {name}: removed");
        }

        File.Delete(pidFile);
    }

    /// <summary>SIGKILLs every process in the namespace (by pid, from <c>ip netns pids</c>) until none is left.</summary>
    private static async Task<List<int>> KillEverythingInsideAsync(string name, CancellationToken cancellationToken)
    {
        var killed = new List<int>();
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var pids = (await IpCommand.RunAsync(["netns", "pids", name], cancellationToken))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => int.Parse(p, CultureInfo.InvariantCulture))
                .Where(p => p != Environment.ProcessId)
                .ToList();
            if (pids.Count == 0)
            {
                return killed;
            }

            foreach (var pid in pids)
            {
                ProcessSession.SendKill(pid);
                if (!killed.Contains(pid))
                {
                    killed.Add(pid);
                }
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new LabException(
            $"Processes in the network namespace {name} survive SIGKILL (pid {string.Join(", ", killed)}; stuck in the kernel?).",
            $"ip netns pids {name}, then ps -o pid,stat,wchan,cmd -p PID; ip netns del {name} once they are gone");
    }
}
