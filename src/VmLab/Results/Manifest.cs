namespace VmLab.Results;

/// <summary>
/// <c>manifest.json</c> of a run directory: what was run, on what, from which inputs, and every substitution made.
/// The lab writes it at the start of a run and again at the end (atomically, through <see cref="RunDirectory"/>);
/// the report reads it for the first page and the appendix. Fields the lab did not know stay null or empty.
/// </summary>
public sealed record Manifest
{
    /// <summary>The run id, e.g. <c>2026-11-25T1012Z-smoke</c>; also the directory name under <c>results/</c>.</summary>
    public required string RunId { get; init; }

    /// <summary>The profile (<c>smoke</c>, <c>quick</c>, <c>full</c>), or a description for imported runs.</summary>
    public required string Profile { get; init; }

    /// <summary>One paragraph: what this run is. Shown on the report's first page.</summary>
    public string? Description { get; init; }

    /// <summary>Where the data came from when the lab did not produce it (the reference run: the 2023 report).</summary>
    public string? Provenance { get; init; }

    /// <summary>The VmLab version (git commit) that ran the lab.</summary>
    public string? VmlabVersion { get; init; }

    /// <summary>The scenarios of the run (see docs/CONTRACTS.md), in the order the report presents them.</summary>
    public IReadOnlyList<ScenarioInfo> Scenarios { get; init; } = [];

    /// <summary>
    /// The comparisons the report makes. Empty means the contract's four questions (Q1 baseline vs guest-up,
    /// Q2 baseline vs guest-thp-never, Q3 baseline vs guest-vhost-off, Q4 host vs baseline).
    /// </summary>
    public IReadOnlyList<ComparisonSpec> Comparisons { get; init; } = [];

    /// <summary>Per-layer environment: L0, L1, L2.</summary>
    public IReadOnlyList<LayerEnvironment> Layers { get; init; } = [];

    /// <summary>Kernel and rootfs artifacts: content keys and sha256s.</summary>
    public IReadOnlyList<ArtifactRecord> Artifacts { get; init; } = [];

    /// <summary>Downloaded sources, with the fallback used when the default could not be reached.</summary>
    public IReadOnlyList<SourceRecord> Sources { get; init; } = [];

