using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using CliWrap;
using VmLab.Common;

namespace VmLab.Rootfs;

/// <summary>An installed package, from dpkg-query inside the tree.</summary>
public sealed record InstalledPackage(string Name, string Version, string Architecture)
{
    /// <summary>Parses the hook's <c>packages.tsv</c> (Package, Version, Architecture tab-separated).</summary>
    public static ImmutableArray<InstalledPackage> ParseList(string tsv) =>
    [
        .. tsv.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .Where(f => f.Length == 3)
            .Select(f => new InstalledPackage(f[0], f[1], f[2]))
            .OrderBy(p => p.Name, StringComparer.Ordinal),
    ];
}

/// <summary>One check run inside the tree.</summary>
public sealed record CheckResult(string Command, int ExitCode, string Output)
{
    /// <summary>Parses <c>checks.tsv</c> ("rc&lt;TAB&gt;command"), reading each check's log beside it.</summary>
    public static ImmutableArray<CheckResult> ParseList(string folder)
    {
        var lines = File.ReadAllLines(Path.Combine(folder, "checks.tsv"));
        return
        [
            .. lines.Select((line, i) =>
            {
                var tab = line.IndexOf('\t');
                var log = Path.Combine(folder, $"check-{i + 1}.log");
                return new CheckResult(
                    line[(tab + 1)..],
                    int.Parse(line[..tab], CultureInfo.InvariantCulture),
                    File.Exists(log) ? File.ReadAllText(log).Trim() : "");
            }),
        ];
    }
}

/// <summary>Durations of one image build, in seconds.</summary>
public sealed record ImageDurations(double Mmdebstrap, double Mkfs, double Hash, double Total);

/// <summary>metadata.json of one image: enough to explain, compare and reproduce it.</summary>
public sealed record ImageMetadata(
    string Name,
    string Layer,
    string Key,
    IReadOnlyDictionary<string, string> KeyInputs,
    RootfsRecipe Recipe,
    string Mirror,
    long SourceDateEpoch,
    string Mode,
    ImmutableArray<SourceUse> Sources,
    string ImageSha256,
    long ImageBytes,
    long TreeBytes,
    long TreeFiles,
    long Inodes,
    ImmutableArray<CheckResult> Checks,
    ImmutableArray<InstalledPackage> Packages,
    ImageDurations Seconds,
    string BuiltAtUtc,
    ImmutableArray<string> Reproduce);

/// <summary>metadata.json of the set folder <c>artifacts/rootfs/&lt;key&gt;/</c>.</summary>
public sealed record RootfsSetMetadata(string Key, IReadOnlyDictionary<string, string> ImageKeys, ImmutableArray<string> Substitutions, ImmutableArray<ImageMetadata> Images);

