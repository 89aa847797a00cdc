using System.Globalization;
using System.Text;
using VmLab.Results;
using VmLab.Statistics;

namespace VmLab.Report;

/// <summary>One headline comparison of a pilot run: its per-block spread and the blocks a precision run needs for it.</summary>
/// <param name="Output">The suite output, e.g. "netperf TCP_RR".</param>
/// <param name="Metric">Its headline metric.</param>
/// <param name="Pairs">The pilot's blocks in which both scenarios have a valid value.</param>
/// <param name="Ratio">exp(mean d_b): the pilot's paired estimate of B/A; null without pairs.</param>
/// <param name="SdLog">s: the standard deviation of the per-block log differences d_b; null for fewer than 2 pairs.</param>
/// <param name="ForMargin">Blocks for a 95% interval of B/A no wider than ±margin (<see cref="BlocksNeeded.ForMargin(double, double)"/>).</param>
/// <param name="ToStop">Blocks until the rule stops on it, at the pilot's B/A (<see cref="BlocksNeeded.ToStop(double, double, double)"/>): what a precision run needs.</param>
public sealed record PilotRow(string Output, string Metric, int Pairs, double? Ratio, double? SdLog, int? ForMargin, int? ToStop)
{
    /// <summary>The probe covariate fitted on the pilot's blocks (df = k − 2); null when it cannot be (<see cref="ProbeNotUsed"/>). Shown for the record even on fewer than <see cref="MinProbeBlocks"/>, but counted only from them.</summary>
    public ProbeFit? Probe { get; init; }

    /// <summary>Why the probe covariate cannot be fitted on this pilot's blocks.</summary>
    public string? ProbeNotUsed { get; init; }

    /// <summary>
    /// The fewest probed blocks whose covariate fit a plan builds on: 5, three degrees of freedom after the intercept and
    /// the slope. On fewer, s² after the covariate rests on one or two (the 95% range of σ²/s² spans a factor of about
    /// 5100 at df = 1, 146 at df = 2, 43 at df = 3), and the fit's x̄ and v_x, which set the intercept's variance, on
    /// three or four points: on the 3-block quick run of 2026-12-07 they made one comparison "need" 1583 blocks where its
    /// plain spread needs 56.
    /// </summary>
    public const int MinProbeBlocks = 5;

    /// <summary>True when <see cref="Probe"/> has enough blocks to plan with (<see cref="MinProbeBlocks"/>).</summary>
    public bool ProbePlans => Probe is { Blocks: >= MinProbeBlocks };

    /// <summary>With the probe covariate: blocks for a 95% interval within ±margin; null when it does not plan.</summary>
    public int? ProbeForMargin => Probe is { Blocks: >= MinProbeBlocks } f ? BlocksNeeded.ForMargin(f, Margin) : null;

    /// <summary>With the probe covariate: blocks until the rule stops; null when it does not plan.</summary>
    public int? ProbeToStop => Probe is { Blocks: >= MinProbeBlocks } f ? BlocksNeeded.ToStop(f, Margin) : null;

    /// <summary>The margin the counts are for.</summary>
    public double Margin { get; init; }
}

/// <summary>One question of a pilot: its rows, and what its worst row needs.</summary>
/// <param name="BlockSeconds">One block of the question's two scenarios alone (a run with only them: --scenario A --scenario B).</param>
public sealed record PilotQuestion(string Question, string A, string B, IReadOnlyList<PilotRow> Rows, double BlockSeconds)
{
    /// <summary>Blocks until every row's interval is within ±margin; null when a row cannot be estimated or exceeds the limit.</summary>
    public int? ForMargin => Max(Rows.Select(r => r.ForMargin));

    /// <summary>Blocks until the rule stops on every row, at the pilot's estimates: what a precision run of this question needs.</summary>
    public int? ToStop => Max(Rows.Select(r => r.ToStop));

    /// <summary>As <see cref="ToStop"/>, with the probe covariate; null when a row cannot be fitted or its fit has fewer than <see cref="PilotRow.MinProbeBlocks"/> blocks.</summary>
    public int? ProbeToStop => Max(Rows.Select(r => r.ProbeToStop));

    internal static int? Max(IEnumerable<int?> values)
    {
        var list = values.ToList();
        return list.Count > 0 && list.All(v => v is not null) ? list.Max() : null;
    }
}