    /// <summary>Tool name → version (qemu, gcc, mmdebstrap, …), ordinal-sorted in the JSON.</summary>
    public IReadOnlyDictionary<string, string> Tools { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>When the run started (UTC); null for imported data.</summary>
    public DateTimeOffset? StartedUtc { get; init; }

    /// <summary>When the run ended (UTC); null while it is still running or for imported data.</summary>
    public DateTimeOffset? EndedUtc { get; init; }

    /// <summary>The vCPU rule pCPU(L0) &gt; vCPU(L1) &gt; vCPU(L2) as checked for this run; null when unknown.</summary>
    public VcpuRule? VcpuRule { get; init; }

    /// <summary>ab: the size of the document the server should serve, when known (a different length is invalid).</summary>
    public long? AbExpectedDocumentLength { get; init; }

    /// <summary>Anything else the reader must know, one sentence each (shown on the first page).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The command that reproduces this run.</summary>
    public string? ReproduceCommand { get; init; }

    /// <summary>The seed of the run's order (repeat blocks, each a permutation of the scenarios); null for imported data.</summary>
    public ulong? Seed { get; init; }

    /// <summary>The planned order, one line per repeat block ("block 1: host, baseline, …"); units.json keeps the order boots really ran in.</summary>
    public IReadOnlyList<string> Order { get; init; } = [];

    /// <summary>Each suite as the lab ran it: its exact command and where it ran.</summary>
    public IReadOnlyList<SuiteInfo> Suites { get; init; } = [];

    /// <summary>Versions of the software that ran in each place (kernel, QEMU, gcc, netperf, apache2, rt-tests, ...).</summary>
    public IReadOnlyList<SoftwareVersion> Software { get; init; } = [];

    /// <summary>L0 as the run saw it: virtualised or not, THP, load average at start and end.</summary>
    public L0State? L0 { get; init; }

    /// <summary>The profile's noise settings the run used (quiet gate, disturbed-unit threshold, probe sizes); null in older runs.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public VmLab.Lab.Noise.NoiseSettings? Noise { get; init; }

    /// <summary>
    /// What the profile declared, before the run, about reading its comparisons (equivalence margin, probe covariate);
    /// null in runs made before such declarations, which then never call a comparison equivalent.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public VmLab.Statistics.AnalysisPlan? Analysis { get; init; }

    /// <summary>
    /// A precision run's stopping rule (declared at its start), every interim look and the reason it stopped
    /// (docs/PRECISION.md); absent from runs of a fixed number of blocks.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public VmLab.Lab.Plan.PrecisionRecord? Precision { get; init; }

    /// <summary>In a shard's run directory: which part of which run it holds (absent from unsharded runs).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public ShardOf? Shard { get; init; }

    /// <summary>In a run merged from shards (<c>vmlab merge</c>): every shard it holds, with its machine's facts and times.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ShardRecord>? Shards { get; init; }

    /// <summary>In a partial merge (<c>--allow-missing</c>): the shards (<c>K/N</c>) that are not in it.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? MissingShards { get; init; }
}

/// <summary>The part of a sharded run one shard's run directory holds.</summary>
/// <param name="RunId">The run the shard belongs to (its directory is this plus <c>-shard-K</c>).</param>
/// <param name="Index">K, from 1.</param>
/// <param name="Count">N, the run's shard count.</param>
/// <param name="Grain"><c>block</c> (whole repeat blocks) or <c>unit</c> (consecutive units of the seeded order).</param>
/// <param name="Blocks">The repeat blocks its units belong to.</param>
/// <param name="Units">Its units (<c>scenario/suite/repeat</c>) in execution order.</param>
/// <param name="EstimateSeconds">The plan's estimate of its job.</param>
public sealed record ShardOf(string RunId, int Index, int Count, string Grain, IReadOnlyList<int> Blocks, IReadOnlyList<string> Units, double EstimateSeconds);

/// <summary>One shard of a merged run: what it held, its boots as renumbered in the merged run, its machine and times.</summary>
/// <param name="Directory">The shard's own run id (its directory name).</param>
/// <param name="Boots">Its boots' numbers in the merged run (consoles and units.json renumbered to keep them unique).</param>
/// <param name="L0">Its L0 layer (CPU model, kernel, CPUs, memory) as its manifest recorded it.</param>
/// <param name="L0State">Its L0's virtualisation, THP and load at start and end.</param>
public sealed record ShardRecord(
    int Index,
    string Directory,
    IReadOnlyList<int> Blocks,
    IReadOnlyList<string> Units,
    IReadOnlyList<int> Boots,
    DateTimeOffset? StartedUtc,
    DateTimeOffset? EndedUtc,
    double EstimateSeconds,
    LayerEnvironment? L0,
    L0State? L0State)
{
    /// <summary><c>K/N</c>.</summary>
    public string Id(int count) => $"{Index}/{count}";
}

/// <summary>One suite as the lab ran it.</summary>
/// <param name="Id">The suite id (folder under raw/&lt;scenario&gt;/).</param>
/// <param name="Command">The exact command; <c>SERVER</c> stands for the measured system's address, <c>CPUS</c> for its CPU count.</param>
/// <param name="RunsOn">Where it runs, e.g. "L0 client → server in the measured system" or "in the measured system".</param>
public sealed record SuiteInfo(string Id, string Command, string RunsOn);

/// <summary>A piece of software and its version where it ran (e.g. netperf in L0's client root, apache2 in the guest image).</summary>
public sealed record SoftwareVersion(string Name, string Where, string Version);

/// <summary>L0's state around the run: what could make its numbers move besides the factors.</summary>
/// <param name="Virtualization">What L0 itself runs on (<c>none</c> for bare metal, else the hypervisor), from /proc/cpuinfo and DMI.</param>
/// <param name="Thp">L0's <c>/sys/kernel/mm/transparent_hugepage/enabled</c>.</param>
/// <param name="LoadAtStart">/proc/loadavg when the run (or this part of it) started.</param>
/// <param name="LoadAtEnd">/proc/loadavg when it ended; null while running.</param>
public sealed record L0State(string? Virtualization, string? Thp, string? LoadAtStart, string? LoadAtEnd)
{
    /// <summary>sha256 of L0's /etc/machine-id, first 16 hex digits (which machine, without its id); null in older runs.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? MachineId { get; init; }

