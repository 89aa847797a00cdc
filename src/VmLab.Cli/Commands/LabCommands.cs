using System.ComponentModel;
using System.Globalization;
using System.Runtime.InteropServices;
using CliWrap.Buffered;
using CliWrap;
using Spectre.Console.Cli;
using Spectre.Console;
using VmLab.Common;
using VmLab.Lab.Artifacts;
using VmLab.Lab.Ledger;
using VmLab.Lab.Network;
using VmLab.Lab.Noise;
using VmLab.Lab.Plan;
using VmLab.Lab.Vm;
using VmLab.Lab;

namespace VmLab.CommandLine.Commands;

/// <summary>
/// The help text of <c>--suite</c>: the output ids a boot runs ("netperf-stream, netperf-rr, ab, hackbench, ..."), from
/// the registry with the repository's default profile when the help is shown, so a new suite appears without an edit
/// here. Outside a checkout no profile can be read, and the text says where the ids are listed.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class LabSuiteIdsDescriptionAttribute : DescriptionAttribute
{
    public override string Description
    {
        get
        {
            try
            {
                var suites = LabProfiles.Load(RepoPaths.Find(), new LabPlanSettings().Profile).Suites;
                return $"Only this suite (repeatable): {string.Join(", ", suites.Select(s => s.Id))}.";
            }
            catch (LabException)
            {
                return "Only this suite (repeatable): one of the ids on the Suites line of vmlab lab plan.";
            }
        }
    }
}

/// <summary>Options shared by <c>vmlab lab plan</c> and <c>vmlab lab run</c>: what to run and on how much machine.</summary>
internal partial class LabPlanSettings : CommandSettings
{
    [CommandOption("--profile <NAME>")]
    [Description("Profile from lab/profiles.json: smoke, quick (default) or full.")]
    public string Profile { get; init; } = "quick";

    [CommandOption("--scenario <ID>")]
    [Description("Only this scenario (repeatable): baseline, guest-up, guest-thp-never, guest-vhost-off, host.")]
    public string[]? Scenarios { get; init; }

    [CommandOption("--suite <ID>")]
    [LabSuiteIdsDescription]
    public string[]? Suites { get; init; }

    [CommandOption("--l1-cpus <N>")]
    [Description("Override L1's vCPUs (the vCPU rule is still checked and recorded).")]
    [TypeConverter(typeof(L1CpusOption))]
    public int? L1Cpus { get; init; }

    [CommandOption("--l2-cpus <N>")]
    [Description("Override the SMP guest's vCPUs (default: the study's 2).")]
    [TypeConverter(typeof(L2CpusOption))]
    public int? L2Cpus { get; init; }

    [CommandOption("--l1-memory <MIB>")]
    [TypeConverter(typeof(L1MemoryOption))]
    public long? L1MemoryMiB { get; init; }

    [CommandOption("--l2-memory <MIB>")]
    [TypeConverter(typeof(L2MemoryOption))]
    public long? L2MemoryMiB { get; init; }

    [CommandOption("--seed <N>")]
    [Description("Seed of the run order (repeat blocks, each a random permutation of the scenarios); default: a new random seed, recorded in manifest.json.")]
    [TypeConverter(typeof(SeedOption))]
    public ulong? Seed { get; init; }

    [CommandOption("--run-id <ID>")]
    [Description("The run's id (its directory under results/); a sharded run's shards go to <ID>-shard-K. Default: UTC time and profile, or for shards seed-<seed>-<profile>.")]
    public string? RunId { get; init; }

    [CommandOption("--shards <N>")]
    [Description("plan: split the run into N shards (whole repeat blocks; single units when N exceeds the blocks) and print the shard matrix.")]
    [TypeConverter(typeof(ShardsOption))]
    public int? Shards { get; init; }

    [CommandOption("--job-limit <DURATION>")]
    [Description("plan --shards: refuse a split whose shards cannot fit a job this long (default 5h30m, under GitHub's 6 h).")]
    public string JobLimit { get; init; } = "5h30m";

    [CommandOption("--json")]
    [Description("plan --shards: print the shard matrix as JSON (what the reproduce workflow reads).")]
    public bool Json { get; init; }

    [CommandOption("--runner <LABEL>")]
    [Description("plan --shards: the lab jobs' runner label; a GitHub-hosted one (ubuntu-*, …) refuses a --job-limit over 6h.")]
    public string? Runner { get; init; }

    public RunPlan Plan(RepoPaths paths)
    {
        if (RunId is not null)
        {
            LabStart.CheckRunId("--run-id", RunId);
        }

        var profile = LabProfiles.Load(paths, Profile);
        var topology = Topology.Choose(MachineCapacity.OfThisMachine(), profile.GuestMemoryMiB, new TopologyOverrides(L1Cpus, L2Cpus, L1MemoryMiB, L2MemoryMiB));
        return RunPlan.Of(profile, topology, Scenarios is { Length: > 0 } ? Scenarios : null, Suites is { Length: > 0 } ? Suites : null, Seed);
    }
}

