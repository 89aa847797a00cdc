using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using VmLab.Common;
using VmLab.Suites;

namespace VmLab.Lab;

/// <summary>Where a run keeps what it needs beside its results, and how it treats units that failed before.</summary>
/// <param name="RunDirectory">results/&lt;run-id&gt;: raw/, units.json, manifest.json.</param>
/// <param name="WorkDirectory">Per-boot disks and job folders (artifacts/lab/runs/&lt;run-id&gt;): big, never committed.</param>
/// <param name="RetryFailed">Run failed units again on resume (default: a failure is a result, kept).</param>
public sealed record RunSettings(string RunId, string RunDirectory, string WorkDirectory, bool RetryFailed = false)
{
    /// <summary>How long a VM may take to power off after DONE before it is stopped (it has reported everything by then).</summary>
    public TimeSpan PoweroffGrace { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>Starts one L1 boot: the seam between the runner's bookkeeping and a real (or, in tests, fake) VM.</summary>
public interface IL1Launcher
{
    /// <summary>The command that boots L1 for <paramref name="boot"/> with its job disk and scratch disks.</summary>
    CliWrap.Command Command(Boot boot, string jobImage, string l1Scratch, string l2Scratch);
}

/// <summary>
/// The real launcher: QEMU/TCG with EL2 (virtualization=on), the host kernel and image, the lab's disks, and one NIC
/// on a tap in L0's private network namespace (the network clients' side; docs/PROTOCOL.md, "Network suites").
/// </summary>
public sealed record QemuL1Launcher(LabArtifacts Artifacts, string PayloadImage, Topology Topology) : IL1Launcher
{
    /// <summary>L1's NIC's MAC address (L2's is <see cref="TapNetwork"/>'s default).</summary>
    public const string L1Mac = "52:54:00:12:34:01";

    /// <summary>An initramfs to boot L1 with (probes only; a real run boots the host image's own init).</summary>
    public string? Initrd { get; init; }

    /// <summary>The network namespace QEMU runs in and its tap; null boots L1 without a NIC (probes, tests).</summary>
    public (string Namespace, string Tap)? Network { get; init; }

    /// <summary>L1's command line for <paramref name="boot"/> (also what the snapshot tests check).</summary>
    public QemuCommand For(Boot boot, string jobImage, string l1Scratch, string l2Scratch) =>
        new QemuCommand()
            .WithMachine("virt,gic-version=2,virtualization=on")
            .WithCpu("cortex-a57")
            .WithAccelerator("tcg,thread=multi")
            .WithCpus(Topology.L1Cpus)
            .WithMemory(Topology.L1MemoryMiB)
            .WithKernel(Artifacts.HostKernel, JobScript.KernelCommandLine)
            .WithInitrd(Initrd)
            .WithDisk(Artifacts.HostImage, DiskMode.Snapshot)
            .WithDisk(jobImage, DiskMode.ReadOnly)
            .WithDisk(PayloadImage, DiskMode.ReadOnly)
            .WithDisk(l1Scratch, DiskMode.Writable)
            .WithDisk(l2Scratch, DiskMode.Writable)
            // vhost=off: L1 is emulated, its NIC's data path is QEMU's on L0 either way; the Q3 factor is L2's vhost in L1.
            .WithNetwork(Network is { } n ? new TapNetwork(n.Tap, Vhost: false, L1Mac) : null);

    /// <summary>
    /// QEMU under <c>setsid</c> (which execs it, so the PID is QEMU's): in its own session it does not get the SIGINT
    /// of a Ctrl-C. vmlab must see the interruption first and stop the VM itself, otherwise QEMU would die on the
    /// signal and its units would look failed rather than interrupted (and not run again on resume). With a network,
    /// <c>ip netns exec</c> (which execs too) puts QEMU in the namespace where its tap is.
    /// </summary>
    public CliWrap.Command Command(Boot boot, string jobImage, string l1Scratch, string l2Scratch)
    {
        var qemu = For(boot, jobImage, l1Scratch, l2Scratch);
        string[] inNamespace = Network is { } n ? ["ip", "netns", "exec", n.Namespace] : [];
        return ShellWord.Prefix(qemu.ToCliWrap(), ["setsid", .. inNamespace]);
    }
}

/// <summary>Where a run stands: boots and units done of this start's, the time so far and the estimate of the rest.</summary>
/// <param name="Current">The boot running now (scenario and block), or null between boots.</param>
public sealed record LabProgress(int BootsDone, int Boots, int UnitsDone, int UnitsTotal, TimeSpan Elapsed, TimeSpan Eta, string? Current);

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

/// <summary>
/// Drives a run: one L1 boot per scenario and repeat with pending units, in the plan's seeded block order; saves
/// every unit the moment it arrives (raw file atomically, then the ledger); runs the network clients on L0 when the
/// VM says its servers are up (<see cref="ServeEvent"/>) and lets the VM go on afterwards; kills hung or crashed VMs
/// and records their units as failed with the console's tail; keeps going to the end; on Ctrl-C, kills the VM,
/// leaves its unfinished units pending and saves the ledger, so <c>--resume</c> continues exactly there.
/// </summary>
public sealed partial class LabRunner(RunPlan plan, RunSettings settings, IL1Launcher launcher, TextWriter output, INetworkClient? client = null)
{
    private readonly SemaphoreSlim _recording = new(1, 1);
    private readonly RunSettings _settings = settings;
    private readonly INetworkClient? _client = client;
    private RunPlan _plan = plan;
    private RunLedger _ledger = RunLedger.Empty(settings.RunId, plan.Profile.Name) with { Order = plan.Order };

    /// <summary>The ledger as it stands (after <see cref="RunAsync"/>: the run's final state).</summary>
    public RunLedger Ledger => _ledger;

    /// <summary>The plan as run: a resumed run's plan carries the order its ledger recorded.</summary>
    public RunPlan Plan => _plan;

    /// <summary>Gets the run's progress before each boot and after it (a live display); the log lines are written anyway.</summary>
    public IProgress<LabProgress>? Progress { get; init; }

    /// <summary>The boots still to run, numbered after the ledger's last boot.</summary>
    public IReadOnlyList<Boot> PendingBoots() =>
        _plan.Boots(u => _ledger.IsPending(u, _settings.RunDirectory, _settings.RetryFailed), _ledger.LastBoot + 1);

    /// <summary>Runs every pending unit. Returns the ledger; throws <see cref="OperationCanceledException"/> on Ctrl-C after saving.</summary>
    public async Task<RunLedger> RunAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_settings.RunDirectory);
        _ledger = RunLedger.Load(_settings.RunDirectory) ?? _ledger;
        if (_ledger.Profile != _plan.Profile.Name)
        {
            throw new LabException(
                $"Run {_settings.RunId} was started with profile '{_ledger.Profile}', not '{_plan.Profile.Name}'.",
                $"resume it with --profile={_ledger.Profile}, or start a new run");
        }

        // A resumed run keeps the order it started with; a ledger older than the order gets this plan's.
        _plan = _ledger.Order is { } recorded ? _plan.WithOrder(recorded) : _plan;
        _ledger = _ledger with { Order = _plan.Order };

        var boots = PendingBoots();
        var done = _plan.Units.Count(u => !_ledger.IsPending(u, _settings.RunDirectory, _settings.RetryFailed));
        Say(_plan.Describe(boots, done));
        var clock = Stopwatch.StartNew();
        var estimated = boots.Aggregate(TimeSpan.Zero, (t, b) => t + _plan.Estimate(b));
        var estimatedDone = TimeSpan.Zero;
        var eta = estimated;
        for (var i = 0; i < boots.Count; i++)
        {
            var boot = boots[i];
            Say($"boot {i + 1}/{boots.Count} (#{boot.Number}): block {boot.Repeat}, {boot.Scenario.Id}: {string.Join(", ", boot.Suites.Select(s => s.Id))}");
            Progress?.Report(Progressed(i, boots.Count, clock.Elapsed, eta, $"{boot.Scenario.Id}, block {boot.Repeat}"));
            await RunBootAsync(boot, cancellationToken);
            estimatedDone += _plan.Estimate(boot);
            eta = TimeSpan.FromSeconds((estimated - estimatedDone).TotalSeconds * (clock.Elapsed / estimatedDone));
            var progress = Progressed(i + 1, boots.Count, clock.Elapsed, eta, null);
            Progress?.Report(progress);
            Say($"progress: {i + 1}/{boots.Count} boots, {progress.UnitsDone}/{progress.UnitsTotal} units, elapsed {RunPlan.FormatDuration(clock.Elapsed)}, ETA {RunPlan.FormatDuration(eta)}");
        }

        var failed = _ledger.Units.Count(u => u.Value.State == UnitState.Failed);
        Say($"run {_settings.RunId}: {_ledger.Units.Count} units recorded ({failed} failed) in {RunPlan.FormatDuration(clock.Elapsed)}; results in {_settings.RunDirectory}");
        return _ledger;
    }

