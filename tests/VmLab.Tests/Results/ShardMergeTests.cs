using System.Collections.Immutable;
using System.Text.RegularExpressions;
using VmLab.Common;
using VmLab.Lab.Ledger;
using VmLab.Lab.Vm;
using VmLab.Report;
using VmLab.Results;

namespace VmLab.Tests.Results;

/// <summary>
/// <c>vmlab merge</c> on shards cut from a real run: results/2026-11-29T0447Z-smoke's two repeat blocks become two
/// shard directories, each as <c>vmlab lab run --shard K/2</c> would have left it (its own boots numbered from 1, a
/// manifest with its <c>shard</c>), and merging them must give back the run's results.
/// </summary>
public sealed partial class ShardMergeTests : IDisposable
{
    private const string RunId = "2026-11-29T0447Z-smoke";
    private static readonly string Committed = Path.Combine(RepoPaths.Find(AppContext.BaseDirectory).ResultsDir, RunId);
    private readonly string _temp = Directory.CreateTempSubdirectory("vmlab-merge-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void Merging_the_blocks_of_a_real_run_gives_back_its_results_and_a_report_with_a_shard_breakdown()
    {
        var shards = new[] { MakeShard(1), MakeShard(2) };
        var merged = Path.Combine(_temp, "merged", RunId);

        var manifest = ShardMerge.Merge(shards.Reverse().ToList(), merged);

        // Boots renumbered in shard order: exactly the original numbering, consoles included.
        Assert.Equal(
            Files(Path.Combine(Committed, "raw")),
            Files(Path.Combine(merged, "raw")));
        var ledger = RunLedger.Load(merged)!;
        var original = RunLedger.Load(Committed)!;
        Assert.Equal(original.Units.Select(u => (u.Key, u.Value.Boot)), ledger.Units.Select(u => (u.Key, u.Value.Boot)));
        Assert.Equal(original.Boots.Keys, ledger.Boots.Keys);

        // The manifest keeps both shards' L0 facts and times.
        Assert.Equal([1, 2], manifest.Shards!.Select(s => s.Index));
        Assert.Equal([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]], manifest.Shards!.Select(s => s.Boots.ToArray()));
        Assert.All(manifest.Shards!, s => Assert.Equal("AMD EPYC", s.L0!.Cpu));
        Assert.Null(manifest.MissingShards);
        Assert.Equal(925827383UL, manifest.Seed);
        foreach (var k in new[] { 1, 2 })
        {
            // Each shard's own manifest and ledger are kept verbatim inside the merged run.
            Assert.Equal(File.ReadAllText(Path.Combine(shards[k - 1], "manifest.json")), File.ReadAllText(Path.Combine(merged, "shards", $"shard-{k}", "manifest.json")));
            Assert.Equal(File.ReadAllText(Path.Combine(shards[k - 1], "units.json")), File.ReadAllText(Path.Combine(merged, "shards", $"shard-{k}", "units.json")));
        }

        // Re-parsed, the merged run is the original run: results.json byte for byte.
        var run = new RunDirectory(merged);
        run.WriteResults(RunParser.Parse(run, run.ReadManifest()));
        Assert.Equal(File.ReadAllText(Path.Combine(Committed, "results.json")), File.ReadAllText(run.ResultsPath));

        // Its report has the shard breakdown, and re-rendering it gives the same bytes.
        var report = ReportWriter.Write(run, ReferenceRun.Embedded, new ReportRenderer(null), null);
        var text = File.ReadAllText(run.ReportPath);
        Assert.Contains("## Shards", text);
        Assert.Contains("| 1/2 |", text);
        run.WriteResults(RunParser.Parse(run, run.ReadManifest()));
        ReportWriter.Write(run, ReferenceRun.Embedded, new ReportRenderer(null), null);
        Assert.Equal(text, File.ReadAllText(run.ReportPath));
        Assert.NotNull(report);
    }