/// <summary><c>vmlab lab plan</c>: prints the plan and its estimate, runs nothing.</summary>
internal sealed class LabPlanCommand : Command<LabPlanSettings>
{
    public override int Execute(CommandContext context, LabPlanSettings settings, CancellationToken cancellationToken)
    {
        var plan = settings.Plan(VmlabEnvironment.FromProcess().Repo());
        if (settings.Pilot is not null)
        {
            return PrecisionPlanning.PrintPilot(plan, settings);
        }

        if (settings.Shards is not null)
        {
            return Sharding.PrintPlan(plan, settings);
        }

        plan = plan.WithPrecision(PrecisionPlanning.RuleOf(settings, plan));
        Console.WriteLine(plan.Describe(plan.Boots(_ => true), 0));
        return 0;
    }
}

/// <summary><c>vmlab lab run</c>: runs (or resumes) a lab run into results/&lt;run-id&gt;/.</summary>
internal sealed class LabRunCommand : AsyncCommand<LabRunCommand.Settings>
{
    public sealed class Settings : LabPlanSettings
    {
        [CommandOption("--resume <RUN_ID>")]
        [Description("Continue this run: finished units are kept, the rest run.")]
        public string? Resume { get; init; }

        [CommandOption("--results <DIR>")]
        [Description("Where run directories go (default: results/).")]
        public string? Results { get; init; }

        [CommandOption("--retry-failed")]
        [Description("With --resume: run failed units again too.")]
        public bool RetryFailed { get; init; }

        [CommandOption("--kernel-dir <DIR>")]
        [Description("Kernel artifacts folder holding host/Image and guest/Image (default: the current kernel key's, vmlab artifacts keys).")]
        public string? KernelDir { get; init; }

        [CommandOption("--rootfs-dir <DIR>")]
        [Description("Rootfs artifacts folder holding host.img and guest.img (default: the current image keys', vmlab artifacts keys).")]
        public string? RootfsDir { get; init; }

        [CommandOption("--kernbench-source <PATH>")]
        [Description("Kernel source tarball or folder for kernbench (default: the source the kernels were built from).")]
        public string? KernbenchSource { get; init; }

        [CommandOption("--kernel-base <BASE>")]
        [Description("The base the kernels were built on (as given to vmlab kernel build): part of the kernel key booted.")]
        [DefaultValue(VmLab.Kernel.KernelBase.Allnoconfig)]
        public VmLab.Kernel.KernelBase KernelBase { get; init; } = VmLab.Kernel.KernelBase.Allnoconfig;

        [CommandOption("--kernel-source <FILE>")]
        [Description("The local kernel tarball the kernels were built from, if any (with --kernel-sha256): part of the kernel key booted.")]
        public string? KernelSource { get; init; }

        [CommandOption("--kernel-sha256 <HEX>")]
        public string? KernelSha256 { get; init; }

        public override ValidationResult Validate() =>
            (KernelSource is null) != (KernelSha256 is null) ? ValidationResult.Error("--kernel-source and --kernel-sha256 go together") : base.Validate();

        [CommandOption("--initrd <FILE>")]
        [Description("Boot L1 with this initramfs (probing a kernel and the protocol without a rootfs image).")]
        public string? Initrd { get; init; }

        [CommandOption("--no-counters"), Description("Read no counters at the units' edges (docs/PROTOCOL.md, \"Counters\"): to measure what reading them costs.")]
        public bool NoCounters { get; init; }

        [CommandOption("--require-quiet")]
        [Description("Stop the run (resumable) instead of starting a boot on a busy L0 once the quiet gate has waited its limit (lab/profiles.json noise.quietWaitSeconds).")]
        public bool RequireQuiet { get; init; }

