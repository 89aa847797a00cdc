using System.Globalization;
using MathNet.Numerics.Distributions;
using VmLab.Lab.Noise;
using VmLab.Results;
using VmLab.Suites;

namespace VmLab.Report;

/// <summary>
/// "Noise on L0" (issue "Noise you can see"): what else ran on L0 during each boot and unit, which boots started on a
/// busy machine, each boot's speed from the calibration probe, whether the scenario moved the probe (it must not, to
/// serve as a covariate), and how much of each suite's between-boot spread the probe explains. Null for runs without
/// these records (made before the monitor, or imported).
/// </summary>
public sealed record NoiseSection(
    IReadOnlyList<string> Summary,
    IReadOnlyList<NoiseBootRow> Boots,
    IReadOnlyList<string> DisturbedUnits,
    string ProbeByScenario,
    IReadOnlyList<ProbeFitRow> Fits);

/// <summary>One boot: the quiet gate, what else used L0 over it, and its probe rates (millions of loop iterations per second).</summary>
public sealed record NoiseBootRow(string Boot, string Block, string Scenario, string Gate, string Other, string Steal, string Pressure, string ProbeL0, string ProbeL1, string Flag);

/// <summary>
/// One suite output: how much of its headline's spread between boots (within scenarios) the boot's L1 probe rate
/// explains; "–" when fewer than two degrees of freedom are left after centring each scenario.
/// </summary>
public sealed record ProbeFitRow(string Output, string Metric, int N, string R2, string Slope);

