using System.Diagnostics;
using System.Text.Json;
using CliWrap;
using VmLab.Common;
using VmLab.Sources;

namespace VmLab.Kernel;

/// <summary>What the user chose for the kernels (CLI options); everything else comes from kernel/.</summary>
/// <param name="Base">The config the fragments are merged onto.</param>
/// <param name="Local">A local tarball to use when the mirrors fail (or instead of them, when it is the pinned one).</param>
/// <param name="Offline">Skip the mirrors entirely.</param>
/// <param name="Ccache">Compile through ccache when it is installed.</param>
/// <param name="Jobs">make -j.</param>
/// <param name="CcacheDir">ccache's folder (the user's CCACHE_DIR); null: <c>ccache/</c> in the artifacts.</param>
public sealed record KernelRequest(KernelBase Base, LocalSource? Local, bool Offline, bool Ccache, int Jobs, string? CcacheDir = null);

/// <summary>Where one kernel's files are: <c>artifacts/kernel/&lt;key&gt;/&lt;flavor&gt;/</c>.</summary>
public sealed record KernelOutput(KernelFlavor Flavor, string Dir)
{
    public string Config => Path.Combine(Dir, ".config");
    public string Image => Path.Combine(Dir, "Image");
    public string SystemMap => Path.Combine(Dir, "System.map");
    public string BuildLog => Path.Combine(Dir, "build.log");
    public string Metadata => Path.Combine(Dir, "metadata.json");
}

/// <summary>The two configured (and possibly built) kernels of one key.</summary>
public sealed record KernelSet(string Key, string Dir, FetchedSource Source, ConfigDiff Diff, KernelOutput Host, KernelOutput Guest, IReadOnlyList<KernelMetadata> Built)
{
    public string ConfigDiffPath => Path.Combine(Dir, "config.diff");
}

/// <summary>
/// The kernel stage: fetch and verify the source, configure host and guest from one base plus fragments, verify
/// the configs and their difference, cross-compile both reproducibly, and cache everything under a key made of
/// every input. Stages whose outputs exist are skipped, so a second run with nothing changed does no work.
/// </summary>
public sealed class KernelPipeline(RepoPaths paths, HttpClient http, Action<string> report)
{
    /// <summary>Bumped when the pipeline itself changes what it produces (part of the key).</summary>
    public const string PipelineVersion = "vmlab-kernel/1";

    /// <summary>The make target; one Image per kernel, no modules.</summary>
    public const string ImageTarget = "Image";

    /// <summary>Download progress for the terminal (null: none).</summary>
    public IProgress<DownloadProgress>? DownloadProgress { get; init; }

    /// <summary>The kernel source fallback's warning, to show apart from the steps (null: it is reported as a step).</summary>
    public Action<string>? Warn { get; init; }

    /// <summary>Configures both kernels (cached), verifies them and writes config.diff.</summary>
    public async Task<KernelSet> ConfigureAsync(KernelRequest request, CancellationToken cancellationToken = default) =>
        await ConfigureAsync(await PlanAsync(request, cancellationToken), cancellationToken);

    /// <summary>Configures, then builds both kernels (host first: the guest then mostly hits ccache).</summary>
    public async Task<KernelSet> BuildAsync(KernelRequest request, CancellationToken cancellationToken = default)
    {
        var plan = await PlanAsync(request, cancellationToken);
        var set = await ConfigureAsync(plan, cancellationToken);
        var built = new List<KernelMetadata>();
        foreach (var output in new[] { set.Host, set.Guest })
        {
            built.Add(await BuildAsync(plan, output, request.Jobs, cancellationToken));
        }

        return set with { Built = built };
    }

    private async Task<KernelSet> ConfigureAsync(Plan plan, CancellationToken cancellationToken)
    {
        var host = await ConfigureAsync(plan, KernelFlavor.Host, cancellationToken);
        var guest = await ConfigureAsync(plan, KernelFlavor.Guest, cancellationToken);
        var diff = ConfigDiff.Compute(Kconfig.Load(guest.Config), Kconfig.Load(host.Config));
        if (!diff.HasFactor || diff.Violations.Count > 0)
        {
            throw new LabException(
                $"The host and guest configs must differ only in {ConfigDiff.StudyFactor} (and symbols that exist only because of it), but:\n  " +
                (diff.HasFactor ? string.Join("\n  ", diff.Violations) : $"{ConfigDiff.StudyFactor} is the same in both"),
                $"fix kernel/config/host.config and guest.config so they hold only {ConfigDiff.StudyFactor}");
        }

        AtomicFile.WriteAllText(Path.Combine(plan.Dir, "config.diff"), diff.Render());
        return new KernelSet(plan.Key.ToString(), plan.Dir, plan.Source, diff, host, guest, []);
    }