        [CommandOption("--shard <K/N>")]
        [Description("Run only shard K of N (needs --seed; --run-id or the default seed-<seed>-<profile>) into results/<run-id>-shard-K/.")]
        public string? Shard { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var paths = VmlabEnvironment.FromProcess().Repo();
        var (plan, runId, runDirectory, artifacts, clientRoot, precision) = await CheckStartAsync(paths, settings, cancellationToken);

        var live = LiveProgress.Wanted ? new LiveProgress(AnsiConsole.Console) : null;
        var output = live?.Lines ?? new ProgressWriter(Console.Out);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Ctrl-C reaches vmlab through Spectre; SIGTERM and a build that died under us (kill -INT of the Cake
        // process leaves vmlab orphaned) must stop the VM too, or a resumed run would race the old one.
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var orphan = ParentWatch.Start(stop);
        // The run's own directory, and what runs share under artifacts/ (payload staging, boot disks, stage builds).
        using var runLock = DirectoryLock.Take(runDirectory, $"Run {runId}");
        using var artifactsLock = paths.LockArtifacts();

        var work = Path.Combine(paths.Artifacts, "lab", "runs", runId);
        var payload = await artifacts.PayloadDiskAsync(paths, Path.Combine(work, "payload.log"), stop.Token);
        // The network clients' side: a namespace of this run's own, removed at the end (a killed run's by the next sweep).
        await using var network = await ClientNetwork.CreateAsync(runId, clientRoot.RootDirectory, new ClientNetworkOptions { Log = output.WriteLine }, stop.Token);
        var launcher = new QemuL1Launcher(artifacts, payload, plan.Topology) { Initrd = settings.Initrd, Network = (network.Name, network.Tap) };
        // What else uses L0, sampled from now to the end of the run (issue "Noise you can see"): the quiet gate, the probes,
        // each unit's interference.
        await using var monitor = L0Monitor.Start();
        var resume = $"./build.sh --target=Lab --profile={plan.Profile.Name} --resume={runId}{(plan.Shard is { } s ? $" --seed={plan.Order.Seed} --run-id={s.RunId} --shard={s.Index}/{s.Count}" : "")}";
        var run = new VmLab.Results.RunDirectory(runDirectory);
        var manifest = default(Func<DateTimeOffset?, VmLab.Results.Manifest>);
        var runner = new LabRunner(plan, new RunSettings(runId, runDirectory, work, settings.RetryFailed) { Paths = paths, Counters = !settings.NoCounters }, launcher, output, network)
        {
            Progress = live,
            Noise = new NoiseWatch(monitor, plan.Profile.Noise, settings.RequireQuiet),
            ResumeCommand = resume,
            // A precision run: each look reads the run directory as it stands and is appended to the manifest at once.
            Looker = precision is null ? null : () => VmLab.Report.RunDecisions.Look(run, precision.Rule),
            AfterLook = () => run.WriteManifest(manifest!(null)),
            EarlierLooks = precision?.Looks ?? [],
        };
        var previous = RunLedger.Load(runDirectory) is { } ledger && File.Exists(run.ManifestPath) ? (Ledger: ledger, Manifest: run.ReadManifest()) : default;
        manifest = await ManifestOfAsync(paths, artifacts, clientRoot, runner, monitor, previous.Manifest, stop.Token);
        LabManifest.CopyKernelConfigs(run, artifacts);
        run.WriteManifest(manifest(null));
        try
        {
            await (live is null ? runner.RunAsync(stop.Token) : live.RunAsync(() => runner.RunAsync(stop.Token)));
        }
        catch (OperationCanceledException)
        {
            run.WriteManifest(manifest(null));
            output.WriteLine($"vmlab: run {runId} interrupted; every finished unit is saved in {paths.Shown(runDirectory)}.");
            output.WriteLine($"  next: {resume}");
            return 130;
        }
        catch (LabException)
        {
            run.WriteManifest(manifest(null)); // e.g. --require-quiet on a busy L0: the run stops resumable, its manifest current
            throw;
        }

        // Resuming a finished run boots nothing: it refreshes the manifest but keeps the run's own end.
        var ended = runner.Ledger.LastBoot == previous.Ledger?.LastBoot && previous.Manifest?.EndedUtc is { } end ? end : DateTimeOffset.UtcNow;
        run.WriteManifest(manifest(ended));
        // The next stage (Report) finds the run it should render here when no --run is given.
        AtomicFile.WriteAllText(paths.LastRun, runDirectory + "\n");
        output.WriteLine($"vmlab: run directory {paths.Shown(runDirectory)}");
        return 0;
    }

    /// <summary>
    /// Everything checked before anything is written: the options, the artifacts, and the run resumed (its ledger,
    /// profile, seed and kernel) or the new run's directory being free. A refused start changes no file.
    /// </summary>
    private static async Task<(RunPlan Plan, string RunId, string RunDirectory, LabArtifacts Artifacts, ClientRootArtifact ClientRoot, PrecisionRecord? Precision)> CheckStartAsync(
        RepoPaths paths, Settings settings, CancellationToken cancellationToken)
    {
        var plan = settings.Plan(paths);
        var shardRunId = default(string);
        if (settings.Shards is not null)
        {
            throw new LabException("lab run takes --shard K/N (one shard), not --shards N.", "see the shards with: vmlab lab plan --profile P --shards N --seed S, then run each with --shard K/N --seed S");
        }

        if (settings.Shard is { } shard)
        {
            (plan, shardRunId) = Sharding.ForShard(plan, settings, shard);
        }

        var runId = settings.Resume is not null || (shardRunId ?? settings.RunId) is null
            ? LabStart.RunId(settings.Resume, DateTimeOffset.UtcNow, plan.Profile.Name)
            : (shardRunId ?? settings.RunId)!;
        if (shardRunId is not null && runId != shardRunId)
        {
            throw new LabException($"--resume {runId} is not shard {settings.Shard}'s run directory ({shardRunId}).", $"resume it with --resume={shardRunId}");
        }

        var runDirectory = LabStart.RunDirectoryOf(paths, settings.Results, runId);
        var precision = LabStart.Precision(runDirectory, settings.Resume is not null, PrecisionPlanning.RuleOf(settings, plan, settings.Shard));
        plan = plan.WithPrecision(precision?.Rule);
        var kernelSource = settings.KernelSource is { } file ? new VmLab.Sources.LocalSource(file, settings.KernelSha256!.ToLowerInvariant()) : null;
        var keys = await StageKeys.ComputeAsync(paths, settings.KernelBase, kernelSource, cancellationToken);
        var artifacts = LabArtifacts.Locate(paths, keys, settings.KernelDir, settings.RootfsDir, settings.KernbenchSource);
        var clientRoot = ClientRootArtifact.Locate(paths);
        plan = LabStart.Check(runDirectory, settings.Resume is not null, plan, settings.Seed, artifacts);
        return (plan, runId, runDirectory, artifacts, clientRoot, precision);
    }

    /// <summary>
    /// The run's manifest as <paramref name="runner"/>'s ledger stands, given its end (null: not ended). L0's facts
    /// are gathered once; a resumed run (<paramref name="previous"/>) keeps its first start and the load at it.
    /// </summary>
    private static async Task<Func<DateTimeOffset?, VmLab.Results.Manifest>> ManifestOfAsync(
        RepoPaths paths, LabArtifacts artifacts, ClientRootArtifact clientRoot, LabRunner runner, L0Monitor monitor, VmLab.Results.Manifest? previous, CancellationToken cancellationToken)
    {
        var l0 = await L0Facts.GatherAsync(paths, cancellationToken);
        if (l0.AutogroupWarning is { } autogroup)
        {
            Console.Out.WriteLine($"vmlab: {autogroup}.");
        }

        l0 = l0 with { Load = previous?.L0?.LoadAtStart ?? l0.Load };
        var provenance = ArtifactProvenance.Read(artifacts).ShownBy(paths);
        var client = clientRoot.PackageVersions.Select(p => new VmLab.Results.SoftwareVersion(p.Key, $"L0 client root ({clientRoot.Metadata.Architecture}, chroot in the lab's network namespace)", p.Value)).ToList();
        var started = previous?.StartedUtc ?? DateTimeOffset.UtcNow;
        return ended => LabManifest.Build(runner.Plan, artifacts, provenance, l0, runner.Ledger, started, ended, client,
            ended is null ? null : L0Facts.LoadNow(), ended is null ? null : Math.Round(monitor.SamplingCost, 5), runner.Precision);
    }
}

/// <summary><c>vmlab lab repair &lt;run-dir&gt;</c>: rebuilds a damaged units.json from raw/ and the console markers, running nothing.</summary>
internal sealed class LabRepairCommand : Command<LabRepairCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<run-dir>")]
        [Description("The run directory, e.g. results/2026-11-29T0447Z-smoke.")]
        public string RunDir { get; init; } = "";