    private LabProgress Progressed(int bootsDone, int boots, TimeSpan elapsed, TimeSpan eta, string? current) =>
        new(bootsDone, boots, _plan.Units.Count(u => _ledger[u] is not null), _plan.Units.Count(), elapsed, eta, current);

    private async Task RunBootAsync(Boot boot, CancellationToken cancellationToken)
    {
        _ledger = _ledger.WithBoot(boot.Number);
        await _ledger.SaveAsync(_settings.RunDirectory, CancellationToken.None);
        var disks = await BootDisks.BuildAsync(Path.Combine(_settings.WorkDirectory, $"boot-{boot.Number}"), JobScript.ForL1(boot, _plan.Topology, _plan.Profile), cancellationToken);
        var timeline = new BootTimeline();
        var session = new BootSession(this, boot, timeline);
        BootOutcome outcome;
        try
        {
            outcome = await VmBoot.RunAsync(
                launcher.Command(boot, disks.Job, disks.L1Scratch, disks.L2Scratch), session.ConsolePath, BootBudget.Of(_plan.Profile, boot) with { AfterDone = _settings.PoweroffGrace },
                e => session.OnEventAsync(e, ""), cancellationToken, session.Input, timeline);
            await session.ClientsFinishedAsync();
        }
        catch (OperationCanceledException)
        {
            await session.ClientsFinishedAsync();
            await _ledger.SaveAsync(_settings.RunDirectory, CancellationToken.None);
            Say($"interrupted during boot #{boot.Number}: its unfinished units stay pending; the console so far is {session.ConsolePath}");
            throw;
        }
        finally
        {
            disks.Delete();
        }

        _ledger = _ledger.With(boot.Number, new BootRecord(
            boot.Scenario.Id, boot.Repeat, outcome.End,
            Math.Round(outcome.Duration.TotalSeconds, 1),
            session.Facts.Where(f => !f.Key.StartsWith("l2: ", StringComparison.Ordinal)).ToDictionary(StringComparer.Ordinal),
            session.L2Facts) { Timeline = timeline.Marks });
        await _ledger.SaveAsync(_settings.RunDirectory, CancellationToken.None);
        SayTime(boot, outcome, timeline);
        await RecordUnreportedAsync(boot, outcome, session);
        await MarkInvalidAsync(boot);
    }