/// <summary>
/// Builds the planned images that are not cached: mmdebstrap (packages, overlay, checks) into a folder,
/// <c>mkfs.ext4 -d</c> into a sparse image, metadata last. Then links the set folder of the contract.
/// </summary>
/// <param name="time">The clock of the reporter's lines and the metadata's <c>builtAtUtc</c> (default: the system's).</param>
public sealed class RootfsBuilder(RepoPaths paths, TextWriter output, TimeProvider? time = null)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Builds what is missing and returns the set folder.</summary>
    /// <param name="force">Rebuild even cached images (e.g. to pick up newer package versions from the mirror).</param>
    public async Task<string> BuildAsync(RootfsPlan plan, bool force, CancellationToken cancellationToken)
    {
        var todo = plan.Images.Where(i => force || !i.IsBuilt(paths)).ToList();
        foreach (var image in plan.Images.Except(todo))
        {
            Say($"{image.Recipe.Name}: cached ({image.Key}) at {paths.Shown(image.ImageFile(paths))}");
        }

        if (todo.Count > 0)
        {
            var privileges = Privileges.Detect();
            var mode = privileges.ChooseMode();
            await Binfmt.MountIfNeededAsync(Binfmt.System, privileges.IsRoot, RuntimeInformation.OSArchitecture, Say, cancellationToken);
            Binfmt.System.Ensure(privileges.IsRoot, RuntimeInformation.OSArchitecture, Say);
            foreach (var image in todo)
            {
                await BuildImageAsync(plan.Definition, image, mode, cancellationToken);
            }
        }

        return LinkSet(plan);
    }

    /// <summary>The folders of one image build: the image's own (build.log, the image, metadata) and the work tree removed after.</summary>
    private sealed record ImageWork(string Dir, string Work)
    {
        public string Staging => Path.Combine(Work, "staging");
        public string HookOut => Path.Combine(Work, "out");
        public string Tree => Path.Combine(Work, "tree");
        public string Log => Path.Combine(Dir, "build.log");
    }

    /// <summary>The image file as made: its command, size, inode count, the tree it holds, its sha256, and how long each took.</summary>
    private sealed record ImageOnDisk(Mkfs4Command Mkfs, long Bytes, long Inodes, ImageSize.TreeUsage Usage, string Sha256, double MkfsSeconds, double HashSeconds);

    private async Task BuildImageAsync(RootfsDefinition definition, ImagePlan image, DebootstrapMode mode, CancellationToken cancellationToken)
    {
        var name = image.Recipe.Name;
        var work = new ImageWork(image.Directory(paths), Path.Combine(paths.Artifacts, "rootfs", "work", $"{name}-{image.Key}"));
        RemoveTree(work.Work);
        Directory.CreateDirectory(work.Dir);
        Directory.CreateDirectory(work.HookOut);
        File.Delete(work.Log);

        await StageAsync(definition, image, work, cancellationToken);
        var mmdebstrap = new MmdebstrapCommand(
            image.Recipe, definition.Settings.Mirror, definition.Settings.SourceDateEpoch, mode, work.Tree, work.Staging,
            Path.Combine(definition.Directory, "customize.sh"), work.HookOut);
        var mmdebstrapSeconds = await MmdebstrapAsync(name, mmdebstrap, mode, work.Log, cancellationToken);
        var checks = CheckResult.ParseList(work.HookOut);
        EnsureChecksPassed(image, checks, work.Tree);
        var packages = InstalledPackage.ParseList(await File.ReadAllTextAsync(Path.Combine(work.HookOut, "packages.tsv"), cancellationToken));
        var file = await MakeImageAsync(definition, image, mode, work, cancellationToken);
        RemoveTree(work.Work);

        var sources = ImmutableArray.Create(
            image.Recipe.UnixBench ? image.UnixBench : image.UnixBench with { Status = SourceStatus.NotWanted, Detail = "the recipe does not ask for it" },
            image.DocumentSet);
        var metadata = new ImageMetadata(
            name, image.Recipe.Layer, image.Key.ToString(), image.Key.Inputs, image.Recipe,
            definition.Settings.Mirror, definition.Settings.SourceDateEpoch, mode.ToString().ToLowerInvariant(), sources,
            file.Sha256, file.Bytes, file.Usage.DataBytes, file.Usage.Files, file.Inodes, checks, packages,
            new ImageDurations(Round(mmdebstrapSeconds), Round(file.MkfsSeconds), Round(file.HashSeconds), Round(mmdebstrapSeconds + file.MkfsSeconds + file.HashSeconds)),
            RootfsJson.BuiltAtUtc(_time),
            [mmdebstrap.ToString(), file.Mkfs.ToString()]);
        AtomicFile.WriteAllText(image.MetadataFile(paths), JsonSerializer.Serialize(metadata, RootfsJson.Options));
        Say($"{name}: done in {metadata.Seconds.Total:F0} s: {paths.Shown(image.ImageFile(paths))} ({file.Bytes / 1048576} MiB, {packages.Length} packages, sha256 {file.Sha256[..16]}…)");
    }

    /// <summary>The overlay, merged in recipe order, plus generated and downloaded inputs, and the checks for the hook to run.</summary>
    private static async Task StageAsync(RootfsDefinition definition, ImagePlan image, ImageWork work, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(work.Staging);
        foreach (var overlay in image.Recipe.Overlays)
        {
            await LoggedCommand.RunAsync(
                Cli.Wrap("cp").WithArguments(["-a", "--no-preserve=ownership", Path.Combine(definition.Directory, overlay) + "/.", work.Staging]),
                work.Log, $"copying overlay {overlay}", cancellationToken: cancellationToken);
        }

        if (image.Recipe.DocumentSet)
        {
            DocumentSet.WriteTo(Path.Combine(work.Staging, "var", "www", "html"), definition.Sources.DocumentSet.IndexBytes);
        }

        if (image.HasUnixBench && image.UnixBench.LocalPath is { } tarball)
        {
            Directory.CreateDirectory(Path.Combine(work.Staging, "usr", "src", "vmlab"));
            File.Copy(tarball, Path.Combine(work.Staging, "usr", "src", "vmlab", "unixbench.tgz"));
        }

        await File.WriteAllLinesAsync(Path.Combine(work.HookOut, "checks.list"), image.Checks, cancellationToken);
    }

    /// <summary>mmdebstrap: packages, overlay, UnixBench, package list, checks. Returns its seconds.</summary>
    private async Task<double> MmdebstrapAsync(string name, MmdebstrapCommand mmdebstrap, DebootstrapMode mode, string log, CancellationToken cancellationToken)
    {
        Say($"{name}: mmdebstrap ({mmdebstrap.Recipe.Packages.Length} packages, {mode} mode); this takes many minutes under qemu-user");
        var t0 = _clock.Elapsed;
        await LoggedCommand.RunAsync(
            mmdebstrap.ToCommand(), log, $"mmdebstrap of the {name} image",
            onLine: line => Progress(name, line),
            next: $"read {log}; a package name or mirror problem shows in its last lines. Then run ./build.sh --target=Rootfs again",
            cancellationToken: cancellationToken);
        return (_clock.Elapsed - t0).TotalSeconds;
    }

    /// <summary>Throws unless every check ran and passed (and UnixBench's run check reads as a real run).</summary>
    private static void EnsureChecksPassed(ImagePlan image, ImmutableArray<CheckResult> checks, string tree)
    {
        var failed = checks.Where(c => c.ExitCode != 0).Select(c => $"'{c.Command}' exit code {c.ExitCode}: {FirstLines(c.Output)}").ToList();
        if (image.HasUnixBench && checks.FirstOrDefault(c => c.Command == UnixBenchInstall.RunCheck) is { ExitCode: 0 } run)
        {
            failed.AddRange(UnixBenchInstall.ProblemsOfRunCheck(run.Output));
        }

        if (failed.Count > 0 || checks.Length != image.Checks.Length)
        {
            var name = image.Recipe.Name;
            throw new LabException(
                $"The {name} image was built but its benchmark programs do not all run:\n  "
                + string.Join("\n  ", failed)
                + (checks.Length != image.Checks.Length ? $"\n  only {checks.Length} of {image.Checks.Length} checks ran" : ""),
                $"fix the package list in rootfs/recipes/{name}.json (the tree is kept in {tree} to look into), then run ./build.sh --target=Rootfs again");
        }
    }

    /// <summary>The image: sized to content + headroom, written by mkfs.ext4 -d (no mount, no loop device), hashed, then moved into place.</summary>
    private async Task<ImageOnDisk> MakeImageAsync(RootfsDefinition definition, ImagePlan image, DebootstrapMode mode, ImageWork work, CancellationToken cancellationToken)
    {
        var name = image.Recipe.Name;
        var t0 = _clock.Elapsed;
        var usage = ImageSize.Measure(work.Tree);
        var (bytes, inodes) = ImageSize.For(usage, image.HeadroomMiB);
        var imageFile = image.ImageFile(paths);
        var temp = imageFile + ".partial";
        File.Delete(temp);
        var mkfs = new Mkfs4Command(work.Tree, temp, bytes, inodes, UuidOf(image.Key), definition.Settings.SourceDateEpoch, mode);
        Say($"{name}: mkfs.ext4 -d: {usage.DataBytes / 1048576} MiB in {usage.Files} files → {bytes / 1048576} MiB image (headroom {image.HeadroomMiB} MiB)");
        await LoggedCommand.RunAsync(mkfs.ToCommand(), work.Log, $"mkfs.ext4 of the {name} image",
            next: $"read {work.Log}; 'Could not allocate block' means the sizing is short: run again with a larger --headroom-mib",
            cancellationToken: cancellationToken);
        var mkfsSeconds = (_clock.Elapsed - t0).TotalSeconds;

        t0 = _clock.Elapsed;
        var sha = await Hashing.Sha256OfFileAsync(temp, cancellationToken);
        var hashSeconds = (_clock.Elapsed - t0).TotalSeconds;
        File.Move(temp, imageFile, overwrite: true);
        return new ImageOnDisk(mkfs, bytes, inodes, usage, sha, mkfsSeconds, hashSeconds);
    }

    /// <summary>
    /// The contract's folder <c>artifacts/rootfs/&lt;set key&gt;/</c>: hard links to the cached images (no copy
    /// of gigabytes) and one metadata.json for the set.
    /// </summary>
    private string LinkSet(RootfsPlan plan)
    {
        var set = plan.SetDirectory(paths);
        Directory.CreateDirectory(set);
        var metadata = new List<ImageMetadata>();
        foreach (var image in plan.Images)
        {
            var link = Path.Combine(set, image.Recipe.Name + ".img");
            if (!File.Exists(link))
            {
                HardLink(image.ImageFile(paths), link);
            }

            metadata.Add(JsonSerializer.Deserialize<ImageMetadata>(File.ReadAllText(image.MetadataFile(paths)), RootfsJson.Options)!);
        }

        var setMetadata = new RootfsSetMetadata(
            plan.SetKey.ToString(),
            plan.Images.ToDictionary(i => i.Recipe.Name, i => i.Key.ToString()),
            [.. metadata.SelectMany(m => m.Sources).Where(s => s.IsDeparture).Select(s => s.Summary).Distinct()],
            [.. metadata]);
        var path = Path.Combine(set, "metadata.json");
        var json = JsonSerializer.Serialize(setMetadata, RootfsJson.Options);
        if (!File.Exists(path) || File.ReadAllText(path) != json)
        {
            AtomicFile.WriteAllText(path, json);
        }

        foreach (var line in setMetadata.Substitutions)
        {
            Say("declared: " + line);
        }

        Say($"rootfs set {plan.SetKey}: {set}");
        return set;
    }

    private void Progress(string image, string line)
    {
        // mmdebstrap's phases (I:), warnings (W:), errors (E:) and our hook's lines; dpkg chatter stays in build.log.
        if (line.StartsWith("I: ", StringComparison.Ordinal) || line.StartsWith("W: ", StringComparison.Ordinal)
            || line.StartsWith("E: ", StringComparison.Ordinal) || line.StartsWith("vmlab: ", StringComparison.Ordinal))
        {
            Say($"{image}: {line}");
        }
    }

    private readonly Reporter _reporter = new(output, "rootfs", time);

    private void Say(string line) => _reporter.Line(line);

    private static double Round(double seconds) => Math.Round(seconds, 1);

    private static string FirstLines(string text) => string.Join(" | ", text.Split('\n').Take(3));

    /// <summary>A stable filesystem UUID from the key (same inputs, same UUID: reproducible images).</summary>
    internal static Guid UuidOf(ContentKey key) => new(Convert.FromHexString(key.Sha256()[..32]));

    /// <summary>Deletes a work tree, refusing when anything is still mounted inside it (never delete through a bind mount).</summary>
    internal static void RemoveTree(string path)
    {
        if (!Directory.Exists(path))
        {
            return;
        }

        var full = Path.GetFullPath(path).TrimEnd('/') + "/";
        if (File.Exists("/proc/self/mounts"))
        {
            var mounted = File.ReadLines("/proc/self/mounts")
                .Select(l => l.Split(' ')[1].Replace("\\040", " "))
                .Where(m => (m + "/").StartsWith(full, StringComparison.Ordinal))
                .ToList();
            if (mounted.Count > 0)
            {
                throw new LabException(
                    $"Will not delete {path}: {string.Join(", ", mounted)} is still mounted inside it (an interrupted mmdebstrap?).",
                    $"umount -R {mounted[0]} and run the same target again");
            }
        }

        Directory.Delete(path, recursive: true);
    }

    private static void HardLink(string existing, string link)
    {
        if (link_(existing, link) != 0)
        {
            // Another filesystem (VMLAB_ARTIFACTS across mounts cannot happen here, but be safe): copy.
            File.Copy(existing, link);
        }
    }

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int link_(string oldpath, string newpath);
}
