using System.Globalization;
using VmLab.Lab.Plan;

namespace VmLab.Lab.Vm;

/// <summary>
/// What a scenario requires to be observed in the VMs: the measured layer, L2's vCPUs, THP in L1, vhost, and (host
/// scenario) the CPU count L1's benchmarks and servers are limited to. Built from a <see cref="Scenario"/> and
/// <see cref="Topology"/> while the lab runs, or from manifest.json when a run is re-parsed.
/// </summary>
public sealed record ExpectedFactors(Layer Measured, int GuestCpus, ThpMode Thp, bool Vhost, int LimitCpus)
{
    public static ExpectedFactors Of(Scenario scenario, Topology topology) =>
        new(scenario.Measured, scenario.GuestCpus(topology), scenario.Thp, scenario.Vhost, topology.L2SmpCpus);
}

/// <summary>
/// Checks, from the facts the VMs reported, that a scenario's factor was really in force and that every fact the
/// check needs was reported: THP mode and KVM in L1, L2's vCPU count, vhost threads in L1 while L2 served, L2's
/// QEMU line, the host scenario's CPU limit. A factor not in force, or not shown to be, makes the boot's units
/// invalid: a comparison is only worth making when the one thing it varies really varied.
/// </summary>
public static class FactorCheck
{
    /// <summary>The facts a boot must report (docs/PROTOCOL.md): which layer reports them, and the key.</summary>
    public static IEnumerable<(string Layer, string Key)> Required(Layer measured) =>
        measured == Layer.L2
            ? [("L1", "thp"), ("L1", "kvm"), ("L1", "vhost_threads"), ("L1", "l2_qemu"), ("L2", "nproc")]
            : [("L1", "thp"), ("L1", "kvm"), ("L1", "limit_cpus"), ("L1", "servers_cgroup")];

    /// <param name="l1Facts">L1's facts (FACT markers on L1's console).</param>
    /// <param name="l2Facts">Each L2 boot's facts, from the nested consoles.</param>
    /// <returns>Problems, each starting with <c>fact missing:</c> or <c>factor:</c>.</returns>
    public static IEnumerable<string> Problems(
        ExpectedFactors expected, IReadOnlyDictionary<string, string> l1Facts, IReadOnlyList<IReadOnlyDictionary<string, string>> l2Facts)
    {
        foreach (var (layer, key) in Required(expected.Measured))
        {
            var reported = layer == "L1" ? l1Facts.ContainsKey(key) : l2Facts.Count > 0 && l2Facts.All(f => f.ContainsKey(key));
            if (!reported)
            {
                yield return $"fact missing: {layer} did not report {key}" + (layer == "L2" && l2Facts.Count == 0 ? " (no L2 console came back)" : "");
            }
        }

        var thp = expected.Thp == ThpMode.Always ? "[always]" : "[never]";
        if (l1Facts.TryGetValue("thp", out var l1Thp) && !l1Thp.Contains(thp, StringComparison.Ordinal))
        {
            yield return $"factor: THP in L1 is '{l1Thp}', the scenario needs {thp}";
        }

        if (l1Facts.TryGetValue("kvm", out var kvm) && kvm != "present")
        {
            yield return "factor: L1 has no /dev/kvm: its kernel lacks KVM, or L1 was not started with EL2 (-machine virtualization=on)";
        }

        foreach (var problem in expected.Measured == Layer.L2 ? GuestProblems(expected, l1Facts, l2Facts) : HostProblems(expected, l1Facts))
        {
            yield return problem;
        }
    }

    private static IEnumerable<string> GuestProblems(
        ExpectedFactors expected, IReadOnlyDictionary<string, string> l1Facts, IReadOnlyList<IReadOnlyDictionary<string, string>> l2Facts)
    {
        var cpus = expected.GuestCpus.ToString(CultureInfo.InvariantCulture);
        foreach (var nproc in l2Facts.Select(f => f.GetValueOrDefault("nproc")).OfType<string>().Where(n => n != cpus))
        {
            yield return $"factor: L2 has {nproc} CPUs, the scenario needs {cpus}";
        }

        if (l1Facts.TryGetValue("vhost_threads", out var text))
        {
            if (!int.TryParse(text, CultureInfo.InvariantCulture, out var threads))
            {
                yield return $"factor: L1 reported vhost_threads '{text}', not a count";
            }
            else if (expected.Vhost && threads == 0)
            {
                yield return "factor: vhost=on but L1 had no vhost-* kernel thread while L2 ran (vhost-net not in use)";
            }
            else if (!expected.Vhost && threads > 0)
            {
                yield return $"factor: vhost=off but L1 had {threads} vhost-* kernel thread(s) while L2 ran";
            }
        }

        var vhost = expected.Vhost ? "vhost=on" : "vhost=off";
        if (l1Facts.TryGetValue("l2_qemu", out var qemu) && !qemu.Contains(vhost, StringComparison.Ordinal))
        {
            yield return $"factor: L2's QEMU line does not say {vhost}: {qemu}";
        }
    }

