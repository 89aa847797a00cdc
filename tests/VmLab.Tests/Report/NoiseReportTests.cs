using VmLab.Lab.Noise;
using VmLab.Report;
using VmLab.Results;
using VmLab.Suites;

namespace VmLab.Tests.Report;

/// <summary>The report's "Noise on L0" section from results.json's boots and units: flags, the probe's own test, the R² per suite.</summary>
public sealed class NoiseReportTests
{
    private static readonly Calibration NoProbe = new(null, null, null, null, []);

    private static BootSummary Boot(int number, string scenario, int repeat, double l1Rate, string? disturbed = null) =>
        new(scenario, number, repeat, new Dictionary<string, string>(), [], [])
        {
            Quiet = new QuietStart(disturbed is null ? 0 : 300, new Interference(10, disturbed is null ? 0.02 : 0.6, 0.9, 0, null), disturbed),
            L0 = new Interference(100, 0.03, 0.95, 0, 0.5),
            Calibration = NoProbe with { L0Start = new ProbeRun(2e7, 0.5), L1Start = new ProbeRun(l1Rate * 1e6, 1), L1End = new ProbeRun(l1Rate * 1e6, 1) },
        };

    private static UnitResult Hackbench(string scenario, int repeat, double seconds, Interference? l0 = null) =>
        new(scenario, "hackbench", repeat.ToString(System.Globalization.CultureInfo.InvariantCulture), $"raw/{scenario}/hackbench/{repeat}.txt", "0",
            null, new Dictionary<string, MetricValue> { ["time_s"] = MetricValue.Of(seconds), ["mode"] = MetricValue.Of("process") }, [], []) { L0 = l0 };

    [Fact]
    public void Runs_without_noise_records_have_no_section()
    {
        Assert.Null(NoiseReport.Of(new Manifest { RunId = "r", Profile = "smoke" }, new RunResults("r", []) { Boots = [new BootSummary("a", 1, 1, new Dictionary<string, string>(), [], [])] }));
    }

    [Fact]
    public void The_section_flags_a_disturbed_boot_tests_the_probe_against_the_scenario_and_fits_each_suite()
    {
        // log L1 rates: a 0 and 0.2, b 1 and 1.2 → between-scenario SS 1.0, within 0.04: F(1, 2) = 50, p = 1 - sqrt(50/52) = 0.019.
        var boots = new[]
        {
            Boot(1, "a", 1, Math.Exp(0)), Boot(2, "b", 1, Math.Exp(1)), Boot(3, "a", 2, Math.Exp(0.2), "L0 was not quiet after 300 s"), Boot(4, "b", 2, Math.Exp(1.2)),
        };
        // hackbench time halves when the probe doubles within each scenario: log time = -log rate + c → R² 1, slope -1.
        var units = new[]
        {
            Hackbench("a", 1, 10), Hackbench("a", 2, 10 * Math.Exp(-0.2), new Interference(9, 0.4, 0.5, 0, null)),
            Hackbench("b", 1, 20), Hackbench("b", 2, 20 * Math.Exp(-0.2)),
        };
        var manifest = new Manifest { RunId = "r", Profile = "smoke", Noise = new NoiseSettings(0.1, 10, 300, 0.25, 10_000_000, 1_000_000) };

        var section = NoiseReport.Of(manifest, new RunResults("r", units) { Boots = boots })!;

        Assert.Contains("**1 of 4 boots started on a busy L0** (the gate gave up waiting): boot 3.", section.Summary[1]);
        Assert.Equal("⚠ disturbed start", section.Boots[2].Flag);
        Assert.Equal("2.72 → 2.72", section.Boots[1].ProbeL1);
        Assert.Equal("`raw/a/hackbench/2.txt`: 40% of L0's CPUs used by other processes over its 9 s", Assert.Single(section.DisturbedUnits));
        Assert.StartsWith("**The scenario moved the L1 probe** (one-way ANOVA of log rate over 2 scenarios, 4 boots: F(1, 2) = 50.00, p = 0.019)", section.ProbeByScenario);
        var fit = Assert.Single(section.Fits);
        Assert.Equal(("hackbench process", "time_s", 4, "1.00", "-1.00"), (fit.Output, fit.Metric, fit.N, fit.R2, fit.Slope));
    }
}