    [Fact]
    public void Shards_built_from_another_kernel_are_refused_naming_the_key()
    {
        var one = MakeShard(1);
        var two = MakeShard(2, m => m with { Artifacts = [.. m.Artifacts.Select(a => a.Name == "kernel/host/Image" ? a with { Key = "ffffffffffffffff" } : a)] });

        var e = Assert.Throws<LabException>(() => ShardMerge.Merge([one, two], Path.Combine(_temp, "out")));

        Assert.Contains("Shards differ in kernel key (kernel/host/Image)", e.Message);
        Assert.Contains("ffffffffffffffff", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_temp, "out")));
    }

    [Fact]
    public void Shards_of_another_seed_or_VmLab_commit_are_refused()
    {
        var one = MakeShard(1);

        var seed = Assert.Throws<LabException>(() => ShardMerge.Merge([one, MakeShard(2, m => m with { Seed = 7 })], Path.Combine(_temp, "a")));
        var commit = Assert.Throws<LabException>(() => ShardMerge.Merge([one, MakeShard(2, m => m with { VmlabVersion = "0000000" })], Path.Combine(_temp, "b")));

        Assert.Equal("Shards differ in seed: 2026-11-29T0447Z-smoke-shard-1 has 925827383, 2026-11-29T0447Z-smoke-shard-2 has 7.", seed.Message);
        Assert.StartsWith("Shards differ in VmLab commit", commit.Message);
    }

    [Fact]
    public void A_missing_shard_is_refused_unless_allowed_and_then_named()
    {
        var one = MakeShard(1);

        var e = Assert.Throws<LabException>(() => ShardMerge.Merge([one], Path.Combine(_temp, "out")));
        Assert.StartsWith("Shard(s) 2/2 of run 2026-11-29T0447Z-smoke missing", e.Message);
        Assert.Contains("--allow-missing", e.Next);

        var partial = Path.Combine(_temp, "partial", RunId);
        var manifest = ShardMerge.Merge([one], partial, allowMissing: true);
        Assert.Equal(["2/2"], manifest.MissingShards!);
        var run = new RunDirectory(partial);
        run.WriteResults(RunParser.Parse(run, run.ReadManifest()));
        ReportWriter.Write(run, ReferenceRun.Embedded, new ReportRenderer(null), null);
        Assert.Contains("shard(s) 2/2 missing", File.ReadAllText(run.ReportPath));
    }

    [Fact]
    public void Overlapping_shards_and_a_shard_given_twice_are_refused()
    {
        var one = MakeShard(1);
        var two = MakeShard(2, m => m with { Shard = m.Shard! with { Units = [.. m.Shard!.Units, "host/ab/1"] } });

        var e = Assert.Throws<LabException>(() => ShardMerge.Merge([one, two], Path.Combine(_temp, "out")));
        Assert.Equal("Shards overlap: unit host/ab/1 is in both 2026-11-29T0447Z-smoke-shard-1 and 2026-11-29T0447Z-smoke-shard-2.", e.Message);

        var twice = Assert.Throws<LabException>(() => ShardMerge.Merge([one, one], Path.Combine(_temp, "out2")));
        Assert.StartsWith("Shard 1/2 is given twice", twice.Message);
    }

    /// <summary>Block <paramref name="block"/> of the committed run as shard block/2's run directory.</summary>
    private string MakeShard(int block, Func<Manifest, Manifest>? alter = null)
    {
        var dir = Path.Combine(_temp, "shards", $"{block}-{Guid.NewGuid():N}", $"{RunId}-shard-{block}");
        var original = RunLedger.Load(Committed)!;
        var boots = original.Boots.Where(b => b.Value.Repeat == block).Select(b => b.Key).Order().ToList();
        var renumber = boots.Select((b, i) => (b, i + 1)).ToDictionary(x => x.b, x => x.Item2); // a shard numbers its own boots from 1
        var units = original.Units.Where(u => u.Key.EndsWith($"/{block}", StringComparison.Ordinal)).ToList();

        foreach (var file in Directory.GetFiles(Path.Combine(Committed, "raw"), "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Committed, file);
            var name = Path.GetFileName(file);
            var console = ConsoleName().Match(name);
            if (console.Success ? !renumber.ContainsKey(int.Parse(console.Groups[1].Value)) : !name.Equals($"{block}.txt", StringComparison.Ordinal))
            {
                continue;
            }

            if (console.Success)
            {
                relative = Path.Combine(Path.GetDirectoryName(relative)!, $"console-{renumber[int.Parse(console.Groups[1].Value)]}{console.Groups[2].Value}");
            }

            var to = Path.Combine(dir, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }

        var ledger = new RunLedger(
            $"{RunId}-shard-{block}", original.Profile, boots.Count,
            units.ToImmutableSortedDictionary(u => u.Key, u => u.Value with { Boot = renumber[u.Value.Boot] }, StringComparer.Ordinal),
            original.Boots.Where(b => renumber.ContainsKey(b.Key)).ToImmutableSortedDictionary(b => renumber[b.Key], b => b.Value)) { Order = original.Order };
        ledger.SaveAsync(dir, TestContext.Current.CancellationToken).GetAwaiter().GetResult();

        var manifest = new RunDirectory(Committed).ReadManifest();
        var order = original.Order!.Blocks[block - 1];
        var suites = manifest.Suites.Select(s => s.Id).ToList();
        manifest = manifest with
        {
            RunId = $"{RunId}-shard-{block}",
            Notes = [.. manifest.Notes.Except(LabManifest.UnitNotes(original)), .. LabManifest.UnitNotes(ledger)],
            Shard = new ShardOf(RunId, block, 2, "block", [block], [.. order.SelectMany(s => suites.Select(u => $"{s}/{u}/{block}"))], 2085),
        };
        new RunDirectory(dir).WriteManifest(alter is null ? manifest : alter(manifest));
        return dir;
    }

    private static List<string> Files(string root) =>
        [.. Directory.GetFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f) + " " + Hashing.Sha256OfFile(f)).Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"^console-(\d+)((-l2-\d+)?\.log)$")]
    private static partial Regex ConsoleName();
}
