using System.Globalization;

namespace VmLab.Lab;

/// <summary>
/// Checks, from the facts the VMs reported, that a scenario's factor was really in force: THP mode in L1, L2's
/// vCPU count, vhost threads in L1 while L2 served, the host scenario's CPU limit. A factor not in force makes
/// the boot's units invalid: a comparison is only worth making when the one thing it varies really varied.
/// </summary>
public static class FactorCheck
{
    /// <param name="l1Facts">L1's facts (FACT markers on L1's console).</param>
    /// <param name="l2Facts">Each L2 boot's facts, from the nested consoles.</param>
    public static IEnumerable<string> Problems(
        Scenario scenario, Topology topology, IReadOnlyDictionary<string, string> l1Facts, IReadOnlyList<IReadOnlyDictionary<string, string>> l2Facts)
    {
        var thp = scenario.Thp == ThpMode.Always ? "[always]" : "[never]";
        if (!l1Facts.TryGetValue("thp", out var l1Thp))
        {
            yield return "L1 did not report its THP mode";
        }
        else if (!l1Thp.Contains(thp, StringComparison.Ordinal))
        {
            yield return $"THP in L1 is '{l1Thp}', the scenario needs {thp}";
        }

        // Every scenario boots L2 (the host scenario as the network client), so L1 must be a KVM host.
        if (l1Facts.TryGetValue("kvm", out var kvm) && kvm != "present")
        {
            yield return "L1 has no /dev/kvm: its kernel lacks KVM, or L1 was not started with EL2 (-machine virtualization=on)";
        }

        var cpus = scenario.GuestCpus(topology);
        if (scenario.Measured == Layer.L2)
        {
            foreach (var facts in l2Facts)
            {
                if (!facts.TryGetValue("nproc", out var nproc) || nproc != cpus.ToString(CultureInfo.InvariantCulture))
                {
                    yield return $"L2 has {nproc ?? "an unreported number of"} CPUs, the scenario needs {cpus}";
                }
            }

            if (l1Facts.TryGetValue("vhost_threads", out var threadsText) && int.TryParse(threadsText, CultureInfo.InvariantCulture, out var threads))
            {
                if (scenario.Vhost && threads == 0)
                {
                    yield return "vhost=on but L1 had no vhost-* kernel thread while L2 ran (vhost-net not in use)";
                }
                else if (!scenario.Vhost && threads > 0)
                {
                    yield return $"vhost=off but L1 had {threads} vhost-* kernel thread(s) while L2 ran";
                }
            }
        }
        else if (!l1Facts.TryGetValue("limit_cpus", out var limit) || limit != cpus.ToString(CultureInfo.InvariantCulture))
        {
            yield return $"the host scenario must run on {cpus} CPUs, L1 was limited to {limit ?? "an unreported number"}";
        }
    }
}
