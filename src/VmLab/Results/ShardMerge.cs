using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using VmLab.Common;
using VmLab.Lab.Ledger;
using VmLab.Lab.Vm;
using VmLab.Results;

namespace VmLab.Results;

/// <summary>
/// <c>vmlab merge</c>: joins the run directories of a sharded run's shards into one run directory that parses and
/// renders like any other (README, "Scale-out"). Shards made from different inputs are refused before anything is
/// written: a different profile, seed, run, shard count, VmLab commit, kernel or rootfs key or image sha256; a
/// shard given twice or a unit in two shards; a missing shard unless <c>allowMissing</c>. Boots are renumbered in
/// shard order (shard 1's first), so console names and units.json's boot numbers stay unique and follow the run order.
/// </summary>
public static partial class ShardMerge
{
    /// <summary>One shard's directory as read: its manifest, ledger and shard record.</summary>
    private sealed record Part(string Path, Manifest Manifest, ShardOf Shard, RunLedger Ledger);

    /// <summary>Merges <paramref name="shardDirectories"/> into <paramref name="outDirectory"/> (which must not hold a run yet).</summary>
    /// <returns>The merged manifest.</returns>
    public static Manifest Merge(IReadOnlyList<string> shardDirectories, string outDirectory, bool allowMissing = false)
    {
        var parts = shardDirectories.Select(Read).OrderBy(p => p.Shard.Index).ToList();
        if (parts.Count == 0)
        {
            throw new LabException("vmlab merge needs at least one shard directory.", "vmlab merge results/<run-id>-shard-1 results/<run-id>-shard-2 --out results/<run-id>");
        }

        Check(parts, allowMissing);
        if (parts.FirstOrDefault(p => OutputPath.IsInside(outDirectory, p.Path)) is { } input)
        {
            throw new LabException($"--out {outDirectory} is inside the shard directory {input.Path}, which merge reads: the merged run would be written into one of its inputs.", $"give an --out outside every shard, e.g. --out results/{input.Shard.RunId}");
        }

        var outRun = new RunDirectory(outDirectory);
        if (Directory.Exists(outDirectory) && Directory.EnumerateFileSystemEntries(outDirectory).Any())
        {
            throw new LabException($"{outDirectory} already exists and is not empty: merge writes a new run directory.", $"remove it, or give another --out");
        }

        var renumber = RenumberBoots(parts);
        // Built beside --out and renamed into place at the end: a merge that fails part way (a full disk) leaves nothing
        // behind to make the retry fail with "not empty", and of two merges into one --out the second finds it taken.
        var full = Path.GetFullPath(outDirectory);
        var staging = new RunDirectory(Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.merging-{Environment.ProcessId}"));
        try
        {
            Directory.CreateDirectory(staging.Path);
            CopyFiles(parts, staging, renumber);
            var ledger = MergedLedger(parts, outRun.RunId, renumber);
            ledger.SaveAsync(staging.Path).GetAwaiter().GetResult();
            var manifest = MergedManifest(parts, outRun.RunId, ledger, renumber);
            staging.WriteManifest(manifest);
            if (Directory.Exists(full))
            {
                Directory.Delete(full); // empty (checked above); a merge that filled it since makes this throw
            }

            Directory.Move(staging.Path, full);
            return manifest;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // A full disk: ENOSPC (IOException), or the preallocation refused (EFBIG reaches .NET as an ArgumentException).
            throw new LabException(
                $"The merge into {outDirectory} failed ({e.Message}); nothing was left there (the merged run is built beside it, then renamed).",
                Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any()
                    ? $"{outDirectory} was filled meanwhile (another merge?): give another --out"
                    : "free some space (df -h) or fix the cause, then run the same merge again",
                e);
        }
        finally
        {
            if (Directory.Exists(staging.Path))
            {
                Directory.Delete(staging.Path, recursive: true);
            }
        }
    }

    /// <summary>Every boot number a shard used (records, units, consoles), renumbered from 1 in shard order.</summary>
    private static Dictionary<(int Shard, int Boot), int> RenumberBoots(List<Part> parts)
    {
        var renumber = new Dictionary<(int Shard, int Boot), int>();
        foreach (var part in parts)
        {
            var used = part.Ledger.Boots.Keys.Concat(part.Ledger.Units.Values.Select(u => u.Boot)).Concat(ConsoleBoots(part.Path)).Distinct().Order();
            foreach (var boot in used)
            {
                renumber[(part.Shard.Index, boot)] = renumber.Count + 1;
            }
        }

        return renumber;
    }

    /// <summary>
    /// raw/ (consoles renumbered), each shard's logs/ under logs/shard-K, each shard's own manifest and ledger under
    /// shards/shard-K, and the first shard's kernel/.
    /// </summary>
    private static void CopyFiles(List<Part> parts, RunDirectory outRun, Dictionary<(int Shard, int Boot), int> renumber)
    {
        foreach (var part in parts)
        {
            CopyRaw(part, outRun, b => renumber[(part.Shard.Index, b)]);
            CopyTree(Path.Combine(part.Path, "logs"), Path.Combine(outRun.Path, "logs", $"shard-{part.Shard.Index}"));
            // Each shard's own manifest and ledger, verbatim: what each machine recorded before the merge renumbered it.
            var kept = Path.Combine(outRun.Path, "shards", $"shard-{part.Shard.Index}");
            Directory.CreateDirectory(kept);
            foreach (var file in new[] { "manifest.json", RunLedger.FileName })
            {
                AtomicFile.WriteAllBytes(Path.Combine(kept, file), File.ReadAllBytes(Path.Combine(part.Path, file)));
            }
        }

        CopyTree(Path.Combine(parts[0].Path, "kernel"), outRun.KernelDir);
    }

    /// <summary>The shards' units and boots under their new boot numbers; the order is the first shard's (Check made them equal).</summary>
    private static RunLedger MergedLedger(List<Part> parts, string runId, Dictionary<(int Shard, int Boot), int> renumber)
    {
        var units = ImmutableSortedDictionary.CreateBuilder<string, UnitRecord>(StringComparer.Ordinal);
        var boots = ImmutableSortedDictionary.CreateBuilder<int, BootRecord>();
        foreach (var part in parts)
        {
            int Map(int b) => renumber[(part.Shard.Index, b)];
            foreach (var (key, unit) in part.Ledger.Units)
            {
                units.Add(key, unit with { Boot = Map(unit.Boot), Problems = [.. unit.Problems.Select(p => RenameConsoles(p, Map))] });
            }

            foreach (var (number, boot) in part.Ledger.Boots)
            {
                boots.Add(Map(number), boot);
            }
        }

        var first = parts[0];
        return new RunLedger(runId, first.Manifest.Profile, renumber.Count, units.ToImmutable(), boots.ToImmutable()) { Order = first.Ledger.Order };
    }

    private static Manifest MergedManifest(List<Part> parts, string runId, RunLedger ledger, Dictionary<(int Shard, int Boot), int> renumber)
    {
        var first = parts[0].Manifest;
        var count = parts[0].Shard.Count;
        var missing = Enumerable.Range(1, count).Except(parts.Select(p => p.Shard.Index)).Select(k => $"{k}/{count}").ToList();
        var notes = new List<string>
        {
            $"Merged from {parts.Count} of {count} shards of run {parts[0].Shard.RunId} ({parts[0].Shard.Grain} grain), each a lab run of its own: " +
            string.Join("; ", parts.Select(p => $"shard {p.Shard.Index}/{count} = {p.Manifest.RunId} (block(s) {string.Join(", ", p.Shard.Blocks)})")) +
            ". Boots are renumbered in shard order; the report's \"Shards\" section says where the shards ran (their machine ids) and compares them.",
        };
        if (missing.Count > 0)
        {
            notes.Add($"PARTIAL RUN: shard(s) {string.Join(", ", missing)} missing (merged with --allow-missing); their units are absent, not failed.");
        }

        var cpus = parts.Select(p => L0Of(p.Manifest)?.Cpu ?? "unknown").Distinct().ToList();
        if (cpus.Count > 1)
        {
            notes.Add($"L0 differs between shards: CPU models {string.Join(", ", parts.Select(p => $"{L0Of(p.Manifest)?.Cpu ?? "unknown"} (shard {p.Shard.Index})"))}; compare the shards before trusting a difference.");
        }

        // Notes about units are recomputed over the whole run (a shard's list only its own units); the others are kept once.
        notes.AddRange(parts.SelectMany(p => p.Manifest.Notes.Except(LabManifest.UnitNotes(p.Ledger))).Distinct());
        notes.AddRange(LabManifest.UnitNotes(ledger));

        var ended = parts.All(p => p.Manifest.EndedUtc is not null) ? parts.Max(p => p.Manifest.EndedUtc) : null;
        return first with
        {
            RunId = runId,
            Shard = null,
            Shards =
            [
                .. parts.Select(p => new ShardRecord(
                    p.Shard.Index, p.Manifest.RunId, p.Shard.Blocks, p.Shard.Units,
                    [.. renumber.Where(r => r.Key.Shard == p.Shard.Index).Select(r => r.Value).Order()],
                    p.Manifest.StartedUtc, p.Manifest.EndedUtc, p.Shard.EstimateSeconds, L0Of(p.Manifest), p.Manifest.L0)),
            ],
            MissingShards = missing.Count > 0 ? missing : null,
            StartedUtc = parts.Min(p => p.Manifest.StartedUtc),
            EndedUtc = ended,
            Notes = notes,
            ReproduceCommand = $"for K in $(seq 1 {count}); do ./build.sh --target=Lab --profile={first.Profile} --seed={first.Seed} --run-id={parts[0].Shard.RunId} --shard=$K/{count}; done; vmlab merge <the {count} shard directories> --out results/{runId}",
        };
    }

    private static LayerEnvironment? L0Of(Manifest m) => m.Layers.FirstOrDefault(l => l.Layer == "L0");

    /// <summary>The refusals, each one line naming what differs.</summary>
    private static void Check(List<Part> parts, bool allowMissing)
    {
        const string Next = "merge only the shard directories of one run, made by one VmLab from the same artifacts (vmlab lab run --shard K/N with the plan's --seed and --run-id)";
        var first = parts[0];
        foreach (var part in parts.Skip(1))
        {
            void Same(string what, string? a, string? b)
            {
                if (!string.Equals(a, b, StringComparison.Ordinal))
                {
                    throw new LabException($"Shards differ in {what}: {first.Manifest.RunId} has {a ?? "none"}, {part.Manifest.RunId} has {b ?? "none"}.", Next);
                }
            }

            Same("run", first.Shard.RunId, part.Shard.RunId);
            Same("profile", first.Manifest.Profile, part.Manifest.Profile);
            Same("seed", first.Manifest.Seed?.ToString(CultureInfo.InvariantCulture), part.Manifest.Seed?.ToString(CultureInfo.InvariantCulture));
            Same("shard count", first.Shard.Count.ToString(CultureInfo.InvariantCulture), part.Shard.Count.ToString(CultureInfo.InvariantCulture));
            Same("order (scenarios per block)", string.Join("; ", first.Manifest.Order), string.Join("; ", part.Manifest.Order));
            Same("suites", string.Join(", ", first.Manifest.Suites.Select(x => x.Id)), string.Join(", ", part.Manifest.Suites.Select(x => x.Id)));
            Same("VmLab commit", first.Manifest.VmlabVersion, part.Manifest.VmlabVersion);
            foreach (var name in first.Manifest.Artifacts.Select(a => a.Name).Union(part.Manifest.Artifacts.Select(a => a.Name)))
            {
                var a = first.Manifest.Artifacts.FirstOrDefault(x => x.Name == name);
                var b = part.Manifest.Artifacts.FirstOrDefault(x => x.Name == name);
                var kind = name.StartsWith("kernel", StringComparison.Ordinal) ? "kernel" : "rootfs";
                Same($"{kind} key ({name})", a?.Key, b?.Key);
                Same($"sha256 of {name}", a?.Sha256, b?.Sha256);
            }
        }

        if (parts.GroupBy(p => p.Shard.Index).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new LabException($"Shard {twice.Key}/{first.Shard.Count} is given twice: {string.Join(" and ", twice.Select(p => p.Path))}.", "give each shard's directory once");
        }

        var owner = new Dictionary<string, Part>(StringComparer.Ordinal);
        foreach (var part in parts)
        {
            foreach (var unit in part.Ledger.Units.Keys.Union(part.Shard.Units))
            {
                if (owner.TryGetValue(unit, out var other))
                {
                    throw new LabException($"Shards overlap: unit {unit} is in both {other.Manifest.RunId} and {part.Manifest.RunId}.", Next);
                }

                owner[unit] = part;
            }
        }

        var missing = Enumerable.Range(1, first.Shard.Count).Except(parts.Select(p => p.Shard.Index)).ToList();
        if (missing.Count > 0 && !allowMissing)
        {
            throw new LabException(
                $"Shard(s) {string.Join(", ", missing.Select(k => $"{k}/{first.Shard.Count}"))} of run {first.Shard.RunId} missing (given: {string.Join(", ", parts.Select(p => $"{p.Shard.Index}/{p.Shard.Count}"))}).",
                "give every shard's directory, or --allow-missing for a partial run whose report names the missing shards");
        }
    }

    private static Part Read(string path)
    {
        var run = new RunDirectory(path);
        var manifest = run.ReadManifest();
        var shard = manifest.Shard ?? throw new LabException($"{path} is not a shard: its manifest.json has no \"shard\".", "merge the directories vmlab lab run --shard K/N wrote (results/<run-id>-shard-K)");
        if (shard.Count < 1 || shard.Index < 1 || shard.Index > shard.Count)
        {
            throw new LabException(
                $"{run.ManifestPath} says shard {shard.Index} of {shard.Count}: a shard's index runs from 1 to the shard count, which is at least 1, so its units cannot be placed.",
                "restore the shard's manifest.json as vmlab lab run --shard K/N wrote it");
        }

        RefuseWhatIsNotAFile(path);
        var ledger = RunLedger.Load(path) ?? throw new LabException($"{path} has no {RunLedger.FileName}: the shard never ran.", "run it, or merge without it (--allow-missing)");
        return new Part(path, manifest, shard, ledger);
    }

    /// <summary>
    /// A shard holds directories and regular files only: a symlink (its target could be anything, e.g. /etc/passwd) would
    /// be copied in as the file it points to, and a FIFO or device read forever. Refused before anything is written.
    /// </summary>
    private static void RefuseWhatIsNotAFile(string shardPath)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 };
        foreach (var entry in new DirectoryInfo(shardPath).EnumerateFileSystemInfos("*", options))
        {
            var node = FileNode.Of(entry.FullName);
            if (node.Kind == FileKind.Symlink)
            {
                throw new LabException(
                    $"{entry.FullName} is a symlink (to {entry.LinkTarget}), not a file the lab saved: merge copies files, never what a link points to.",
                    $"replace it with the file itself, or remove it: rm {entry.FullName}");
            }

            if (node.Kind is not (FileKind.Regular or FileKind.Directory))
            {
                throw new LabException($"{entry.FullName} is {node.Words}, not a file the lab saved: merge copies regular files only.", $"remove it: rm {entry.FullName}");
            }
        }
    }

    private static IEnumerable<int> ConsoleBoots(string shardPath) =>
        Directory.Exists(Path.Combine(shardPath, "raw"))
            ? Directory.EnumerateFiles(Path.Combine(shardPath, "raw"), "console-*.log", SearchOption.AllDirectories)
                .Select(f => ConsoleName().Match(Path.GetFileName(f)))
                .Where(m => m.Success)
                .Select(m => int.Parse(m.Groups["boot"].Value, CultureInfo.InvariantCulture))
            : [];

    /// <summary>Copies raw/ with consoles renamed to their boots' new numbers; a file already there is an overlap.</summary>
    private static void CopyRaw(Part part, RunDirectory outRun, Func<int, int> map)
    {
        var raw = Path.Combine(part.Path, "raw");
        if (!Directory.Exists(raw))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(raw, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(raw, file);
            var name = Path.GetFileName(relative);
            var m = ConsoleName().Match(name);
            if (m.Success)
            {
                name = $"console-{map(int.Parse(m.Groups["boot"].Value, CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture)}{m.Groups["rest"].Value}";
            }

            var target = Path.Combine(outRun.RawDir, Path.GetDirectoryName(relative) ?? "", name);
            if (File.Exists(target))
            {
                throw new LabException($"Shards overlap: {part.Path}/raw/{relative} would replace {Path.GetRelativePath(outRun.Path, target)} from another shard.", "merge only the shards of one run, each once");
            }

            AtomicFile.WriteAllBytes(target, File.ReadAllBytes(file));
        }
    }

    private static void CopyTree(string from, string to)
    {
        if (!Directory.Exists(from))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            AtomicFile.WriteAllBytes(Path.Combine(to, Path.GetRelativePath(from, file)), File.ReadAllBytes(file));
        }
    }

    /// <summary>A unit's problem that names a console (<c>raw/host/console-3.log</c>) names its renumbered file.</summary>
    private static string RenameConsoles(string problem, Func<int, int> map) =>
        ConsoleMention().Replace(problem, m => $"console-{map(int.Parse(m.Groups["boot"].Value, CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture)}{m.Groups["rest"].Value}");

    [GeneratedRegex(@"^console-(?<boot>\d+)(?<rest>(-l2-\d+)?\.log)$")]
    private static partial Regex ConsoleName();

    [GeneratedRegex(@"console-(?<boot>\d+)(?<rest>(-l2-\d+)?\.log)")]
    private static partial Regex ConsoleMention();
}
