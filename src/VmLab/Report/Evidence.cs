using System.Globalization;
using VmLab.Lab.Vm;
using VmLab.Results;

namespace VmLab.Report;

/// <summary>
/// "What ran": the evidence a reader needs before trusting a verdict — the order the boots ran in, what each boot's
/// consoles showed (vCPUs, THP, vhost threads, KVM, the host limit, L2's QEMU line), each suite's exact command,
/// the software versions in every place, and L0's own state. Null parts are left out of the report.
/// </summary>
public sealed record EvidenceSection(
    string? Order,
    IReadOnlyList<BootRow> Boots,
    IReadOnlyList<QemuLine> L2Qemu,
    string? HostLimit,
    IReadOnlyList<SuiteRow> Suites,
    IReadOnlyList<SoftwareRow> Software,
    IReadOnlyList<KeyValue> L0)
{
    /// <summary>True when there is anything to show (a lab run; imported runs such as the 2023 reference have none).</summary>
    public bool Any => Boots.Count > 0 || Suites.Count > 0 || Software.Count > 0 || L0.Count > 0;
}

/// <summary>One boot as its consoles reported it.</summary>
public sealed record BootRow(
    string Boot, string Block, string Scenario, string L1Nproc, string L2Nproc, string Thp, string VhostThreads, string Kvm, string Limit, string L0Link, string Checks);

/// <summary>L2's QEMU command line of a scenario, as L1 ran it (the same in every boot of the scenario, or each one shown).</summary>
public sealed record QemuLine(string Scenario, string Boots, string Command);

/// <summary>A suite's exact command and where it ran.</summary>
public sealed record SuiteRow(string Suite, string RunsOn, string Command);

/// <summary>A piece of software, where it ran, and its version.</summary>
public sealed record SoftwareRow(string Name, string Where, string Version);

/// <summary>Builds <see cref="EvidenceSection"/> from the manifest and results.json's boots.</summary>
public static class Evidence
{
    public static EvidenceSection Of(Manifest m, RunResults results)
    {
        var boots = results.Boots ?? [];
        var order = m.Seed is { } seed
            ? $"seed {seed.ToString(CultureInfo.InvariantCulture)}: {string.Join("; ", m.Order)}"
            : null;
        return new EvidenceSection(
            order,
            boots.Select(Row).ToList(),
            QemuLines(boots),
            HostLimit(boots),
            m.Suites.Select(s => new SuiteRow(s.Id, s.RunsOn, Cell(s.Command))).ToList(),
            m.Software.Select(s => new SoftwareRow(s.Name, s.Where, s.Version)).ToList(),
            L0(m));
    }

    private static BootRow Row(BootSummary b)
    {
        string L1(string key) => b.L1Facts.GetValueOrDefault(key) ?? "–";
        var l2 = b.L2Facts.Count == 0 ? "–" : string.Join(", ", b.L2Facts.Select(f => f.GetValueOrDefault("nproc") ?? "?"));
        var limit = b.L1Facts.TryGetValue("limit_cpus", out var cpus)
            ? $"{cpus} CPUs ({L1("limit_cpuset")}), memory.max {Memory(L1("limit_memory_max"))}; servers in {L1("servers_cgroup")}"
            : "–";
        return new BootRow(
            b.Boot.ToString(CultureInfo.InvariantCulture),
            b.Repeat.ToString(CultureInfo.InvariantCulture),
            b.Scenario,
            L1("nproc"),
            l2,
            Thp(L1("thp")),
            L1("vhost_threads"),
            L1("kvm"),
            limit,
            L1("l0_link"),
            b.Problems.Count == 0 ? "ok" : Cell($"{b.Problems.Count} problem{(b.Problems.Count == 1 ? "" : "s")}: {b.Problems[0]}"));
    }

    // A Markdown table cell ends at a bare '|', even inside backticks (the kernbench command has "||").
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    // "always [madvise] never" → "madvise": the mode in force is the bracketed one.
    private static string Thp(string text) =>
        text.IndexOf('[') is >= 0 and var open && text.IndexOf(']', open) is > 0 and var close ? text[(open + 1)..close] : text;

    private static string Memory(string bytes) =>
        long.TryParse(bytes, CultureInfo.InvariantCulture, out var b) ? $"{b / (1024 * 1024)} MiB" : bytes;

    private static List<QemuLine> QemuLines(IReadOnlyList<BootSummary> boots) =>
        boots.Where(b => b.L1Facts.ContainsKey("l2_qemu"))
            .GroupBy(b => (b.Scenario, Line: b.L1Facts["l2_qemu"]))
            .OrderBy(g => g.Key.Scenario, StringComparer.Ordinal)
            .Select(g => new QemuLine(g.Key.Scenario, string.Join(", ", g.Select(b => b.Boot.ToString(CultureInfo.InvariantCulture))), g.Key.Line))
            .ToList();

    /// <summary>Whether the host scenario's CPU limit limited anything: it cannot when L1 has no more CPUs than the limit.</summary>
    private static string? HostLimit(IReadOnlyList<BootSummary> boots)
    {
        var host = boots.Where(b => b.L1Facts.ContainsKey("limit_cpus")).ToList();
        if (host.Count == 0)
        {
            return null;
        }

        var unreal = host.Where(b => int.TryParse(b.L1Facts["limit_cpus"], CultureInfo.InvariantCulture, out var limit)
                                     && int.TryParse(b.L1Facts.GetValueOrDefault("nproc"), CultureInfo.InvariantCulture, out var all)
                                     && limit >= all).ToList();
        return unreal.Count == 0
            ? "The host scenario's CPU limit was real in every boot: L1's benchmarks and servers ran on fewer CPUs than L1 has."
            : $"The host scenario's CPU limit was **not real** in {unreal.Count} of {host.Count} boots: L1 has {unreal[0].L1Facts["nproc"]} CPUs " +
              $"and the cgroup allowed {unreal[0].L1Facts["limit_cpus"]}, so only the memory limit held. Q4 then compares the guest " +
              "with a host that had all of L1's CPUs (this machine has too few CPUs for L1 > L2; the vCPU rule above).";
    }

    private static List<KeyValue> L0(Manifest m)
    {
        var rows = new List<KeyValue>();
        var l0 = m.Layers.FirstOrDefault(l => l.Layer == "L0");
        if (l0?.Cpu is { } cpu)
        {
            rows.Add(new KeyValue("CPU", $"{cpu} ({l0.Cpus?.ToString(CultureInfo.InvariantCulture) ?? "?"} CPUs, {l0.MemoryMb?.ToString(CultureInfo.InvariantCulture) ?? "?"} MiB)"));
        }

        if (m.L0 is { } state)
        {
            rows.Add(new KeyValue("virtualised", state.Virtualization ?? "unknown"));
            rows.Add(new KeyValue("THP", state.Thp ?? "unknown"));
            rows.Add(new KeyValue("load average (1, 5, 15 min) at start", state.LoadAtStart ?? "unknown"));
            rows.Add(new KeyValue("load average at end", state.LoadAtEnd ?? "not recorded (the run did not finish)"));
        }

        return rows;
    }
}
