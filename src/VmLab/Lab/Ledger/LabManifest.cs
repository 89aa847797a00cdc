using VmLab.Common;
using VmLab.Lab.Artifacts;
using VmLab.Lab.Plan;
using VmLab.Results;
using VmLab.Suites;

namespace VmLab.Lab.Ledger;

/// <summary>
/// What the lab knows for a run's <c>manifest.json</c> (docs/CONTRACTS.md), written through
/// <see cref="RunDirectory.WriteManifest"/>: scenarios, the three layers as the VMs reported them, the vCPU rule
/// (overcommitted or not), the artifacts booted with their sha256s, the QEMU version, start and end, notes on
/// unavailable and failed units, and the command that reproduces the run. Also copies the kernel configs and
/// their diff into <c>kernel/</c> for the report.
/// </summary>
public static class LabManifest
{
    /// <summary>The manifest of a run of <paramref name="plan"/> as the <paramref name="ledger"/> stands.</summary>
    /// <param name="client">The versions of the network clients on L0 (netperf, ab in the client root).</param>
    /// <param name="loadAtEnd">L0's load average when the run (or this part of it) ended.</param>
    public static Manifest Build(
        RunPlan plan, LabArtifacts? artifacts, ArtifactProvenance provenance, L0Facts l0, RunLedger ledger, DateTimeOffset started, DateTimeOffset? ended,
        IReadOnlyList<SoftwareVersion>? client = null, string? loadAtEnd = null, double? samplingCost = null, PrecisionRecord? precision = null)
    {
        var t = plan.Topology;
        var l1 = ledger.Boots.Values.Select(b => b.L1Facts).FirstOrDefault(f => f.ContainsKey("uname"));
        var l2 = ledger.Boots.Values.SelectMany(b => b.L2Facts).FirstOrDefault(f => f.ContainsKey("uname"));
        var notes = new List<string>();
        if (t.Overcommitted)
        {
            notes.Add($"Overcommitted: the vCPU rule {t.RuleText}. Every result of this run is marked overcommitted.");
        }

        if (l0.AutogroupWarning is { } autogroup)
        {
            notes.Add(autogroup + ".");
        }

        notes.AddRange(UnitNotes(ledger));

        return new Manifest
        {
            RunId = ledger.RunId,
            VmlabVersion = l0.VmlabVersion,
            Profile = plan.Profile.Name,
            Description = plan.Profile.Description,
            Scenarios = [.. plan.Scenarios.Select(s => Describe(s, t))],
            Layers =
            [
                new LayerEnvironment("L0", "the build machine, running L1 under QEMU/TCG", t.L0.Cpus, t.L0.MemoryMiB, l0.Uname, Cpu: l0.Cpu),
                new LayerEnvironment("L1", "arm64 KVM host (QEMU/TCG, virtualization=on, cortex-a57)", t.L1Cpus, t.L1MemoryMiB,
                    l1?.GetValueOrDefault("uname"), l1?.GetValueOrDefault("cmdline"), l1?.GetValueOrDefault("thp")),
                new LayerEnvironment("L2", "arm64 guest (KVM in L1, -cpu host)", t.L2SmpCpus, t.L2MemoryMiB,
                    l2?.GetValueOrDefault("uname"), l2?.GetValueOrDefault("cmdline"), l2?.GetValueOrDefault("thp")),
            ],
            Artifacts = artifacts is null ? [] :
            [
                Record("kernel/host/Image", artifacts.HostKernel, parents: 2),
                Record("kernel/guest/Image", artifacts.GuestKernel, parents: 2),
                Record("rootfs/host.img", artifacts.HostImage, parents: 1, provenance.ImageSha256.GetValueOrDefault("host")),
                Record("rootfs/guest.img", artifacts.GuestImage, parents: 1, provenance.ImageSha256.GetValueOrDefault("guest")),
            ],
            Sources = provenance.Sources,
            AbExpectedDocumentLength = provenance.AbDocumentLength,
            Tools = new SortedDictionary<string, string>(
                l0.Tools.Concat(provenance.Tools.Where(t => !l0.Tools.ContainsKey(t.Key))).ToDictionary(), StringComparer.Ordinal),
            StartedUtc = started,
            EndedUtc = ended,
            VcpuRule = new VcpuRule(t.L0.Cpus, t.L1Cpus, t.L2SmpCpus),
            Notes = notes,
            ReproduceCommand = plan.Shard is { } shard
                ? $"./build.sh --target=Lab --profile={plan.Profile.Name} --seed={plan.Order.Seed} --run-id={shard.RunId} --shard={shard.Index}/{shard.Count}"
                : $"./build.sh --profile={plan.Profile.Name} --seed={plan.Order.Seed}" + (precision is null ? "" : $" {precision.Rule.Options}"),
            Seed = plan.Order.Seed,
            Order = [.. plan.Order.Describe()],
            Suites = [.. plan.Suites.Select(suite => Describe(suite, t))],
            Software = [.. provenance.Software, .. client ?? []],
            L0 = new L0State(l0.Virtualization, l0.Thp, l0.Load, loadAtEnd) { MachineId = l0.MachineId, Autogroup = l0.Autogroup, SamplingCost = samplingCost },
            Noise = plan.Profile.Noise,
            Analysis = plan.Profile.Analysis,
            Shard = plan.Shard,
            Precision = precision,
        };
    }