    /// <summary>L0's kernel.sched_autogroup_enabled (on: nice does not shield the lab); null when unknown or in older runs.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public bool? Autogroup { get; init; }

    /// <summary>What sampling L0's counters cost, as a share of one CPU over the run; null when not measured.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public double? SamplingCost { get; init; }
}

/// <summary>Where a scenario's network suites ran: the client's layer and the server's (the vantage point).</summary>
public sealed record NetworkLayout(string Client, string Server);

/// <summary>One scenario: the system measured and the factor settings.</summary>
/// <param name="Id">The scenario id, the directory name under raw/ (e.g. <c>baseline</c>).</param>
/// <param name="Description">What it is in the study's words.</param>
/// <param name="System">The system measured: <c>L1</c> (KVM host) or <c>L2</c> (guest).</param>
/// <param name="L2Vcpus">The guest's vCPUs; null for the host scenario.</param>
/// <param name="Thp">L1's transparent_hugepage mode (<c>always</c>, <c>never</c>).</param>
/// <param name="Vhost">vhost on L2's tap netdev (<c>on</c>, <c>off</c>); null for the host scenario.</param>
/// <param name="Source">Where its raw data came from, when imported (e.g. seed line ranges).</param>
public sealed record ScenarioInfo(
    string Id, string Description, string System, int? L2Vcpus, string? Thp, string? Vhost, string? Source = null)
{
    /// <summary>Where its network suites' client and server ran; null for imported data.</summary>
    public NetworkLayout? Network { get; init; }
}

/// <summary>A comparison the report makes: B against A, one factor varied.</summary>
/// <param name="Question">The study question: <c>Q1</c> … <c>Q4</c>.</param>
/// <param name="Title">The section title, e.g. "SMP (2 vCPU) vs UP (1 vCPU)".</param>
/// <param name="A">The reference scenario id (ratios are B/A).</param>
/// <param name="B">The scenario id compared with it.</param>
/// <param name="Factor">The factor varied, in words.</param>
public sealed record ComparisonSpec(string Question, string Title, string A, string B, string Factor);

/// <summary>One layer's environment as the lab saw it.</summary>
/// <param name="Layer"><c>L0</c>, <c>L1</c> or <c>L2</c>.</param>
/// <param name="Role">What it is, e.g. "QEMU/TCG on the build machine", "arm64 KVM host".</param>
/// <param name="Cpus">CPUs (L0) or vCPUs (L1, L2).</param>
/// <param name="MemoryMb">Memory in MiB.</param>
/// <param name="Uname"><c>uname -a</c>.</param>
/// <param name="Cmdline"><c>/proc/cmdline</c>.</param>
/// <param name="Thp">transparent_hugepage/enabled as read.</param>
/// <param name="Cpu">The CPU model (L0 lscpu), when known.</param>
public sealed record LayerEnvironment(
    string Layer, string Role, int? Cpus, long? MemoryMb, string? Uname = null, string? Cmdline = null, string? Thp = null, string? Cpu = null);

/// <summary>A built artifact the run used.</summary>
/// <param name="Name">e.g. <c>kernel/host/Image</c>, <c>rootfs/guest.img</c>.</param>
/// <param name="Key">The content key of the stage that built it.</param>
/// <param name="Sha256">The file's sha256.</param>
public sealed record ArtifactRecord(string Name, string Key, string Sha256);

/// <summary>A source download and whether a fallback replaced the default.</summary>
/// <param name="Name">What it is, e.g. "linux 5.15.y".</param>
/// <param name="Url">Where it was actually taken from.</param>
/// <param name="Sha256">Its verified sha256.</param>
/// <param name="Fallback">Null when the default source was used; otherwise what replaced it and why.</param>
public sealed record SourceRecord(string Name, string Url, string? Sha256, string? Fallback = null);

/// <summary>The vCPU rule check: pCPU(L0) &gt; vCPU(L1) &gt; vCPU(L2).</summary>
public sealed record VcpuRule(int L0Cpus, int L1Vcpus, int L2Vcpus)
{
    /// <summary>True when the rule holds; when it does not, every result of the run is overcommitted.</summary>
    public bool Met => L0Cpus > L1Vcpus && L1Vcpus > L2Vcpus;
}