    /// <summary>Everything decided before any make runs: source, tree, fragments, toolchain, environment, key.</summary>
    private sealed record Plan(
        FetchedSource Source, PinnedSource Pinned, KernelSourceTree Tree, KernelBase Base, IReadOnlyList<ConfigFragment> Lab,
        ConfigFragment HostFragment, ConfigFragment GuestFragment, Toolchain Toolchain, ReproducibleEnvironment Environment,
        ContentKey Key, string Dir, bool Ccache, string CcacheDir)
    {
        public IReadOnlyList<ConfigFragment> Fragments(KernelFlavor flavor) =>
            [.. Lab, flavor == KernelFlavor.Host ? HostFragment : GuestFragment];

        /// <summary>The object directory, relative to the tree (see <see cref="KernelSourceTree"/>).</summary>
        public string OutDir(KernelFlavor flavor) => $"out-{Key}-{flavor.Name()}";

        public MakeCommand Make(KernelFlavor flavor)
        {
            var make = MakeCommand.Arm64(Tree.Dir, OutDir(flavor), Ccache, Environment.Variables);
            // The cache lives with the artifacts: a fresh VMLAB_ARTIFACTS is a really independent (cold) build.
            return Ccache ? make with { Environment = make.Environment.SetItem("CCACHE_DIR", CcacheDir) } : make;
        }
    }

    private async Task<Plan> PlanAsync(KernelRequest request, CancellationToken cancellationToken)
    {
        var pinned = PinnedSource.Load(Path.Combine(paths.KernelDir, "versions.json"), "linux");
        var source = await new SourceFetch(paths.Downloads, http)
        {
            Local = request.Local,
            Offline = request.Offline,
            Progress = DownloadProgress,
            OnLine = report,
            OnWarning = Warn,
            Shown = paths.Shown,
        }.FetchAsync(pinned, cancellationToken);
        var tree = await KernelSourceTree.UnpackAsync(source, Path.Combine(paths.Artifacts, "kernel-src"), report, cancellationToken);
        var (lab, hostFragment, guestFragment) = KernelKey.Fragments(paths);
        var toolchain = await Toolchain.ProbeAsync(cancellationToken);
        var environment = new ReproducibleEnvironment(tree.ReleaseTimestamp, tree.Dir);
        var key = Key(source.Sha256, request.Base, [.. lab, hostFragment, guestFragment], toolchain, environment);
        var dir = Path.Combine(paths.Artifacts, "kernel", key.ToString());
        return new Plan(source, pinned, tree, request.Base, lab, hostFragment, guestFragment, toolchain, environment, key, dir,
            request.Ccache && toolchain.Ccache is not null, request.CcacheDir ?? Path.Combine(paths.Artifacts, "ccache"));
    }

    /// <summary>The cache key: every input that can change either kernel's bytes. ccache and -j are not inputs.</summary>
    public static ContentKey Key(string sourceSha256, KernelBase @base, IEnumerable<ConfigFragment> fragments, Toolchain toolchain, ReproducibleEnvironment environment) =>
        Key(sourceSha256, @base, fragments, toolchain, environment.KeyText);

    /// <summary>The same key from the environment's <see cref="ReproducibleEnvironment.KeyText"/> (as metadata.json records it).</summary>
    public static ContentKey Key(string sourceSha256, KernelBase @base, IEnumerable<ConfigFragment> fragments, Toolchain toolchain, string environmentKeyText)
    {
        var key = new ContentKey()
            .Add("pipeline", PipelineVersion)
            .Add("source.sha256", sourceSha256)
            .Add("base", @base.MakeTarget())
            .Add("target", $"ARCH=arm64 {ImageTarget}")
            .Add("toolchain.gcc", toolchain.Gcc)
            .Add("toolchain.binutils", toolchain.Binutils)
            .Add("toolchain.make", toolchain.Make)
            .Add("environment", environmentKeyText);
        foreach (var fragment in fragments)
        {
            key.Add($"fragment.{fragment.Name}", fragment.Sha256);
        }

        return key;
    }

