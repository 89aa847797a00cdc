using System.Globalization;
using VmLab.Results;
using VmLab.Suites;

namespace VmLab.Report;

/// <summary>The report's "Shards" section of a merged run: which shard ran what, on which L0, and whether they agree.</summary>
/// <param name="Rows">One row per shard present, and one per missing shard.</param>
/// <param name="Checks">Per suite output × headline metric × scenario: each shard's mean, and a flag when one is out of line.</param>
public sealed record ShardSection(string Text, IReadOnlyList<ShardRow> Rows, IReadOnlyList<ShardCheckRow> Checks, string CheckText);

/// <summary>One shard: what it ran, where and when.</summary>
public sealed record ShardRow(string Shard, string Directory, string Blocks, string Boots, string Units, string Cpu, string Kernel, string Load, string Started, string Took, string Estimate);

/// <summary>One scenario's headline metric across shards.</summary>
public sealed record ShardCheckRow(string Suite, string Metric, string Scenario, string PerShard, string Check);

/// <summary>
/// Builds the <see cref="ShardSection"/>. The consistency check: for each suite output, its headline metric and each
/// scenario, every shard's mean over its valid units; a shard whose mean lies outside the range of the other shards'
/// means by more than <see cref="Margin"/> of that range's bound is flagged, so a scenario that was much slower on
/// one machine is shown instead of averaged away. Nothing is tested: shards hold different repeats, and with one or
/// two repeats per shard a flag says "look", not "significant".
/// </summary>
public static class ShardBreakdown
{
    /// <summary>How far outside the others' range a shard's mean must be to be flagged: 20% of the nearer bound.</summary>
    public const double Margin = 0.20;

    /// <summary>The section of a merged run; null for any other run (its report has no such section).</summary>
    public static ShardSection? Of(Manifest m, RunResults results)
    {
        if (m.Shards is not { Count: > 0 } shards)
        {
            return null;
        }

        var count = shards.Count + (m.MissingShards?.Count ?? 0);
        var rows = shards.Select(s => new ShardRow(
            $"{s.Index}/{count}", $"`{s.Directory}`", string.Join(", ", s.Blocks),
            s.Boots.Count == 0 ? "–" : $"{s.Boots.Min()}–{s.Boots.Max()}", s.Units.Count.ToString(CultureInfo.InvariantCulture),
            s.L0?.Cpu ?? "–", s.L0?.Uname ?? "–", s.L0State is { } l ? $"{l.LoadAtStart ?? "?"} → {l.LoadAtEnd ?? "?"}" : "–",
            s.StartedUtc?.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture) ?? "–",
            s.StartedUtc is { } a && s.EndedUtc is { } b ? Format(b - a) : "–",
            Format(TimeSpan.FromSeconds(s.EstimateSeconds)))).ToList();
        rows.AddRange((m.MissingShards ?? []).Select(id => new ShardRow(id, "**missing**", "–", "–", "0", "–", "–", "–", "–", "–", "–")));