/// <summary>Builds <see cref="NoiseSection"/> from the manifest and results.json.</summary>
public static class NoiseReport
{
    public static NoiseSection? Of(Manifest m, RunResults results)
    {
        var boots = (results.Boots ?? []).Where(b => b.Quiet is not null || b.Calibration is not null || b.L0 is not null).OrderBy(b => b.Boot).ToList();
        if (boots.Count == 0)
        {
            return null;
        }

        var threshold = m.Noise?.DisturbedOtherCpu;
        var disturbed = results.Units
            .Where(u => u.L0 is { } l0 && threshold is { } t && NoiseWatch.Disturbance(l0, t) is not null)
            .Select(u => $"`{u.File}`: {Interference.Percent(u.L0!.OtherCpu)} of L0's CPUs used by other processes over its {u.L0.Seconds.ToString("0.#", CultureInfo.InvariantCulture)} s")
            .ToList();
        return new NoiseSection(Summary(m, boots), boots.Select(Row).ToList(), disturbed, ProbeByScenario(boots), Fits(results, boots));
    }

    private static List<string> Summary(Manifest m, List<BootSummary> boots)
    {
        var lines = new List<string>();
        if (m.Noise is { } n)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"Declared before the run (lab/profiles.json): a boot starts once other processes used under {Interference.Percent(n.QuietOtherCpu)} of L0's CPUs over {n.QuietWindowSeconds:0} s, waiting at most {n.QuietWaitSeconds:0} s; a unit during which they used over {Interference.Percent(n.DisturbedOtherCpu)} is invalid. " +
                $"The calibration probe (a fixed awk loop, {n.ProbeIterationsL0:N0} iterations on L0, {n.ProbeIterationsL1:N0} in L1) runs on L0 before and after each boot and in L1 before L2 starts and the factor is set, and at the boot's end."));
        }

        var started = boots.Count(b => b.Quiet is not null);
        var busy = boots.Where(b => b.Quiet?.Disturbed is not null).Select(b => b.Boot.ToString(CultureInfo.InvariantCulture)).ToList();
        lines.Add(busy.Count == 0
            ? $"Every one of the {started} gated boots started on a quiet L0."
            : $"**{busy.Count} of {started} boots started on a busy L0** (the gate gave up waiting): boot {string.Join(", ", busy)}. They are marked ⚠ below; their units count only where their own window was quiet enough.");
        if (m.L0 is { } l0)
        {
            if (l0.Autogroup == true)
            {
                lines.Add("L0's kernel.sched_autogroup_enabled was 1: the scheduler shares the CPUs equally between sessions whatever their nice value, so `nice` on other work did not shield this run.");
            }

            if (l0.SamplingCost is { } cost)
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"Sampling L0's counters once a second cost {cost * 100:0.00}% of one CPU over the run."));
            }
        }

        return lines;
    }

    private static NoiseBootRow Row(BootSummary b)
    {
        static string Rate(ProbeRun? r) => r is null ? "–" : (r.Rate / 1e6).ToString("0.00", CultureInfo.InvariantCulture);
        var c = b.Calibration;
        var gate = b.Quiet is { } q
            ? string.Create(CultureInfo.InvariantCulture, $"waited {q.WaitedSeconds:0} s, other {Interference.Percent(q.AtStart?.OtherCpu)}")
            : "–";
        return new NoiseBootRow(
            b.Boot.ToString(CultureInfo.InvariantCulture),
            b.Repeat.ToString(CultureInfo.InvariantCulture),
            b.Scenario,
            gate,
            b.L0 is { } l ? Interference.Percent(l.OtherCpu) + (l.KernelCpu is { } k ? $" (kernel {Interference.Percent(k)})" : "") : "–",
            b.L0 is { } s ? Interference.Percent(s.Steal) : "–",
            b.L0 is { } p ? Interference.Percent(p.Pressure) : "–",
            c is null ? "–" : $"{Rate(c.L0Start)} → {Rate(c.L0End)}",
            c is null ? "–" : $"{Rate(c.L1Start)} → {Rate(c.L1End)}",
            b.Quiet?.Disturbed is not null ? "⚠ disturbed start" : c is { Failures.Count: > 0 } ? string.Join("; ", c.Failures) : "");
    }

    /// <summary>One-way ANOVA of log(L1 probe rate) across scenarios: the probe may serve as a covariate only if the scenario does not move it.</summary>
    private static string ProbeByScenario(List<BootSummary> boots)
    {
        var groups = boots.Where(b => b.Calibration?.L1Rate is not null)
            .GroupBy(b => b.Scenario)
            .Select(g => g.Select(b => Math.Log(b.Calibration!.L1Rate!.Value)).ToList())
            .ToList();
        var n = groups.Sum(g => g.Count);
        var k = groups.Count;
        if (k < 2 || n - k < 1)
        {
            return "Too few probed boots to test whether the scenario moves the probe.";
        }

        var grand = groups.SelectMany(g => g).Average();
        var between = groups.Sum(g => g.Count * Math.Pow(g.Average() - grand, 2));
        var within = groups.Sum(g => g.Sum(x => Math.Pow(x - g.Average(), 2)));
        if (within <= 0)
        {
            return "The probe's rates do not vary within scenarios: the test cannot be made.";
        }

        var f = between / (k - 1) / (within / (n - k));
        var p = 1 - FisherSnedecor.CDF(k - 1, n - k, f);
        var test = string.Create(CultureInfo.InvariantCulture, $"one-way ANOVA of log rate over {k} scenarios, {n} boots: F({k - 1}, {n - k}) = {f:0.00}, p = {p:0.000}");
        return p < 0.05
            ? $"**The scenario moved the L1 probe** ({test}): the probe is not a factor-free measure of the boot's speed in this run and must not be used as a covariate."
            : $"The scenario did not significantly move the L1 probe ({test}), as its use as a covariate would require (not a proof that it did not: with this few boots, only large effects would show).";
    }

    /// <summary>
    /// Per suite output, R² of its headline (log) on the boot's L1 probe rate (log), both centred within each scenario:
    /// the share of the spread between boots of one scenario that the machine's speed explains.
    /// </summary>
    private static List<ProbeFitRow> Fits(RunResults results, List<BootSummary> boots)
    {
        double? RateOf(UnitResult u) => boots.Where(b => b.Scenario == u.Scenario && b.Repeat.ToString(CultureInfo.InvariantCulture) == u.Repeat)
            .OrderByDescending(b => b.Boot).Select(b => b.Calibration?.L1Rate).FirstOrDefault(r => r is not null);
        var rows = new List<ProbeFitRow>();
        foreach (var output in results.Units.Where(u => u.Valid && SuiteRegistry.Find(u.Suite)?.IsBenchmark == true).GroupBy(u => (u.Suite, u.Workload)).OrderBy(g => g.Key.Suite, StringComparer.Ordinal).ThenBy(g => g.Key.Workload, StringComparer.Ordinal))
        {
            var catalog = SuiteRegistry.Find(output.Key.Suite)?.Catalog;
            var headline = output.Select(u => catalog?.Headline(u.Metrics)).FirstOrDefault(h => h is not null);
            if (headline is null)
            {
                continue;
            }

            var points = output
                .Select(u => (u.Scenario, Y: (u.Metrics.TryGetValue(headline, out var v) ? v.Number : null), X: RateOf(u)))
                .Where(p => p.Y is > 0 && p.X is > 0)
                .Select(p => (p.Scenario, Y: Math.Log(p.Y!.Value), X: Math.Log(p.X!.Value)))
                .ToList();
            var centred = points.GroupBy(p => p.Scenario)
                .SelectMany(g => g.Select(p => (X: p.X - g.Average(q => q.X), Y: p.Y - g.Average(q => q.Y))))
                .ToList();
            // Centring spends one degree of freedom per scenario: with fewer than two left the fit is exact by construction.
            var freedom = points.Count - points.Select(p => p.Scenario).Distinct().Count();
            var sxx = centred.Sum(p => p.X * p.X);
            var syy = centred.Sum(p => p.Y * p.Y);
            var sxy = centred.Sum(p => p.X * p.Y);
            var label = output.Key.Workload.Length > 0 ? $"{output.Key.Suite} {output.Key.Workload}" : output.Key.Suite;
            rows.Add(freedom >= 2 && sxx > 0 && syy > 0
                ? new ProbeFitRow(label, headline, points.Count, (sxy * sxy / (sxx * syy)).ToString("0.00", CultureInfo.InvariantCulture),
                    (sxy / sxx).ToString("+0.00;-0.00", CultureInfo.InvariantCulture))
                : new ProbeFitRow(label, headline, points.Count, "–", "–"));
        }

        return rows;
    }
}