        [CommandOption("--force")]
        [Description("Rebuild units.json even when it is readable (the old one is kept beside it).")]
        public bool Force { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var run = new VmLab.Results.RunDirectory(settings.RunDir);
        var (ledger, mismatches, kept) = LedgerRepair.Repair(run, settings.Force, DateTimeOffset.UtcNow);
        var done = ledger.Units.Count(u => u.Value.State == UnitState.Done);
        var unwitnessed = ledger.Units.Count(u => u.Value.Rebuilt == Witness.None);
        Console.Out.WriteLine($"{Path.Combine(run.Path, RunLedger.FileName)}: rebuilt from raw/ and the console logs: {ledger.Units.Count} units ({done} done), last boot {ledger.LastBoot}" +
                              (kept is null ? "." : $"; the replaced one is kept as {kept}."));
        foreach (var mismatch in mismatches)
        {
            Console.Error.WriteLine($"vmlab: {mismatch}");
        }

        if (unwitnessed > 0)
        {
            Console.Error.WriteLine($"vmlab: {unwitnessed} unit(s) had no record of their sha256 before the repair (no console block, units.json or results.json): they are unverified and their verdicts inconclusive");
        }

        Console.Out.WriteLine($"  next: vmlab parse-run {run.Path}, or resume the run to run the units it lacks: --resume={run.RunId}");
        return 0;
    }
}