    /// <summary>The boot's time and its fixed cost (the time outside its units' own), then its time line, for the log.</summary>
    private void SayTime(Boot boot, BootOutcome outcome, BootTimeline timeline)
    {
        var units = _ledger.Units.Values.Where(u => u.Boot == boot.Number).Sum(u => u.Seconds ?? 0);
        Say(string.Create(CultureInfo.InvariantCulture,
            $"boot #{boot.Number}: {outcome.Duration.TotalSeconds:0.0} s, units {units:0.0} s, fixed cost {outcome.Duration.TotalSeconds - units:0.0} s; time line (s): {BootTimeline.Describe(timeline.Marks)}"));
    }

    /// <summary>Every unit of <paramref name="boot"/> without a record failed; says why, with the console's tail.</summary>
    private async Task RecordUnreportedAsync(Boot boot, BootOutcome outcome, BootSession session)
    {
        foreach (var suite in boot.Suites)
        {
            var unit = new LabUnit(boot.Scenario.Id, suite.Id, boot.Repeat);
            if (_ledger[unit] is null || _ledger[unit]!.Boot != boot.Number)
            {
                var reasons = new List<string> { outcome.FailureReason };
                if (session.TransferFailures.GetValueOrDefault(boot.UnitName(suite)) is { } transfer)
                {
                    reasons.Add(transfer);
                }

                reasons.Add($"console tail (raw/{boot.Scenario.Id}/console-{boot.Number}.log): " + string.Join(" | ", outcome.Tail.TakeLast(8)));
                await RecordAsync(unit, new UnitRecord(UnitState.Failed, boot.Number, null, null, null, reasons));
            }
        }

        if (!outcome.Succeeded)
        {
            Say($"boot #{boot.Number} failed: {outcome.FailureReason} (pid {outcome.Pid}); last console lines:\n  " + string.Join("\n  ", outcome.Tail.TakeLast(12)));
        }
    }