    /// <summary>The notes about the ledger's units: those that failed or were unavailable, and those done but invalid.</summary>
    public static IEnumerable<string> UnitNotes(RunLedger ledger)
    {
        foreach (var group in ledger.Units.Where(u => u.Value.State != UnitState.Done).GroupBy(u => u.Value.State))
        {
            yield return $"{group.Count()} unit(s) {group.Key.ToString().ToLowerInvariant()}: " +
                         string.Join("; ", group.Select(u => $"{u.Key} ({u.Value.Problems.FirstOrDefault()})"));
        }

        foreach (var (key, unit) in ledger.Units.Where(u => u.Value is { State: UnitState.Done, Problems.Count: > 0 }))
        {
            yield return $"{key} is invalid: {string.Join("; ", unit.Problems)}";
        }
    }

    /// <summary>A suite's exact command as the baseline scenario runs it, the server's address as <c>SERVER</c>.</summary>
    private static SuiteInfo Describe(ILabSuite suite, Topology t) => new(
        suite.Id,
        suite.Command(new SuiteTarget(t.L2SmpCpus, "SERVER")),
        suite.IsNetwork
            ? "L0 client (in VmLab's network namespace) → SERVER in the measured system: L2 192.168.0.105, or L1 192.168.0.101 in host"
            : $"in the measured system (as in baseline, {t.L2SmpCpus} CPUs; CPU counts follow each scenario's)");

    /// <summary>Copies host.config, guest.config and config.diff from the kernel artifacts into the run's kernel/ folder.</summary>
    public static void CopyKernelConfigs(RunDirectory run, LabArtifacts artifacts)
    {
        foreach (var (source, to) in KernelConfigs(artifacts))
        {
            var target = Path.Combine(run.KernelDir, to);
            // A resume copies nothing: the run's configs are already these (LabStart.Check refused other ones).
            if (File.Exists(source) && (!File.Exists(target) || Hashing.Sha256OfFile(source) != Hashing.Sha256OfFile(target)))
            {
                AtomicFile.WriteAllBytes(target, File.ReadAllBytes(source));
            }
        }
    }

    /// <summary>The kernel files a run keeps: each artifact's path and its name under the run's kernel/.</summary>
    public static IReadOnlyList<(string From, string To)> KernelConfigs(LabArtifacts artifacts)
    {
        var kernelDir = Path.GetDirectoryName(Path.GetDirectoryName(artifacts.HostKernel))!;
        return [(Path.Combine(kernelDir, "host", ".config"), "host.config"), (Path.Combine(kernelDir, "guest", ".config"), "guest.config"), (Path.Combine(kernelDir, "config.diff"), "config.diff")];
    }

    private static ScenarioInfo Describe(Scenario s, Topology t) => new(
        s.Id,
        s.Measured == Layer.L1
            ? $"the KVM host itself, limited to the guest's {t.L2SmpCpus} CPUs and {t.L2MemoryMiB} MiB"
            : $"the guest, {(s.GuestSmp ? "SMP" : "UP")}, THP {s.Thp.ToString().ToLowerInvariant()} in L1, vhost {(s.Vhost ? "on" : "off")}",
        s.Measured.ToString(),
        s.Measured == Layer.L2 ? s.GuestCpus(t) : null,
        s.Thp.ToString().ToLowerInvariant(),
        s.Measured == Layer.L2 ? (s.Vhost ? "on" : "off") : null)
    {
        Network = new NetworkLayout("l0", s.Measured == Layer.L2 ? "l2" : "l1"),
    };

    /// <summary>An artifact with its stage key: the folder name <paramref name="parents"/> levels above the file.</summary>
    private static ArtifactRecord Record(string name, string path, int parents, string? knownSha256 = null)
    {
        var dir = Path.GetDirectoryName(path)!;
        for (var i = 1; i < parents; i++)
        {
            dir = Path.GetDirectoryName(dir)!;
        }

        // Images are large: their sha256 is in the rootfs stage's metadata.json; hashing them again per run costs
        // seconds each, so only the (small) kernels are hashed here.
        var sha = knownSha256 ?? (new FileInfo(path).Length < 256L << 20 ? Hashing.Sha256OfFile(path) : "see rootfs metadata.json");
        return new ArtifactRecord(name, Path.GetFileName(dir), sha);
    }

}