/// <summary>
/// <c>lab plan --pilot results/&lt;run&gt; --precision 10%</c>: from a finished (pilot) run's spread, the blocks and the
/// runner time each question's headline comparisons need for a precision run, on one machine and across shards.
/// The spread is the paired one a block design tests: per complete block b, d_b = mean log B − mean log A of the
/// headline's valid values (docs/PRECISION.md).
/// </summary>
/// <param name="BlockSeconds">One whole block (every scenario of the pilot), from <paramref name="BootSeconds"/>.</param>
/// <param name="BootSeconds">Each scenario's mean time per boot (its quiet-gate wait included), as measured by the pilot or estimated by the plan.</param>
/// <param name="TimeSource">Where <paramref name="BootSeconds"/> come from, in words.</param>
public sealed record PilotPlan(string RunId, string Profile, int Blocks, double Margin, IReadOnlyList<PilotQuestion> Questions, double BlockSeconds, IReadOnlyDictionary<string, double> BootSeconds, string TimeSource)
{
    /// <summary>The pilot's own look (<see cref="RunDecisions.Look(RunData, double, IReadOnlyCollection{string}, int?)"/>): what its blocks already decide.</summary>
    public IReadOnlyList<ComparisonDecision> Now { get; init; } = [];

    /// <summary>
    /// The plan from <paramref name="pilot"/> for <paramref name="questions"/> (all when empty) at ±<paramref name="margin"/>.
    /// <paramref name="bootSeconds"/> gives each scenario's time per boot when the pilot's own ledger has none (an imported run).
    /// </summary>
    public static PilotPlan Of(RunData pilot, double margin, IReadOnlyCollection<string> questions, Lab.Ledger.RunLedger? ledger, IReadOnlyDictionary<string, double> bootSeconds)
    {
        var specs = RunDecisions.Specs(pilot.Manifest, questions);
        var measured = ledger is { Boots.Count: > 0 }
            ? ledger.Boots.Values.GroupBy(b => b.Scenario, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Average(b => b.Seconds + (b.Quiet?.WaitedSeconds ?? 0)), StringComparer.Ordinal)
            : null;
        var boots = measured ?? bootSeconds;
        var probes = RunAnalysis.ProbeRates(pilot.Results);
        var rows = RunAnalysis.Of(pilot, specs).Select(q =>
        {
            var list = q.Tables.Where(t => t.Test is not null).Select(t => Row(pilot.Results, q.Spec, t, margin, probes)).ToList();
            return new PilotQuestion(q.Spec.Question, q.Spec.A, q.Spec.B, list, boots.GetValueOrDefault(q.Spec.A) + boots.GetValueOrDefault(q.Spec.B));
        }).ToList();
        var blocks = pilot.Results.Units.Where(u => Suites.SuiteRegistry.Find(u.Suite) is { IsBenchmark: true }).Select(u => u.Repeat).Distinct(StringComparer.Ordinal).Count();
        var scenarios = pilot.Manifest.Scenarios.Count > 0 ? pilot.Manifest.Scenarios.Select(s => s.Id) : boots.Keys;
        return new PilotPlan(pilot.Manifest.RunId, pilot.Manifest.Profile, blocks, margin, rows, scenarios.Sum(s => boots.GetValueOrDefault(s)), boots,
            measured is null ? "the plan's estimates (the pilot has no units.json)" : "the pilot's measured boots (mean per scenario, quiet-gate waits included)")
        {
            Now = RunDecisions.Look(pilot, margin, questions),
        };
    }

    /// <summary>The per-block log differences of one headline: complete blocks only, in block order.</summary>
    public static IReadOnlyList<double> Differences(RunResults results, ComparisonSpec spec, TableAnalysis table) =>
        Paired(results, spec, table).Select(b => b.D).ToList();