    /// <summary>
    /// The checks of the boot's consoles (findings, required facts, the factor in force), read back from the run
    /// directory exactly as <c>vmlab parse-run</c> reads them; a problem marks every unit the boot ran.
    /// </summary>
    private async Task MarkInvalidAsync(Boot boot)
    {
        var evidence = BootEvidence.Read(Path.Combine(_settings.RunDirectory, "raw", boot.Scenario.Id), boot.Number);
        var problems = evidence.Problems(ExpectedFactors.Of(boot.Scenario, _plan.Topology));
        if (problems.Count == 0)
        {
            return;
        }

        Say($"boot #{boot.Number}: units marked invalid: {string.Join("; ", problems)}");
        foreach (var suite in boot.Suites)
        {
            var unit = new LabUnit(boot.Scenario.Id, suite.Id, boot.Repeat);
            if (_ledger[unit] is { State: UnitState.Done } record && record.Boot == boot.Number)
            {
                await RecordAsync(unit, record with { Problems = [.. record.Problems, .. problems.Except(record.Problems)] });
            }
        }
    }

    private UnitRecord Judge(Boot boot, string unitName, int exitCode, double seconds, string? sha, string origin, string where)
    {
        if (sha is null)
        {
            return new UnitRecord(UnitState.Failed, boot.Number, exitCode, seconds, null, [$"{origin}the {where} reported the unit but sent no output"]);
        }

        if (exitCode == 0)
        {
            return new UnitRecord(UnitState.Done, boot.Number, 0, seconds, sha, []);
        }

        var suite = _plan.Profile.Suite(unitName.Split('/')[0]);
        var why = exitCode is 124 or 137
            ? $"{origin}timed out after {suite.Timeout.TotalSeconds:0} s in the {where} (killed by timeout, rc {exitCode})"
            : $"{origin}the suite exited with rc {exitCode}";
        return new UnitRecord(UnitState.Failed, boot.Number, exitCode, seconds, sha, [why]);
    }

    private async Task RecordAsync(LabUnit unit, UnitRecord record)
    {
        // The console's events and L0's clients both record units; one at a time, so no record is lost.
        await _recording.WaitAsync(CancellationToken.None);
        try
        {
            _ledger = _ledger.With(unit, record);
            await _ledger.SaveAsync(_settings.RunDirectory, CancellationToken.None);
        }
        finally
        {
            _recording.Release();
        }

        var detail = record.State == UnitState.Done
            ? $"done in {record.Seconds?.ToString("0.0", CultureInfo.InvariantCulture)} s"
            : $"{record.State.ToString().ToLowerInvariant()}: {record.Problems.FirstOrDefault()}";
        Say($"  {unit.Key}: {detail}");
    }

