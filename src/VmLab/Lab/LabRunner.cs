using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using VmLab.Common;
using VmLab.Lab.Ledger;
using VmLab.Lab.Network;
using VmLab.Lab.Plan;
using VmLab.Lab.Vm;

namespace VmLab.Lab;

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
        await RunBootsAsync(boots, clock, cancellationToken);
        // A precision run looks at its data after every whole block and goes on, one block at a time, until its rule stops it.
        while (await AnotherBlockAsync())
        {
            await RunBootsAsync(PendingBoots(), clock, cancellationToken);
        }

        var failed = _ledger.Units.Count(u => u.Value.State == UnitState.Failed);
        Say($"run {_settings.RunId}: {_ledger.Units.Count} units recorded ({failed} failed) in {RunPlan.FormatDuration(clock.Elapsed)}; results in {_settings.Paths?.Shown(_settings.RunDirectory) ?? _settings.RunDirectory}");
        return _ledger;
    }

    private async Task RunBootsAsync(IReadOnlyList<Boot> boots, Stopwatch clock, CancellationToken cancellationToken)
    {
        var started = clock.Elapsed;
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
            eta = TimeSpan.FromSeconds((estimated - estimatedDone).TotalSeconds * ((clock.Elapsed - started) / estimatedDone));
            var progress = Progressed(i + 1, boots.Count, clock.Elapsed, eta, null);
            Progress?.Report(progress);
            Say($"progress: {i + 1}/{boots.Count} boots, {progress.UnitsDone}/{progress.UnitsTotal} units, elapsed {RunPlan.FormatDuration(clock.Elapsed)}, ETA {RunPlan.FormatDuration(eta)}");
        }
    }

    private LabProgress Progressed(int bootsDone, int boots, TimeSpan elapsed, TimeSpan eta, string? current) =>
        new(bootsDone, boots, _plan.Units.Count(u => _ledger[u] is not null), _plan.Units.Count(), elapsed, eta, current);

    private async Task RunBootAsync(Boot boot, CancellationToken cancellationToken)
    {
        var watch = Noise is null ? null : await Noise.BeforeBootAsync(boot.Number, ResumeCommand, Say, cancellationToken);
        _ledger = _ledger.WithBoot(boot.Number);
        await _ledger.SaveAsync(_settings.RunDirectory, CancellationToken.None);
        var disks = await BootDisks.BuildAsync(Path.Combine(_settings.WorkDirectory, $"boot-{boot.Number}"), JobScript.ForL1(boot, _plan.Topology, _plan.Profile, _settings.Counters), cancellationToken);
        var timeline = new BootTimeline();
        var session = new BootSession(this, boot, timeline);
        BootOutcome outcome;
        try
        {
            watch = watch is null ? null : watch with { QemuStartedAt = Noise!.Monitor.Now };
            outcome = await VmBoot.RunAsync(
                launcher.Command(boot, disks.Job, disks.L1Scratch, disks.L2Scratch), session.ConsolePath, BootBudget.Of(_plan.Profile, boot) with { AfterDone = _settings.PoweroffGrace },
                e => session.OnEventAsync(e, ""), cancellationToken, session.Input, timeline, _settings.Paths is { } paths ? paths.ShownIn : null,
                pid => session.Counters.Pid = pid);
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

        var l1Facts = session.Facts.Where(f => !f.Key.StartsWith("l2: ", StringComparison.Ordinal)).ToDictionary(StringComparer.Ordinal);
        var noise = watch is null ? default : await Noise!.AfterBootAsync(watch, l1Facts, CancellationToken.None);
        _ledger = _ledger.With(boot.Number, new BootRecord(
            boot.Scenario.Id, boot.Repeat, outcome.End,
            Math.Round(outcome.Duration.TotalSeconds, 1),
            l1Facts,
            session.L2Facts) { Timeline = timeline.Marks, Quiet = watch?.Quiet, L0 = noise.Boot, Calibration = noise.Calibration });
        await _ledger.SaveAsync(_settings.RunDirectory, CancellationToken.None);
        SayTime(boot, outcome, timeline);
        if (session.Counters.Unanswered.Count > 0)
        {
            Say($"boot #{boot.Number}: the VM did not answer L0's request for counters at {string.Join(", ", session.Counters.Unanswered)}: those units' VM counters are unavailable");
        }

        await RecordUnreportedAsync(boot, outcome, session);
        await MarkInvalidAsync(boot);
        if (watch is not null)
        {
            SayNoise(boot, noise.Calibration, noise.Boot);
            await RecordInterferenceAsync(boot, session, watch);
        }
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
}