    // Each complete block's d_b = mean log B − mean log A, with the block's name.
    private static List<(string Block, double D)> Paired(RunResults results, ComparisonSpec spec, TableAnalysis table)
    {
        Dictionary<string, List<double>> Logs(string scenario) => results.Units
            .Where(u => u.Scenario == scenario && u.Suite == table.Suite && u.Workload == table.Workload && u.Valid)
            .Select(u => (u.Repeat, Value: u.Metrics.GetValueOrDefault(table.Headline!).Number))
            .Where(x => x.Value > 0)
            .GroupBy(x => x.Repeat, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(x => Math.Log(x.Value!.Value)).ToList(), StringComparer.Ordinal);
        var a = Logs(spec.A);
        var b = Logs(spec.B);
        return a.Keys.Intersect(b.Keys, StringComparer.Ordinal)
            .OrderBy(k => int.TryParse(k, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue).ThenBy(k => k, StringComparer.Ordinal)
            .Select(k => (k, b[k].Average() - a[k].Average()))
            .ToList();
    }

    private const string NoProbe = "the pilot's boots have no calibration probe rate";

    private static PilotRow Row(RunResults results, ComparisonSpec spec, TableAnalysis table, double margin, Dictionary<(string Scenario, string Block), double> probes)
    {
        var blocks = Paired(results, spec, table);
        var d = blocks.Select(b => b.D).ToList();
        var sd = BlocksNeeded.Sd(d);
        double? mean = d.Count > 0 ? d.Average() : null;
        // The probe as the block test with the covariate uses it: x_b = log(B's boot's L1 rate) − log(A's), blocks with both.
        var probed = blocks
            .Select(b => (b.D, A: probes.GetValueOrDefault((spec.A, b.Block)), B: probes.GetValueOrDefault((spec.B, b.Block))))
            .Where(b => b.A > 0 && b.B > 0).ToList();
        var (fit, why) = probed.Count < blocks.Count
            ? (null, probed.Count == 0 ? NoProbe : $"{blocks.Count - probed.Count} of {blocks.Count} blocks have a boot without a probe rate")
            : ProbeFit.Of(probed.Select(b => b.D).ToList(), probed.Select(b => Math.Log(b.B) - Math.Log(b.A)).ToList());
        return new PilotRow(table.Label, table.Headline!, d.Count, mean is { } m ? Math.Exp(m) : null, sd,
            sd is { } s ? BlocksNeeded.ForMargin(s, margin) : null,
            sd is { } s2 && mean is { } m2 ? BlocksNeeded.ToStop(s2, m2, margin) : null)
        {
            Probe = fit, ProbeNotUsed = why, Margin = margin,
        };
    }

    /// <summary>The plan as <c>lab plan --pilot</c> prints it; <paramref name="shards"/> adds the time across that many shards.</summary>
    public string Describe(int? shards, TimeSpan jobOverhead)
    {
        var text = new StringBuilder();
        var m = Percent(Margin);
        text.AppendLine(Invariant($"Pilot {RunId}: profile {Profile}, {Blocks} blocks. Precision ±{m}: a precision run stops when every chosen comparison's 95% interval of B/A is at most ±{m} wide (half-width ≤ log(1+{m}), with the spread taken about no change, the estimate's share capped at the margin), never on what the interval says."));
        text.AppendLine(Invariant($"Spread: s = sd of the per-block log differences d_b = log B − log A (paired by block; pairs = complete blocks). Blocks needed: ±{m} = the 95% interval's half-width ≤ log(1+{m}); stop = what the rule stops on, at the pilot's B/A (never fewer)."));
        var unprobed = Questions.SelectMany(q => q.Rows).All(r => r.ProbeNotUsed == NoProbe);
        text.AppendLine(unprobed ? $"Probe: {NoProbe}: the variance the calibration-probe covariate would remove, and the blocks with it, cannot be estimated (a pilot run with the probe and {PilotRow.MinProbeBlocks} or more complete blocks can)." : ProbeLine());
        text.AppendLine(Invariant($"Now: its {Blocks} blocks make {Now.Count(c => c.Precise == true)} of {Now.Count} headline comparisons precise at ±{m}{(Now.Any(c => c.Precise == true) ? ": " + string.Join(", ", Now.Where(c => c.Precise == true).Select(c => $"{c.Question} {c.Output}")) : "")}; {Now.Count(c => c.Decided)} are decided."));
        text.AppendLine(Invariant($"Block time from {TimeSource}: {string.Join(", ", BootSeconds.Select(b => $"{b.Key} {RunPlanFormat(b.Value)}"))}."));
        foreach (var q in Questions)
        {
            text.AppendLine(Invariant($"{q.Question} ({q.B} vs {q.A}):"));
            foreach (var r in q.Rows)
            {
                var probe = r.Probe is { } f
                    ? Invariant($"probe: removes {f.Removed * 100,4:0}% of s² (s {f.ResidualSd:0.000}, slope {f.Slope:0.00})") + (r.ProbePlans
                        ? Invariant($"  ±{m}: {Count(r.ProbeForMargin),8}  stop: {Count(r.ProbeToStop),8}")
                        : Invariant($" on {f.Blocks - 2} df: too few blocks to count with"))
                    : $"probe: – ({r.ProbeNotUsed})";
                text.AppendLine(Invariant($"  {r.Output,-20} {r.Metric,-20} pairs {r.Pairs}  B/A {Num(r.Ratio, "0.000"),6}  s {Num(r.SdLog, "0.000"),6}  ±{m}: {Count(r.ForMargin),8}  stop: {Count(r.ToStop),8}{(unprobed ? "" : "  | " + probe)}"));
            }

            var withProbe = q.ProbeToStop is { } p ? Invariant($"; with the probe after {p} ({Time(p, q.BlockSeconds, shards, jobOverhead)})") : "";
            text.AppendLine(Invariant($"  {q.Question} alone (its two scenarios, {RunPlanFormat(q.BlockSeconds)} a block): the rule stops after {Count(q.ToStop)} blocks ({Time(q.ToStop, q.BlockSeconds, shards, jobOverhead)}){withProbe}"));
        }

        var all = PilotQuestion.Max(Questions.Select(q => q.ToStop));
        var allProbe = PilotQuestion.Max(Questions.Select(q => q.ProbeToStop));
        text.Append(Invariant($"All {(Questions.Count == 1 ? "of " + Questions[0].Question : string.Join(", ", Questions.Select(q => q.Question)))} in one run of every scenario ({RunPlanFormat(BlockSeconds)} a block): {Count(all)} blocks ({Time(all, BlockSeconds, shards, jobOverhead)})"));
        text.Append(allProbe is { } ap ? Invariant($"; with the probe {ap} ({Time(ap, BlockSeconds, shards, jobOverhead)})") : "");
        return text.ToString();
    }

    // The "Probe:" line of a pilot with the probe: what the covariate's columns are, and, where some fits have too few
    // blocks to count with, how many they have (the rows' own fits, not the pilot's block count: a block one scenario
    // lacks is in neither).
    private string ProbeLine()
    {
        var line = Invariant($"Probe: the calibration probe as covariate, fitted on the pilot's blocks as the block test fits it (d_b on x_b = log probe B − log probe A, df = k − 2): the share of s² it removes, s left, and the same counts with it, from {PilotRow.MinProbeBlocks} or more probed blocks (df ≥ {PilotRow.MinProbeBlocks - 2}); on fewer the fit is shown, not counted");
        var few = Questions.SelectMany(q => q.Rows).Select(r => r.Probe).OfType<ProbeFit>().Where(f => f.Blocks < PilotRow.MinProbeBlocks).Select(f => f.Blocks).Distinct().Order().ToList();
        return few.Count == 0 ? line + "."
            : line + Invariant($" (here: fits on {string.Join(" or ", few)} probed blocks, {string.Join(" or ", few.Select(k => k - 2))} degree{(few.Max() - 2 == 1 ? "" : "s")} of freedom).");
    }

    // "412 h on this machine; across 4 shards 104 h each, 1650 runner-hours": blocks run one after another on one
    // machine; shards split whole blocks, each paying the job's fixed overhead.
    private static string Time(int? blocks, double blockSeconds, int? shards, TimeSpan overhead)
    {
        if (blocks is not { } b)
        {
            return "cannot estimate";
        }

        var one = Hours(b * blockSeconds);
        if (shards is not { } n || n <= 1)
        {
            return $"{one} runner-hours on this machine";
        }

        var each = (int)Math.Ceiling(b / (double)n);
        return $"{one} runner-hours on this machine; across {n} shards {Hours((each * blockSeconds) + overhead.TotalSeconds)} h each ({each} blocks), {Hours((b * blockSeconds) + (n * overhead.TotalSeconds))} runner-hours";
    }

    private static string Hours(double seconds) => (seconds / 3600).ToString(seconds < 36000 ? "0.0" : "0", CultureInfo.InvariantCulture);

    private static string Count(int? blocks) => blocks?.ToString(CultureInfo.InvariantCulture) ?? "–";

    private static string Num(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "–";

    private static string Percent(double margin) => (margin * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    private static string RunPlanFormat(double seconds) => Lab.Plan.RunPlan.FormatDuration(TimeSpan.FromSeconds(seconds));

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