    private async Task<KernelOutput> ConfigureAsync(Plan plan, KernelFlavor flavor, CancellationToken cancellationToken)
    {
        var output = new KernelOutput(flavor, Path.Combine(plan.Dir, flavor.Name()));
        if (File.Exists(output.Config))
        {
            report($"{flavor.Name()}: config cached ({paths.Shown(output.Config)})");
            return output;
        }

        Directory.CreateDirectory(output.Dir);
        var outDir = Path.Combine(plan.Tree.Dir, plan.OutDir(flavor));
        if (Directory.Exists(outDir))
        {
            Directory.Delete(outDir, recursive: true); // a configuration interrupted before it was verified
        }

        var clock = Stopwatch.StartNew();
        var make = plan.Make(flavor);
        var next = "read the log, fix kernel/config/*.config, and run the same target again";
        report($"{flavor.Name()}: make {plan.Base.MakeTarget()} + {string.Join(" + ", plan.Fragments(flavor).Select(f => f.Name))} + olddefconfig");
        await LoggedCommand.RunAsync(make.WithTargets(plan.Base.MakeTarget()).ToCommand(), output.BuildLog, $"make {plan.Base.MakeTarget()} ({flavor.Name()})", next: next, cancellationToken: cancellationToken);
        await LoggedCommand.RunAsync(MergeCommand(plan, flavor).WithEnvironmentVariables(e => e.Set("ARCH", "arm64")), output.BuildLog,
            $"merge_config.sh ({flavor.Name()})", next: next, cancellationToken: cancellationToken);
        await LoggedCommand.RunAsync(make.WithTargets("olddefconfig").ToCommand(), output.BuildLog, $"make olddefconfig ({flavor.Name()})", next: next, cancellationToken: cancellationToken);

        var config = Path.Combine(outDir, ".config");
        var mismatches = ConfigVerification.Check(plan.Fragments(flavor), Kconfig.Load(config));
        if (mismatches.Count > 0)
        {
            throw new LabException(
                $"The {flavor.Name()} config lacks {mismatches.Count} requested option(s) after olddefconfig:\n  " + string.Join("\n  ", mismatches),
                "add the missing dependencies to kernel/config/lab.config (e.g. VIRTIO_BLK needs BLK_DEV), then run ./build.sh --target=KernelConfig");
        }

        AtomicFile.Write(output.Config, temp => File.Copy(config, temp));
        File.AppendAllText(output.BuildLog, $"# configured and verified in {clock.Elapsed.TotalSeconds:F1} s\n");
        report($"{flavor.Name()}: config verified ({plan.Fragments(flavor).Sum(f => f.Requested.Values.Count)} requested options) in {clock.Elapsed.TotalSeconds:F1} s");
        return output;
    }

    private static Command MergeCommand(Plan plan, KernelFlavor flavor) =>
        Cli.Wrap(Path.Combine(plan.Tree.Dir, "scripts/kconfig/merge_config.sh"))
            .WithArguments(["-m", "-O", plan.OutDir(flavor), $"{plan.OutDir(flavor)}/.config", .. plan.Fragments(flavor).Select(f => f.Path)])
            .WithWorkingDirectory(plan.Tree.Dir);

    private async Task<KernelMetadata> BuildAsync(Plan plan, KernelOutput output, int jobs, CancellationToken cancellationToken)
    {
        if (File.Exists(output.Metadata) && File.Exists(output.Image))
        {
            report($"{output.Flavor.Name()}: built already ({paths.Shown(output.Image)})");
            return JsonSerializer.Deserialize<KernelMetadata>(await File.ReadAllTextAsync(output.Metadata, cancellationToken), PinnedSource.Json)!;
        }

        var make = plan.Make(output.Flavor).WithJobs(jobs).WithTargets(ImageTarget);
        var (duration, ccache) = await CompileAsync(plan, output, make, cancellationToken);
        KeepVerifiedOutputs(plan, output);
        var metadata = Metadata(plan, output, make, duration, ccache);
        AtomicFile.WriteAllText(output.Metadata, JsonSerializer.Serialize(metadata, PinnedSource.Json));
        report($"{output.Flavor.Name()}: Image {new FileInfo(output.Image).Length / 1048576.0:F1} MiB, sha256 {metadata.Build.Outputs["Image"].Sha256}, " +
               $"{duration.TotalMinutes:F1} min" + (ccache.Enabled ? $", ccache {ccache.Hits} hits / {ccache.Misses} misses" : ""));
        return metadata;
    }