        var text = $"This run was merged (`vmlab merge`) from {shards.Count} of {count} shards, each a separate lab run with the same seed, VmLab commit and artifacts; {Machines(shards)}; boots are renumbered in shard order."
                   + (m.MissingShards is { Count: > 0 } missing ? $" **Partial run: shard(s) {string.Join(", ", missing)} missing**; their units are absent from every table." : "");
        var checks = Checks(shards, count, results);
        var flagged = checks.Count(c => c.Check.StartsWith("⚠", StringComparison.Ordinal));
        var checkText = checks.Count == 0
            ? "No scenario has valid headline values in two shards: the shards cannot be compared."
            : $"Each shard's mean of every headline metric per scenario (valid units only; n in parentheses). A shard more than {Numbers.Percent(Margin)} outside the other shards' range is flagged ⚠ (with two shards, a pair more than {Numbers.Percent(Margin)} apart): {flagged} of {checks.Count} flagged. A flag says look, not significant: with one or two repeats per shard, noise alone flags often (compare the scenario's CV in the question tables); flags that pile up on one shard point at its machine.";
        return new ShardSection(text, rows, checks, checkText);
    }

    /// <summary>Where the shards ran, from the machine ids their manifests recorded (never assumed).</summary>
    private static string Machines(IReadOnlyList<ShardRecord> shards)
    {
        var ids = shards.Select(s => s.L0State?.MachineId).ToList();
        if (ids.Any(id => id is null))
        {
            return "which machines they ran on is not recorded (no machine id in their manifests)";
        }

        var machines = ids.Distinct().Count();
        return machines == shards.Count
            ? $"each ran on its own machine ({machines} different machine ids)"
            : machines == 1
                ? "all ran on the same machine (one machine id)"
                : $"they ran on {machines} machines: " + string.Join("; ", shards.GroupBy(s => s.L0State!.MachineId).Select(g => $"shard{(g.Count() > 1 ? "s" : "")} {string.Join(", ", g.Select(s => s.Index))} on machine {g.Key}"));
    }

    private static List<ShardCheckRow> Checks(IReadOnlyList<ShardRecord> shards, int count, RunResults results)
    {
        var shardOf = shards.SelectMany(s => s.Units.Select(u => (u, s.Index))).ToDictionary(x => x.u, x => x.Index, StringComparer.Ordinal);
        var values =
            from u in results.Units
            where SuiteRegistry.Find(u.Suite) is { IsBenchmark: true } && u.Valid
            let key = UnitKey(u.File)
            where key is not null && shardOf.ContainsKey(key)
            let headline = SuiteRegistry.Catalog(u.Suite).Headline(u.Metrics)
            where headline is not null
            select (Output: u.Workload.Length > 0 ? $"{u.Suite} {u.Workload}" : u.Suite, u.Suite, Metric: headline, u.Scenario, Shard: shardOf[key], Value: u.Metrics[headline].Number!.Value);

        var rows = new List<ShardCheckRow>();
        foreach (var group in values.GroupBy(v => (v.Output, v.Suite, v.Metric, v.Scenario))
                     .OrderBy(g => g.Key.Output, StringComparer.Ordinal).ThenBy(g => g.Key.Metric, StringComparer.Ordinal).ThenBy(g => g.Key.Scenario, StringComparer.Ordinal))
        {
            var means = group.GroupBy(v => v.Shard).OrderBy(g => g.Key).Select(g => (Shard: g.Key, Mean: g.Average(v => v.Value), N: g.Count())).ToList();
            if (means.Count < 2)
            {
                continue;
            }

            var per = string.Join("; ", means.Select(x => $"{x.Shard}/{count}: {Numbers.Value(x.Mean)} ({x.N})"));
            var direction = SuiteParsers.Direction(group.Key.Suite, group.Key.Metric);
            var flags = means.Count == 2 ? PairFlags(means[0], means[1], direction, count) : OutlierFlags(means, direction, count);
            rows.Add(new ShardCheckRow(group.Key.Output, group.Key.Metric, group.Key.Scenario, per, flags.Count == 0 ? "consistent" : string.Join("; ", flags)));
        }

        return rows;
    }

    // Two shards: each is outside the other's "range", so the pair is flagged once, naming the worse one.
    private static List<string> PairFlags((int Shard, double Mean, int N) a, (int Shard, double Mean, int N) b, MetricDirection direction, int count)
    {
        var ratio = Math.Max(a.Mean, b.Mean) / Math.Min(a.Mean, b.Mean);
        if (ratio <= 1 + Margin)
        {
            return [];
        }

        var worse = (direction == MetricDirection.HigherIsBetter) ^ (a.Mean > b.Mean) ? a.Shard : b.Shard;
        return [$"⚠ shards differ by {Numbers.Percent(ratio - 1)}" + (direction == MetricDirection.None ? "" : $" (shard {worse}/{count} worse)")];
    }

    // Three shards or more: a shard whose mean lies more than the margin outside the others' range.
    private static List<string> OutlierFlags(List<(int Shard, double Mean, int N)> means, MetricDirection direction, int count)
    {
        var flags = new List<string>();
        foreach (var x in means)
        {
            var others = means.Where(o => o.Shard != x.Shard).Select(o => o.Mean).ToList();
            var (low, high) = (others.Min(), others.Max());
            if (x.Mean > high * (1 + Margin) || x.Mean < low * (1 - Margin))
            {
                var beyond = x.Mean > high ? x.Mean / high : x.Mean / low;
                var worse = direction switch
                {
                    MetricDirection.HigherIsBetter => x.Mean < low ? "worse" : "better",
                    MetricDirection.LowerIsBetter => x.Mean > high ? "worse" : "better",
                    _ => "different",
                };
                flags.Add($"⚠ shard {x.Shard}/{count} {worse}: {Numbers.Change(beyond)} beyond the others' range");
            }
        }

        return flags;
    }

    /// <summary><c>raw/baseline/netperf-rr/1.txt</c> → <c>baseline/netperf-rr/1</c> (the ledger's unit key).</summary>
    private static string? UnitKey(string file)
    {
        var parts = file.Split('/');
        return parts.Length == 4 && parts[0] == "raw" && parts[3].EndsWith(".txt", StringComparison.Ordinal) ? $"{parts[1]}/{parts[2]}/{parts[3][..^4]}" : null;
    }

    private static string Format(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes:00} min" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes} min {t.Seconds:00} s" : $"{t.Seconds} s";
}
