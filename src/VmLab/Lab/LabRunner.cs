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

/// <summary>The real launcher: QEMU/TCG with EL2 (virtualization=on), the host kernel and image, and the lab's disks.</summary>
public sealed record QemuL1Launcher(LabArtifacts Artifacts, string PayloadImage, Topology Topology) : IL1Launcher
{
    /// <summary>An initramfs to boot L1 with (probes only; a real run boots the host image's own init).</summary>
    public string? Initrd { get; init; }

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
            .WithDisk(l2Scratch, DiskMode.Writable);

    /// <summary>
    /// QEMU under <c>setsid</c> (which execs it, so the PID is QEMU's): in its own session it does not get the SIGINT
    /// of a Ctrl-C. vmlab must see the interruption first and stop the VM itself, otherwise QEMU would die on the
    /// signal and its units would look failed rather than interrupted (and not run again on resume).
    /// </summary>
    public CliWrap.Command Command(Boot boot, string jobImage, string l1Scratch, string l2Scratch)
    {
        var qemu = For(boot, jobImage, l1Scratch, l2Scratch);
        return CliWrap.Cli.Wrap("setsid").WithArguments([qemu.Binary, .. qemu.Arguments()]).WithValidation(CliWrap.CommandResultValidation.None);
    }
}

/// <summary>
/// Drives a run: one L1 boot per scenario and repeat with pending units; saves every unit the moment it arrives
/// (raw file atomically, then the ledger); kills hung or crashed VMs and records their units as failed with the
/// console's tail; keeps going to the end; on Ctrl-C, kills the VM, leaves its unfinished units pending and
/// saves the ledger, so <c>--resume</c> continues exactly there.
/// </summary>
public sealed partial class LabRunner(RunPlan plan, RunSettings settings, IL1Launcher launcher, TextWriter output, ISuiteParser? consoleScan = null)
{
    private const long ScratchBytes = 16L << 30;

    private RunLedger _ledger = RunLedger.Empty(settings.RunId, plan.Profile.Name);

    /// <summary>The ledger as it stands (after <see cref="RunAsync"/>: the run's final state).</summary>
    public RunLedger Ledger => _ledger;

    /// <summary>The boots still to run, numbered after the ledger's last boot.</summary>
    public IReadOnlyList<Boot> PendingBoots() =>
        plan.Boots(u => _ledger.IsPending(u, settings.RunDirectory, settings.RetryFailed), _ledger.LastBoot + 1);

    /// <summary>Runs every pending unit. Returns the ledger; throws <see cref="OperationCanceledException"/> on Ctrl-C after saving.</summary>
    public async Task<RunLedger> RunAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(settings.RunDirectory);
        _ledger = RunLedger.Load(settings.RunDirectory) ?? _ledger;
        if (_ledger.Profile != plan.Profile.Name)
        {
            throw new LabException(
                $"Run {settings.RunId} was started with profile '{_ledger.Profile}', not '{plan.Profile.Name}'.",
                $"resume it with --profile={_ledger.Profile}, or start a new run");
        }

        var boots = PendingBoots();
        var done = plan.Units.Count(u => !_ledger.IsPending(u, settings.RunDirectory, settings.RetryFailed));
        Say(plan.Describe(boots, done));
        var clock = Stopwatch.StartNew();
        var estimated = boots.Aggregate(TimeSpan.Zero, (t, b) => t + RunPlan.Estimate(b));
        var estimatedDone = TimeSpan.Zero;
        for (var i = 0; i < boots.Count; i++)
        {
            var boot = boots[i];
            Say($"boot {i + 1}/{boots.Count} (#{boot.Number}): {boot.Scenario.Id} repeat {boot.Repeat}: {string.Join(", ", boot.Suites.Select(s => s.Id))}");
            await RunBootAsync(boot, cancellationToken);
            estimatedDone += RunPlan.Estimate(boot);
            var eta = TimeSpan.FromSeconds((estimated - estimatedDone).TotalSeconds * (clock.Elapsed / estimatedDone));
            Say($"progress: {i + 1}/{boots.Count} boots, {plan.Units.Count(u => _ledger[u] is not null)}/{plan.Units.Count()} units, elapsed {RunPlan.FormatDuration(clock.Elapsed)}, ETA {RunPlan.FormatDuration(eta)}");
        }