    private static IEnumerable<string> HostProblems(ExpectedFactors expected, IReadOnlyDictionary<string, string> l1Facts)
    {
        var cpus = expected.LimitCpus.ToString(CultureInfo.InvariantCulture);
        if (l1Facts.TryGetValue("limit_cpus", out var limit) && limit != cpus)
        {
            yield return $"factor: the host scenario must run on {cpus} CPUs, L1 was limited to {limit}";
        }

        // The servers must run inside the limit too, or Q4's network numbers compare a limited guest with an unlimited host.
        // "none": the boot served no network suite, so no server ran (they start only when the host serves).
        if (l1Facts.TryGetValue("servers_cgroup", out var cgroup) && cgroup != "none" && !cgroup.Split(' ').All(c => c.EndsWith("/vmlab", StringComparison.Ordinal)))
        {
            yield return $"factor: the host scenario's servers run outside the limit (cgroups: {cgroup})";
        }
    }
}

/// <summary>
/// What one L1 boot's consoles show, read back from the run directory: L1's facts, each L2 boot's facts, and every
/// console finding (RCU stall, soft or hard lockup, hung task, call trace, OOM, panic). The same reading serves the
/// lab (right after a boot) and <c>vmlab parse-run</c> (from raw/ alone), so a re-parse judges exactly what the lab
/// judged, and an interrupted boot's console is judged too.
/// </summary>
/// <param name="L1Findings">Problems on L1's console: they taint every unit of the boot.</param>
/// <param name="L2Findings">Problems on each L2 console: they taint the units that L2 boot ran (all the boot's units: one L2 boot per L1 boot).</param>
public sealed record BootEvidence(
    int Boot,
    IReadOnlyDictionary<string, string> L1Facts,
    IReadOnlyList<IReadOnlyDictionary<string, string>> L2Facts,
    IReadOnlyList<string> L1Findings,
    IReadOnlyList<IReadOnlyList<string>> L2Findings)
{
    /// <summary>Reads <c>console-&lt;boot&gt;.log</c> and its <c>console-&lt;boot&gt;-l2-&lt;n&gt;.log</c> files in <paramref name="scenarioDirectory"/>.</summary>
    public static BootEvidence Read(string scenarioDirectory, int boot)
    {
        var l1 = Path.Combine(scenarioDirectory, $"console-{boot.ToString(CultureInfo.InvariantCulture)}.log");
        var l2 = Directory.Exists(scenarioDirectory)
            ? Directory.GetFiles(scenarioDirectory, $"console-{boot.ToString(CultureInfo.InvariantCulture)}-l2-*.log")
                .OrderBy(f => int.TryParse(Path.GetFileNameWithoutExtension(f).Split('-')[^1], CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue)
                .Select(File.ReadAllText).ToList()
            : [];
        return FromConsoles(boot, File.Exists(l1) ? File.ReadAllText(l1) : null, l2);
    }

    /// <summary>The evidence in an L1 console text (null: the console is missing) and the L2 console texts.</summary>
    public static BootEvidence FromConsoles(int boot, string? l1Console, IReadOnlyList<string> l2Consoles)
    {
        var l1Facts = l1Console is null ? new Dictionary<string, string>() : ConsoleTranscript.Parse(L1Only(l1Console)).Facts;
        var l1Findings = l1Console is null ? ["console: L1's console log is missing"] : Findings("L1", boot, L1Only(l1Console)).ToList();
        return new BootEvidence(
            boot,
            l1Facts,
            l2Consoles.Select(c => ConsoleTranscript.Parse(c).Facts).ToList(),
            l1Findings,
            l2Consoles.Select((c, i) => (IReadOnlyList<string>)Findings($"L2 ({i + 1})", boot, c).ToList()).ToList());
    }

    /// <summary>Every problem of a unit this boot ran: console findings of both layers, then the factor check.</summary>
    public IReadOnlyList<string> Problems(ExpectedFactors expected) =>
        [.. L1Findings, .. L2Findings.SelectMany(f => f), .. FactorCheck.Problems(expected, L1Facts, L2Facts)];

    // The lab's own notes ("# vmlab: …", "# qemu: …") are not the kernel's: a QEMU warning quoting "Call trace" must not taint.
    private static string L1Only(string console) =>
        string.Join('\n', console.Split('\n').Where(l => !l.StartsWith("# vmlab:", StringComparison.Ordinal) && !l.StartsWith("# qemu:", StringComparison.Ordinal)));

    private static IEnumerable<string> Findings(string layer, int boot, string console) =>
        (new Suites.ConsoleLogParser().Parse(console).Measurement?.Problems ?? [])
        .Select(p => $"console: {layer} of boot {boot.ToString(CultureInfo.InvariantCulture)}: {p}");
}