    /// <summary>Runs the build, reporting every hundredth file compiled, and measures what ccache contributed.</summary>
    private async Task<(TimeSpan Duration, CcacheUse Ccache)> CompileAsync(Plan plan, KernelOutput output, MakeCommand make, CancellationToken cancellationToken)
    {
        var flavor = output.Flavor;
        var before = plan.Ccache ? await CcacheStatistics.ReadAsync(plan.CcacheDir, cancellationToken) : null;
        var compiled = 0;
        var clock = Stopwatch.StartNew();
        report($"{flavor.Name()}: {make}");
        var outcome = await LoggedCommand.RunAsync(make.ToCommand(), output.BuildLog, $"the {flavor.Name()} kernel build",
            line =>
            {
                if (line.StartsWith("  CC ", StringComparison.Ordinal) && Interlocked.Increment(ref compiled) % 100 == 0)
                {
                    report($"{flavor.Name()}: {compiled} files compiled ({clock.Elapsed:mm\\:ss}), now {line.Trim()}");
                }
            },
            cancellationToken: cancellationToken);
        if (before is null)
        {
            return (outcome.Duration, new CcacheUse(false, 0, 0));
        }

        var used = await CcacheStatistics.ReadAsync(plan.CcacheDir, cancellationToken) - before;
        return (outcome.Duration, new CcacheUse(true, used.Hits, used.Misses));
    }

    /// <summary>Copies the Image and System.map out of the object directory, unless the build changed the verified config.</summary>
    private static void KeepVerifiedOutputs(Plan plan, KernelOutput output)
    {
        // kbuild re-runs syncconfig when it sees fit; the Image must come from the config that was verified.
        var outDir = Path.Combine(plan.Tree.Dir, plan.OutDir(output.Flavor));
        if (Hashing.Sha256OfFile(Path.Combine(outDir, ".config")) != Hashing.Sha256OfFile(output.Config))
        {
            throw new LabException($"The {output.Flavor.Name()} .config changed during the build (kbuild re-ran its configuration); the Image was not kept.",
                $"delete {plan.Dir} and run ./build.sh --target=Kernel again; if it repeats, report it with {output.BuildLog}");
        }

        AtomicFile.Write(output.Image, temp => File.Copy(Path.Combine(outDir, "arch/arm64/boot/Image"), temp));
        AtomicFile.Write(output.SystemMap, temp => File.Copy(Path.Combine(outDir, "System.map"), temp));
    }

    private KernelMetadata Metadata(Plan plan, KernelOutput output, MakeCommand make, TimeSpan duration, CcacheUse ccache)
    {
        var flavor = output.Flavor;
        return new KernelMetadata(
            new KernelIdentity(flavor.Name(), plan.Key.ToString(), plan.Key.Inputs),
            new KernelSourceUse(plan.Source, plan.Pinned.Version, plan.Pinned.Sha256, plan.Source.IsFallback, plan.Source.Warning, plan.Tree.Version),
            new KernelConfigUse(
                plan.Base.MakeTarget(),
                [.. plan.Fragments(flavor).Select(f => new FragmentUse(f.Name, Path.GetRelativePath(paths.Root, f.Path), f.Sha256))]),
            new KernelToolchainUse(plan.Toolchain, plan.Environment.Variables),
            new KernelBuildOutcome(
                ReadConfigSeconds(output.BuildLog),
                duration.TotalSeconds,
                ccache,
                new Dictionary<string, ArtifactFile>
                {
                    ["Image"] = Describe(output.Image),
                    ["System.map"] = Describe(output.SystemMap),
                    [".config"] = Describe(output.Config),
                },
                Reproduce(plan, flavor, make)));
    }

    private static ArtifactFile Describe(string path) => new(Path.GetFileName(path), new FileInfo(path).Length, Hashing.Sha256OfFile(path));

    private static double ReadConfigSeconds(string log)
    {
        const string Marker = "# configured and verified in ";
        var line = File.ReadLines(log).LastOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[Marker.Length..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private IReadOnlyList<string> Reproduce(Plan plan, KernelFlavor flavor, MakeCommand build)
    {
        var make = plan.Make(flavor);
        return
        [
            $"# with VmLab (same inputs → same key {plan.Key}):",
            $"./build.sh --target=Kernel   # or: vmlab kernel build --kernel-base {plan.Base.MakeTarget()}",
            $"# by hand, in the unpacked source (sha256 {plan.Source.Sha256}):",
            $"cd {plan.Tree.Dir}",
            make.WithTargets(plan.Base.MakeTarget()).ToString(),
            MergeCommand(plan, flavor).ToString().Replace(plan.Tree.Dir + "/", "", StringComparison.Ordinal),
            make.WithTargets("olddefconfig").ToString(),
            build.ToString(),
        ];
    }
}