        var failed = _ledger.Units.Count(u => u.Value.State == UnitState.Failed);
        Say($"run {settings.RunId}: {_ledger.Units.Count} units recorded ({failed} failed) in {RunPlan.FormatDuration(clock.Elapsed)}; results in {settings.RunDirectory}");
        return _ledger;
    }

    private async Task RunBootAsync(Boot boot, CancellationToken cancellationToken)
    {
        _ledger = _ledger.WithBoot(boot.Number);
        await _ledger.SaveAsync(settings.RunDirectory, CancellationToken.None);

        var work = Path.Combine(settings.WorkDirectory, $"boot-{boot.Number}");
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true); // a boot number is never reused, so this is an interrupted earlier attempt
        }

        var log = Path.Combine(work, "disks.log");
        var jobImage = Path.Combine(work, "job.img");
        var l1Scratch = Path.Combine(work, "scratch-l1.img");
        var l2Scratch = Path.Combine(work, "scratch-l2.img");
        await JobDisk.BuildAsync(JobScript.ForL1(boot, plan.Topology, plan.Profile), Path.Combine(work, "job"), jobImage, log, cancellationToken);
        await Ext4Image.BuildAsync(null, l1Scratch, Ext4Image.ScratchLabel, ScratchBytes, log, cancellationToken);
        await Ext4Image.BuildAsync(null, l2Scratch, Ext4Image.ScratchLabel, ScratchBytes, log, cancellationToken);

        var console = Path.Combine(settings.RunDirectory, "raw", boot.Scenario.Id, $"console-{boot.Number}.log");
        var facts = new Dictionary<string, string>(StringComparer.Ordinal);
        var received = new Dictionary<string, string>(StringComparer.Ordinal); // unit name → sha256
        var transferFailures = new Dictionary<string, string>(StringComparer.Ordinal);
        var l2Facts = new List<IReadOnlyDictionary<string, string>>();
        var l2Consoles = new List<string>();

        async Task OnEvent(ConsoleEvent e, string origin)
        {
            switch (e)
            {
                case FactEvent fact:
                    facts[origin + fact.Key] = fact.Value;
                    if (fact.Key.StartsWith("unavailable.", StringComparison.Ordinal) && Find(boot, fact.Key["unavailable.".Length..]) is { } missing)
                    {
                        await RecordAsync(missing, new UnitRecord(UnitState.Unavailable, boot.Number, null, null, null, [$"{origin}{fact.Value}"]));
                    }

                    break;
                case FileEvent file when ConsoleTranscript.IsNestedConsole(file.Name):
                    var nestedName = $"console-{boot.Number}-{Path.GetFileNameWithoutExtension(file.Name).Replace("console-", "l2-", StringComparison.Ordinal)}.log";
                    await AtomicFile.WriteAllTextAsync(Path.Combine(settings.RunDirectory, "raw", boot.Scenario.Id, nestedName), Encoding.UTF8.GetString(file.Content), CancellationToken.None);
                    l2Consoles.Add(Encoding.UTF8.GetString(file.Content));
                    var nested = ConsoleReader.ReadAll(l2Consoles[^1]);
                    l2Facts.Add(ConsoleTranscript.FromEvents(nested).Facts);
                    foreach (var inner in nested)
                    {
                        await OnEvent(inner, origin + "l2: ");
                    }

                    break;
                case FileEvent file when file.Name.EndsWith(".txt", StringComparison.Ordinal) && Find(boot, file.Name[..^4]) is { } unit:
                    AtomicFile.WriteAllBytes(Path.Combine(settings.RunDirectory, unit.RawPath), file.Content);
                    received[file.Name[..^4]] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file.Content));
                    break;
                case TransferFailedEvent failed:
                    transferFailures[failed.Name.EndsWith(".txt", StringComparison.Ordinal) ? failed.Name[..^4] : failed.Name] = $"{origin}transfer failed: {failed.Reason}";
                    break;
                case StatusEvent status when Find(boot, status.Unit) is { } unit:
                    await RecordAsync(unit, Judge(boot, status, received, transferFailures, origin));
                    break;
            }
        }

        BootOutcome outcome;
        try
        {
            outcome = await VmBoot.RunAsync(
                launcher.Command(boot, jobImage, l1Scratch, l2Scratch), console, BootBudget.Of(plan.Profile, boot) with { AfterDone = settings.PoweroffGrace },
                e => OnEvent(e, ""), cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await _ledger.SaveAsync(settings.RunDirectory, CancellationToken.None);
            Say($"interrupted during boot #{boot.Number}: its unfinished units stay pending; the console so far is {console}");
            throw;
        }
        finally
        {
            // The disks are per boot and big (sparse, but still): only the job folder, a few KB, is worth keeping.
            foreach (var image in new[] { jobImage, l1Scratch, l2Scratch })
            {
                File.Delete(image);
            }
        }

        _ledger = _ledger.With(boot.Number, new BootRecord(
            boot.Scenario.Id, boot.Repeat, outcome.Killed is null && outcome.Finished ? "finished" : outcome.FailureReason,
            Math.Round(outcome.Duration.TotalSeconds, 1),
            facts.Where(f => !f.Key.StartsWith("l2: ", StringComparison.Ordinal)).ToDictionary(StringComparer.Ordinal),
            l2Facts));
        await _ledger.SaveAsync(settings.RunDirectory, CancellationToken.None);

        // Every unit of this boot without a record failed; say why, with the console's tail.
        foreach (var suite in boot.Suites)
        {
            var unit = new LabUnit(boot.Scenario.Id, suite.Id, boot.Repeat);
            if (_ledger[unit] is null || _ledger[unit]!.Boot != boot.Number)
            {
                var reasons = new List<string> { outcome.FailureReason };
                if (transferFailures.GetValueOrDefault(boot.UnitName(suite)) is { } transfer)
                {
                    reasons.Add(transfer);
                }

                reasons.Add($"console tail (raw/{boot.Scenario.Id}/console-{boot.Number}.log): " + string.Join(" | ", outcome.Tail.TakeLast(8)));
                await RecordAsync(unit, new UnitRecord(UnitState.Failed, boot.Number, null, null, null, reasons));
            }
        }

        if (!outcome.Finished || outcome.Killed is not null)
        {
            Say($"boot #{boot.Number} failed: {outcome.FailureReason} (pid {outcome.Pid}); last console lines:\n  " + string.Join("\n  ", outcome.Tail.TakeLast(12)));
        }

        // The factor must really be in force, and the console must be clean; otherwise the units are invalid.
        var problems = FactorCheck.Problems(boot.Scenario, plan.Topology, facts, l2Facts).ToList();
        if (consoleScan is not null)
        {
            // Stalls, soft lockups, OOM and call traces in either layer's console mark every unit that ran in the boot.
            var consoles = new[] { ("L1", await File.ReadAllTextAsync(console, CancellationToken.None)) }.Concat(l2Consoles.Select(c => ("L2", c)));
            foreach (var (layer, text) in consoles)
            {
                if (consoleScan.Parse(text).Measurement is { } scan)
                {
                    problems.AddRange(scan.Problems.Select(p => $"{layer} console: {p}"));
                }
            }
        }

        if (problems.Count > 0)
        {
            Say($"boot #{boot.Number}: units marked invalid: {string.Join("; ", problems)}");
            foreach (var suite in boot.Suites)
            {
                var unit = new LabUnit(boot.Scenario.Id, suite.Id, boot.Repeat);
                if (_ledger[unit] is { State: UnitState.Done } record)
                {
                    await RecordAsync(unit, record with { Problems = [.. record.Problems, .. problems] });
                }
            }
        }
    }

    private UnitRecord Judge(Boot boot, StatusEvent status, Dictionary<string, string> received, Dictionary<string, string> transferFailures, string origin)
    {
        if (!received.TryGetValue(status.Unit, out var sha))
        {
            return new UnitRecord(UnitState.Failed, boot.Number, status.ExitCode, status.Seconds, null,
                [transferFailures.GetValueOrDefault(status.Unit) ?? $"{origin}the VM reported the unit but sent no output"]);
        }

        if (status.ExitCode == 0)
        {
            return new UnitRecord(UnitState.Done, boot.Number, 0, status.Seconds, sha, []);
        }

        var suite = plan.Profile.Suite(status.Unit.Split('/')[0]);
        var why = status.ExitCode is 124 or 137
            ? $"{origin}timed out after {suite.Timeout.TotalSeconds:0} s in the VM (killed by timeout, rc {status.ExitCode})"
            : $"{origin}the suite exited with rc {status.ExitCode}";
        return new UnitRecord(UnitState.Failed, boot.Number, status.ExitCode, status.Seconds, sha, [why]);
    }

    private async Task RecordAsync(LabUnit unit, UnitRecord record)
    {
        _ledger = _ledger.With(unit, record);
        await _ledger.SaveAsync(settings.RunDirectory, CancellationToken.None);
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

    private void Say(string line) => output.WriteLine($"{DateTime.UtcNow.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {line}");

    [GeneratedRegex(@"^(?<suite>[a-z0-9-]+)/(?<repeat>\d+)$")]
    private static partial Regex UnitPattern();
}
