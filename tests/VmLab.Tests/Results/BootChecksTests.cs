using System.Collections.Immutable;
using VmLab.Lab.Ledger;
using VmLab.Lab.Noise;
using VmLab.Results;

namespace VmLab.Tests.Results;

/// <summary>
/// The checks that reach the verdicts, through <c>vmlab parse-run</c>: a lab-made run directory with two baseline
/// boots (consoles with the facts the real job library prints, raw outputs that are real hackbench and netperf
/// captures), then one thing wrong in one console at a time.
/// </summary>
public sealed class BootChecksTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vmlab-checks-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private const string L2Qemu = "qemu-system-aarch64 -machine virt -cpu host -accel kvm -smp 2 -netdev tap,id=net0,ifname=tap0,script=no,downscript=no,vhost=on";

    private static readonly Dictionary<string, string> GoodL1 = new(StringComparer.Ordinal)
    {
        ["nproc"] = "2",
        ["thp"] = "[always] madvise never",
        ["kvm"] = "present",
        ["l2_qemu"] = L2Qemu,
        ["vhost_threads"] = "1",
    };

    private static readonly Dictionary<string, string> GoodL2 = new(StringComparer.Ordinal) { ["nproc"] = "2", ["thp"] = "always [madvise] never" };

    /// <summary>Builds the run: baseline boots 1 and 2, each with hackbench (ran in L2) and netperf-rr (L0's client).</summary>
    private RunDirectory Run(Func<int, string>? l1Extra = null, Func<int, string>? l2Extra = null, Dictionary<string, string>? l1Facts = null, Dictionary<string, string>? l2Facts = null)
    {
        var run = new RunDirectory(Path.Combine(_root, "run"));
        var units = ImmutableSortedDictionary.Create<string, UnitRecord>(StringComparer.Ordinal);
        foreach (var boot in new[] { 1, 2 })
        {
            var l1 = l1Facts is not null && boot == 1 ? l1Facts : GoodL1;
            var l2 = l2Facts is not null && boot == 1 ? l2Facts : GoodL2;
            run.WriteConsoleLog("baseline", $"{boot}", Console("l1", l1) + (l1Extra?.Invoke(boot) ?? ""));
            run.WriteConsoleLog("baseline", $"{boot}-l2-1", Console("l2", l2) + (l2Extra?.Invoke(boot) ?? ""));
            var hackbench = run.WriteRaw("baseline", "hackbench", boot, Fixture.Read("l0", "hackbench-g10-l100-process.txt"));
            var netperf = run.WriteRaw("baseline", "netperf-rr", boot, Fixture.Read("l0", "netperf-tcp-rr.txt"));
            units = units.SetItem($"baseline/hackbench/{boot}", new UnitRecord(UnitState.Done, boot, 0, 1, VmLab.Common.Hashing.Sha256OfFile(hackbench), []))
                .SetItem($"baseline/netperf-rr/{boot}", new UnitRecord(UnitState.Done, boot, 0, 1, VmLab.Common.Hashing.Sha256OfFile(netperf), []));
        }

        new RunLedger("run", "smoke", 2, units, ImmutableSortedDictionary<int, BootRecord>.Empty).SaveAsync(run.Path).GetAwaiter().GetResult();
        run.WriteManifest(new Manifest
        {
            RunId = "run",
            Profile = "smoke",
            Scenarios = [new ScenarioInfo("baseline", "the guest", "L2", 2, "always", "on")],
            VcpuRule = new VcpuRule(2, 2, 2),
        });
        return run;
    }

    private static string Console(string layer, IReadOnlyDictionary<string, string> facts) =>
        $"[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]\n@@VMLAB:READY layer={layer} uptime=1.02@@\n" +
        string.Concat(facts.Select(f => $"@@VMLAB:FACT {f.Key}={f.Value}@@\n"));

    private static Dictionary<string, IReadOnlyList<string>> ProblemsByFile(RunDirectory run) =>
        RunParser.Parse(run).Units.Where(u => u.Suite != "console").ToDictionary(u => u.File, u => u.Problems);

    [Fact]
    public void A_clean_run_has_no_problems_and_results_json_carries_each_boots_facts()
    {
        var results = RunParser.Parse(Run());

        Assert.All(results.Units.Where(u => u.Suite != "console"), u => Assert.Empty(u.Problems));
        Assert.Equal([1, 2], results.Boots!.Select(b => b.Boot));
        Assert.Equal("1", results.Boots![0].L1Facts["vhost_threads"]);
        Assert.Equal("2", results.Boots![0].L2Facts.Single()["nproc"]);
    }

    [Fact]
    public async Task A_unit_during_which_L0_was_busier_than_declared_is_invalid_and_results_json_keeps_the_noise_records()
    {
        var run = Run();
        var ledger = RunLedger.Load(run.Path)!;
        var busy = new Interference(20, 0.4, 0.5, 0, 0.6);
        var calm = new Interference(20, 0.05, 0.9, 0, 0.1);
        ledger = ledger
            .With(new LabUnit("baseline", "hackbench", 1), ledger.Units["baseline/hackbench/1"] with { L0 = busy })
            .With(new LabUnit("baseline", "hackbench", 2), ledger.Units["baseline/hackbench/2"] with { L0 = calm })
            .With(1, new BootRecord("baseline", 1, BootEnd.Finished, 60, GoodL1, [GoodL2])
            {
                Quiet = new QuietStart(12, calm, "L0 was not quiet after 12 s"),
                Calibration = new Calibration(new ProbeRun(2e7, 0.5), new ProbeRun(1e6, 1), null, null, ["L1 probe at the end: not reported"]),
            });
        await ledger.SaveAsync(run.Path, TestContext.Current.CancellationToken);
        run.WriteManifest(run.ReadManifest() with { Noise = new NoiseSettings(0.1, 10, 120, 0.25, 10_000_000, 1_000_000) });

        var results = RunParser.Parse(run);
        var problems = results.Units.Where(u => u.Suite != "console").ToDictionary(u => u.File, u => u.Problems);

        Assert.Equal("L0 disturbed: other processes used 40% of L0's CPUs during the unit, over the profile's 25% (noise.disturbedOtherCpu)", Assert.Single(problems["raw/baseline/hackbench/1.txt"]));
        Assert.Empty(problems["raw/baseline/hackbench/2.txt"]);
        Assert.Equal(busy, results.Units.Single(u => u.File == "raw/baseline/hackbench/1.txt").L0);
        Assert.Null(results.Units.Single(u => u.File == "raw/baseline/netperf-rr/1.txt").L0);
        var boot = results.Boots!.Single(b => b.Boot == 1);
        Assert.Equal("L0 was not quiet after 12 s", boot.Quiet!.Disturbed);
        Assert.Equal(1e6, boot.Calibration!.L1Rate);
        // The records survive results.json's round trip.
        Assert.Equal(busy, RunJson.Deserialize<RunResults>(RunJson.Serialize(results), "results.json").Units.Single(u => u.File == "raw/baseline/hackbench/1.txt").L0);
    }

    [Theory]
    [InlineData("[  120.622000] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:", "RCU stall")]
    [InlineData("[   52.003120] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [hackbench:311]", "soft lockup")]
    [InlineData("[   61.450000] Watchdog detected hard LOCKUP on cpu 1", "hard lockup")]
    [InlineData("[  245.781012] INFO: task kworker/u4:2:57 blocked for more than 120 seconds.", "hung task")]
    [InlineData("[   33.120000] Call trace:", "call trace")]
    [InlineData("[   90.000000] Out of memory: Killed process 412 (hackbench) total-vm:2120kB", "OOM kill")]
    [InlineData("[   99.100000] Kernel panic - not syncing: hung_task: blocked tasks", "kernel panic")]
    public void A_finding_on_L1s_console_taints_every_unit_of_that_boot_and_only_that_boot(string line, string words)
    {
        var problems = ProblemsByFile(Run(l1Extra: boot => boot == 1 ? line + "\n" : ""));

        foreach (var file in new[] { "raw/baseline/hackbench/1.txt", "raw/baseline/netperf-rr/1.txt" })
        {
            Assert.StartsWith($"console: L1 of boot 1: 1 {words}", Assert.Single(problems[file]));
        }

        Assert.Empty(problems["raw/baseline/hackbench/2.txt"]);
        Assert.Empty(problems["raw/baseline/netperf-rr/2.txt"]);
    }

    [Fact]
    public void A_finding_on_an_L2_console_taints_the_units_that_L2_boot_ran()
    {
        var problems = ProblemsByFile(Run(l2Extra: boot => boot == 2 ? "[   12.000000] Call trace:\n" : ""));

        Assert.StartsWith("console: L2 (1) of boot 2: 1 call trace", Assert.Single(problems["raw/baseline/hackbench/2.txt"]));
        Assert.StartsWith("console: L2 (1) of boot 2: 1 call trace", Assert.Single(problems["raw/baseline/netperf-rr/2.txt"]));
        Assert.Empty(problems["raw/baseline/hackbench/1.txt"]);
    }

    [Theory]
    [InlineData("L1", "nproc", null)] // L1's nproc is not required in a guest scenario
    [InlineData("L1", "thp", "fact missing: L1 did not report thp")]
    [InlineData("L1", "kvm", "fact missing: L1 did not report kvm")]
    [InlineData("L1", "vhost_threads", "fact missing: L1 did not report vhost_threads")]
    [InlineData("L1", "l2_qemu", "fact missing: L1 did not report l2_qemu")]
    [InlineData("L2", "nproc", "fact missing: L2 did not report nproc")]
    public void A_missing_required_fact_makes_the_boots_units_invalid(string layer, string key, string? expected)
    {
        var l1 = new Dictionary<string, string>(GoodL1);
        var l2 = new Dictionary<string, string>(GoodL2);
        (layer == "L1" ? l1 : l2).Remove(key);

        var problems = ProblemsByFile(Run(l1Facts: l1, l2Facts: l2))["raw/baseline/hackbench/1.txt"];

        Assert.Equal(expected is null ? [] : [expected], problems);
    }

    [Theory]
    [InlineData("L2", "nproc", "1", "factor: L2 has 1 CPUs, the scenario needs 2")]
    [InlineData("L1", "thp", "always madvise [never]", "factor: THP in L1 is 'always madvise [never]', the scenario needs [always]")]
    [InlineData("L1", "kvm", "absent", "factor: L1 has no /dev/kvm")]
    [InlineData("L1", "vhost_threads", "0", "factor: vhost=on but L1 had no vhost-* kernel thread while L2 ran")]
    [InlineData("L1", "l2_qemu", "qemu-system-aarch64 -netdev tap,id=net0,ifname=tap0,vhost=off", "factor: L2's QEMU line does not say vhost=on")]
    public void A_factor_not_in_force_makes_the_boots_units_invalid(string layer, string key, string value, string expected)
    {
        var l1 = new Dictionary<string, string>(GoodL1);
        var l2 = new Dictionary<string, string>(GoodL2);
        (layer == "L1" ? l1 : l2)[key] = value;

        var problems = ProblemsByFile(Run(l1Facts: l1, l2Facts: l2))["raw/baseline/netperf-rr/1.txt"];

        Assert.StartsWith(expected, Assert.Single(problems));
    }

    [Fact]
    public void An_interrupted_boot_without_a_boot_record_is_checked_from_its_console_and_a_missing_console_is_a_problem()
    {
        var run = Run(l1Extra: boot => boot == 2 ? "[  120.622000] rcu: INFO: rcu_sched self-detected stall on CPU\n" : "");
        File.Delete(Path.Combine(run.RawDir, "baseline", "console-1.log"));

        var problems = ProblemsByFile(run);

        Assert.Contains("console: L1's console log is missing", problems["raw/baseline/hackbench/1.txt"]);
        Assert.StartsWith("console: L1 of boot 2: 1 RCU stall", problems["raw/baseline/hackbench/2.txt"].First());
    }

    [Fact]
    public void A_raw_output_the_ledger_does_not_know_is_a_problem()
    {
        var run = Run();
        run.WriteRaw("baseline", "hackbench", 3, Fixture.Read("l0", "hackbench-g10-l100-process.txt"));

        Assert.Equal(["lab: baseline/hackbench/3 is not in units.json, so no boot vouches for it"], ProblemsByFile(run)["raw/baseline/hackbench/3.txt"]);
    }
}