    private static LabUnit? Find(Boot boot, string unitName)
    {
        var match = UnitPattern().Match(unitName);
        return match.Success
               && int.Parse(match.Groups["repeat"].Value, CultureInfo.InvariantCulture) == boot.Repeat
               && boot.Suites.Any(s => s.Id == match.Groups["suite"].Value)
            ? new LabUnit(boot.Scenario.Id, match.Groups["suite"].Value, boot.Repeat)
            : null;
    }

    private readonly Reporter _reporter = new(output);

    private void Say(string line) => _reporter.Line(line);

    [GeneratedRegex(@"^(?<suite>[a-z0-9-]+)/(?<repeat>\d+)$")]
    private static partial Regex UnitPattern();

    /// <summary>One boot as it happens: what its consoles said, what arrived, and L0's network clients.</summary>
    private sealed class BootSession(LabRunner runner, Boot boot, BootTimeline timeline)
    {
        private readonly CancellationTokenSource _clientsStop = new();
        private Task _clients = Task.CompletedTask;

        public string ConsolePath { get; } = Path.Combine(runner._settings.RunDirectory, "raw", boot.Scenario.Id, $"console-{boot.Number}.log");

        public ConsoleInput Input { get; } = new();

        public Dictionary<string, string> Facts { get; } = new(StringComparer.Ordinal);

        public List<IReadOnlyDictionary<string, string>> L2Facts { get; } = [];

        public Dictionary<string, string> TransferFailures { get; } = new(StringComparer.Ordinal);

        private Dictionary<string, string> Received { get; } = new(StringComparer.Ordinal); // unit name → sha256

        public async Task OnEventAsync(ConsoleEvent e, string origin)
        {
            switch (e)
            {
                case FactEvent fact:
                    Facts[origin + fact.Key] = fact.Value;
                    if (fact.Key.StartsWith("unavailable.", StringComparison.Ordinal) && Find(boot, fact.Key["unavailable.".Length..]) is { } missing)
                    {
                        await runner.RecordAsync(missing, new UnitRecord(UnitState.Unavailable, boot.Number, null, null, null, [$"{origin}{fact.Value}"]));
                    }

                    break;
                case FileEvent file when ConsoleTranscript.IsNestedConsole(file.Name):
                    await OnNestedConsoleAsync(file, origin);
                    break;
                case FileEvent file when file.Name.EndsWith(".txt", StringComparison.Ordinal) && Find(boot, file.Name[..^4]) is { } unit:
                    AtomicFile.WriteAllBytes(Path.Combine(runner._settings.RunDirectory, unit.RawPath), file.Content);
                    Received[file.Name[..^4]] = Hashing.Sha256Of(file.Content);
                    break;
                case TransferFailedEvent failed:
                    TransferFailures[failed.Name.EndsWith(".txt", StringComparison.Ordinal) ? failed.Name[..^4] : failed.Name] = $"{origin}transfer failed: {failed.Reason}";
                    break;
                case StatusEvent status when Find(boot, status.Unit) is { } unit:
                    await runner.RecordAsync(unit, runner.Judge(boot, status.Unit, status.ExitCode, status.Seconds, Received.GetValueOrDefault(status.Unit), origin, "VM"));
                    break;
                case ServeEvent serve when origin.Length == 0:
                    // The console must keep streaming while the clients run (a full pipe would stall the VM's serial line).
                    _clients = Task.Run(() => RunClientsAsync(serve, _clientsStop.Token));
                    break;
            }
        }

        /// <summary>Waits for L0's clients; when the VM ended before they did, they are stopped first.</summary>
        public async Task ClientsFinishedAsync()
        {
            if (!_clients.IsCompleted)
            {
                await _clientsStop.CancelAsync();
            }

            try
            {
                await _clients;
            }
            catch (OperationCanceledException)
            {
                // their units stay pending (interrupted) or are recorded as failed with the boot
            }
        }

        private async Task OnNestedConsoleAsync(FileEvent file, string origin)
        {
            var name = $"console-{boot.Number}-{Path.GetFileNameWithoutExtension(file.Name).Replace("console-", "l2-", StringComparison.Ordinal)}.log";
            var text = Encoding.UTF8.GetString(file.Content);
            await AtomicFile.WriteAllTextAsync(Path.Combine(runner._settings.RunDirectory, "raw", boot.Scenario.Id, name), text, CancellationToken.None);
            var nested = ConsoleReader.ReadAll(text);
            L2Facts.Add(ConsoleTranscript.FromEvents(nested).Facts);
            foreach (var inner in nested)
            {
                await OnEventAsync(inner, origin + "l2: ");
            }
        }

        /// <summary>Runs the boot's network suites from L0 against the serving layer, saves each unit, then lets the VM go on.</summary>
        private async Task RunClientsAsync(ServeEvent serve, CancellationToken cancellationToken)
        {
            var expected = boot.Scenario.Measured == Layer.L2 ? JobScript.L2Address : JobScript.L1Address;
            var target = new SuiteTarget(boot.Scenario.GuestCpus(runner._plan.Topology), expected);
            foreach (var suite in boot.Suites.Where(s => s.IsNetwork))
            {
                var unit = new LabUnit(boot.Scenario.Id, suite.Id, boot.Repeat);
                if (runner._client is null)
                {
                    await runner.RecordAsync(unit, new UnitRecord(UnitState.Failed, boot.Number, null, null, null, ["no network client on L0 (the lab was started without one)"]));
                    continue;
                }

                if (serve.Address != expected)
                {
                    await runner.RecordAsync(unit, new UnitRecord(UnitState.Failed, boot.Number, null, null, null, [$"the VM served on {serve.Address}, the scenario's server is {expected}"]));
                    continue;
                }

                timeline.Mark($"client {suite.Id}");
                var run = await runner._client.RunAsync(suite.Command(target), suite.Timeout, cancellationToken);
                timeline.Mark($"client {suite.Id} done");
                AtomicFile.WriteAllBytes(Path.Combine(runner._settings.RunDirectory, unit.RawPath), run.Output);
                await runner.RecordAsync(unit, runner.Judge(boot, boot.UnitName(suite), run.ExitCode, Math.Round(run.Duration.TotalSeconds, 2), Hashing.Sha256Of(run.Output), "", "L0 client"));
            }

            timeline.Mark("go");
            Input.Send(ConsoleInput.Go);
        }
    }
}

/// <summary>The disks of one boot: its job disk and two empty scratch disks, in a per-boot work folder.</summary>
internal sealed record BootDisks(string Job, string L1Scratch, string L2Scratch)
{
    private const long ScratchBytes = 16L << 30;

    public static async Task<BootDisks> BuildAsync(string work, JobFolder job, CancellationToken cancellationToken)
    {
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true); // a boot number is never reused, so this is an interrupted earlier attempt
        }

        var log = Path.Combine(work, "disks.log");
        var disks = new BootDisks(Path.Combine(work, "job.img"), Path.Combine(work, "scratch-l1.img"), Path.Combine(work, "scratch-l2.img"));
        await JobDisk.BuildAsync(job, Path.Combine(work, "job"), disks.Job, log, cancellationToken);
        await Ext4Image.BuildAsync(null, disks.L1Scratch, Ext4Image.ScratchLabel, ScratchBytes, log, cancellationToken);
        await Ext4Image.BuildAsync(null, disks.L2Scratch, Ext4Image.ScratchLabel, ScratchBytes, log, cancellationToken);
        return disks;
    }

    /// <summary>The disks are per boot and big (sparse, but still): only the job folder, a few KB, is worth keeping.</summary>
    public void Delete()
    {
        foreach (var image in new[] { Job, L1Scratch, L2Scratch })
        {
            File.Delete(image);
        }
    }
}
