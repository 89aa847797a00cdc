using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CliWrap;
using CliWrap.Buffered;
using VmLab.Common;

namespace VmLab.Rootfs;

/// <summary>Durations of the client root build, in seconds.</summary>
public sealed record ClientRootDurations(double Mmdebstrap, double Checks, double Total);

/// <summary>
/// <c>artifacts/client/&lt;key&gt;/metadata.json</c>: enough to explain, compare and reproduce the client root, and what
/// the lab's manifest needs (the key and the client versions).
/// </summary>
/// <param name="ClientPackages">The recipe's packages (netperf, apache2-utils) and their installed versions.</param>
/// <param name="Packages">Everything installed in the tree (dpkg-query inside it).</param>
/// <param name="Checks">The recipe's checks as run in the finished tree, with their output (e.g. "Netperf version 2.7.0").</param>
public sealed record ClientRootMetadata(
    string Key,
    IReadOnlyDictionary<string, string> KeyInputs,
    ClientRootRecipe Recipe,
    string Mirror,
    string Architecture,
    long SourceDateEpoch,
    string MmdebstrapVersion,
    IReadOnlyDictionary<string, string> ClientPackages,
    ImmutableArray<InstalledPackage> Packages,
    ImmutableArray<CheckResult> Checks,
    long TreeBytes,
    long TreeFiles,
    ClientRootDurations Seconds,
    string BuiltAtUtc,
    ImmutableArray<string> Reproduce)
{
    public static ClientRootMetadata Load(string path) =>
        JsonSerializer.Deserialize<ClientRootMetadata>(File.ReadAllText(path), RootfsJson.Options)
        ?? throw new LabException($"{path} is empty.", "rebuild the client root: sudo ./build.sh --target=ClientRoot");

    public string ToJson() => JsonSerializer.Serialize(this, RootfsJson.Options);
}

/// <summary>What the build needs from this machine: root, mmdebstrap and its merged-/usr hooks.</summary>
/// <param name="Mmdebstrap">The mmdebstrap executable found on PATH; null when it is not installed.</param>
public sealed record ClientRootHost(bool IsRoot, string? Mmdebstrap, bool HasMergedUsrHooks)
{
    public static ClientRootHost Detect() => new(
        Privileges.Detect().IsRoot,
        ExecutableOnPath("mmdebstrap"),
        Directory.Exists(ClientMmdebstrapCommand.DefaultMergedUsrHooks));

    /// <summary>Throws the error a user can act on when something is missing; the first missing thing wins.</summary>
    public void Ensure()
    {
        if (!IsRoot)
        {
            throw new LabException(
                "Building the client root needs root: mmdebstrap --mode=root creates its device nodes (/dev/null, "
                + "/dev/urandom), and the clients run with chroot inside a network namespace, which needs root as well.",
                "sudo ./build.sh --target=ClientRoot");
        }

        if (Mmdebstrap is null)
        {
            throw new LabException(
                "mmdebstrap is not installed (not found on PATH); it builds the client root from Debian's mirror.",
                "run ./build.sh --target=Prerequisites (or apt-get install mmdebstrap), then ./build.sh --target=ClientRoot");
        }

        if (!HasMergedUsrHooks)
        {
            throw new LabException(
                $"{ClientMmdebstrapCommand.DefaultMergedUsrHooks} does not exist: this mmdebstrap is too old or not Debian's package.",
                "apt-get install mmdebstrap (Debian 12 ships 1.3.x), then ./build.sh --target=ClientRoot");
        }
    }

    internal static string? ExecutableOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}

/// <summary>How VmLab runs a program in the client root: a clean environment, then chroot and the tree's own shell.</summary>
public static class ClientChroot
{
    /// <summary>
    /// <c>env -i</c> with a fixed PATH, HOME and <c>LC_ALL=C</c>: nothing of the caller's environment (a PATH into
    /// /root/.pyenv, a locale the tree does not have) changes what runs or how it prints.
    /// </summary>
    public static ImmutableArray<string> CleanEnvironment { get; } =
        ["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LC_ALL=C"];

    /// <summary><c>chroot ROOT /bin/sh -c SCRIPT</c>: the tree's dash runs <paramref name="script"/> with / as the tree.</summary>
    public static ImmutableArray<string> Shell(string root, string script) => ["chroot", root, "/bin/sh", "-c", script];
}

/// <summary>
/// Builds the client root when its key is not cached: mmdebstrap of the recipe (native architecture) into
/// <c>root.partial/</c>, renamed to <c>root/</c>, the package versions read and the checks run inside it with
/// chroot, metadata.json written last.
/// </summary>
/// <param name="time">The clock of the reporter's lines and the metadata's <c>builtAtUtc</c> (default: the system's).</param>
public sealed class ClientRootBuilder(RepoPaths paths, TextWriter output, TimeProvider? time = null)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>The machine's state; tests replace it to see the errors a user would.</summary>
    public ClientRootHost Host { get; init; } = ClientRootHost.Detect();

    /// <summary>Builds the client root unless its key is cached, and returns its metadata.</summary>
    /// <param name="force">Rebuild a cached root too (e.g. to pick up newer package versions from the mirror).</param>
    public async Task<ClientRootMetadata> BuildAsync(ClientRootPlan plan, bool force, CancellationToken cancellationToken)
    {
        if (plan.IsBuilt(paths) && !force)
        {
            Say($"client: cached ({plan.Key}) at {paths.Shown(plan.RootDirectory(paths))}");
            return ClientRootMetadata.Load(plan.MetadataFile(paths));
        }

        Host.Ensure();
        var dir = plan.Directory(paths);
        var root = plan.RootDirectory(paths);
        var partial = root + ".partial";
        Directory.CreateDirectory(dir);
        File.Delete(plan.MetadataFile(paths)); // first: a build interrupted from here on is "not built"
        RootfsBuilder.RemoveTree(partial);
        RootfsBuilder.RemoveTree(root);
        var log = Path.Combine(dir, "build.log");
        File.Delete(log);

        var mmdebstrap = new ClientMmdebstrapCommand(plan.Recipe, plan.Architecture, plan.Definition.Mirror, plan.Definition.SourceDateEpoch, partial);
        var version = await MmdebstrapVersionAsync(cancellationToken);
        Say($"client: {version}, {plan.Recipe.Variant} variant + {string.Join(", ", plan.Recipe.Packages)} ({plan.Architecture}) from {plan.Definition.Mirror}");
        var mmdebstrapSeconds = await MmdebstrapAsync(plan, mmdebstrap, log, cancellationToken);
        Directory.Move(partial, root);

        var t0 = _clock.Elapsed;
        var (packages, checks) = await InspectAsync(plan, root, log, cancellationToken);
        var checkSeconds = (_clock.Elapsed - t0).TotalSeconds;
        var usage = ImageSize.Measure(root);
        var metadata = new ClientRootMetadata(
            plan.Key.ToString(), plan.Key.Inputs, plan.Recipe, plan.Definition.Mirror, plan.Architecture, plan.Definition.SourceDateEpoch,
            version,
            plan.Recipe.Packages.ToDictionary(p => p, p => packages.First(i => i.Name == p).Version),
            packages, checks, usage.DataBytes, usage.Files,
            new ClientRootDurations(Round(mmdebstrapSeconds), Round(checkSeconds), Round(mmdebstrapSeconds + checkSeconds)),
            RootfsJson.BuiltAtUtc(_time),
            [mmdebstrap.ToString().Replace(partial, root, StringComparison.Ordinal)]);
        AtomicFile.WriteAllText(plan.MetadataFile(paths), metadata.ToJson());
        Say($"client: done in {metadata.Seconds.Total:F0} s: {paths.Shown(root)} ({usage.DataBytes / 1048576} MiB in {usage.Files} files, {packages.Length} packages; "
            + string.Join(", ", metadata.ClientPackages.Select(p => $"{p.Key} {p.Value}")) + ")");
        return metadata;
    }

    /// <summary>mmdebstrap into the partial tree, saying so plainly when the mirror cannot be reached. Returns its seconds.</summary>
    private async Task<double> MmdebstrapAsync(ClientRootPlan plan, ClientMmdebstrapCommand mmdebstrap, string log, CancellationToken cancellationToken)
    {
        var t0 = _clock.Elapsed;
        try
        {
            await LoggedCommand.RunAsync(
                mmdebstrap.ToCommand(), log, "mmdebstrap of the client root",
                onLine: Progress,
                next: $"read {log}; a package name or mirror problem shows in its last lines. Then run ./build.sh --target=ClientRoot again",
                cancellationToken: cancellationToken);
        }
        catch (LabException ex) when (MirrorProblem(ex.Message) is { } line)
        {
            throw new LabException(
                $"Debian's mirror {plan.Definition.Mirror} cannot be reached from this machine, so the client root cannot be built (apt: \"{line}\"). The whole log is {log}.",
                $"check the connection (apt-get update, or curl -sI {plan.Definition.Mirror}/dists/{plan.Recipe.Suite}/InRelease), or set a reachable Debian mirror in rootfs/rootfs.json; then ./build.sh --target=ClientRoot",
                ex);
        }

        return (_clock.Elapsed - t0).TotalSeconds;
    }

    /// <summary>The finished tree's package list and the recipe's checks run in it; throws when a check fails or a recipe package is missing.</summary>
    private async Task<(ImmutableArray<InstalledPackage> Packages, ImmutableArray<CheckResult> Checks)> InspectAsync(
        ClientRootPlan plan, string root, string log, CancellationToken cancellationToken)
    {
        var packages = InstalledPackage.ParseList((await RunInRootAsync(root, "dpkg-query -W -f '${Package}\\t${Version}\\t${Architecture}\\n'", cancellationToken)).Output);
        var checks = ImmutableArray.CreateBuilder<CheckResult>();
        foreach (var check in plan.Recipe.Checks)
        {
            var result = await RunInRootAsync(root, check, cancellationToken);
            checks.Add(new CheckResult(check, result.ExitCode, result.Output.Trim()));
            Say($"client: check '{check}' exit code {result.ExitCode}{(result.Output.Length > 0 ? ": " + FirstLine(result.Output) : "")}");
        }

        var failed = checks.Where(c => c.ExitCode != 0).ToList();
        if (failed.Count > 0)
        {
            throw new LabException(
                "The client root was built but its programs do not all run:\n  "
                + string.Join("\n  ", failed.Select(c => $"'{c.Command}' exit code {c.ExitCode}: {FirstLine(c.Output)}")),
                $"fix rootfs/recipes/client.json (the tree is kept in {root} to look into: chroot {root} /bin/sh), then ./build.sh --target=ClientRoot");
        }

        var missing = plan.Recipe.Packages.Where(p => packages.All(i => i.Name != p)).ToList();
        if (missing.Count > 0)
        {
            throw new LabException(
                $"The client root lacks {string.Join(", ", missing)} although mmdebstrap succeeded (dpkg-query does not list it).",
                $"read {log}, then ./build.sh --target=ClientRoot --force");
        }

        return (packages, checks.ToImmutable());
    }

    /// <summary>The line of an mmdebstrap failure that says the mirror could not be reached, or null when the failure is something else.</summary>
    internal static string? MirrorProblem(string output)
    {
        var lines = output.Split('\n').Select(l => l.Trim()).ToList();
        return lines.FirstOrDefault(l => l.StartsWith("E: Failed to fetch", StringComparison.Ordinal))
            ?? lines.FirstOrDefault(l => l.Contains("Could not connect to", StringComparison.Ordinal)
                || l.Contains("Could not resolve", StringComparison.Ordinal)
                || l.Contains("Temporary failure resolving", StringComparison.Ordinal)
                || l.Contains("Connection timed out", StringComparison.Ordinal));
    }

    /// <summary>Runs <paramref name="script"/> in the tree (<see cref="ClientChroot"/>), stdout and stderr together.</summary>
    internal static async Task<(int ExitCode, string Output)> RunInRootAsync(string root, string script, CancellationToken cancellationToken)
    {
        ImmutableArray<string> argv = [.. ClientChroot.CleanEnvironment, .. ClientChroot.Shell(root, "exec 2>&1\n" + script)];
        var result = await Cli.Wrap(argv[0]).WithArguments(argv.Skip(1))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellationToken);
        return (result.ExitCode, result.StandardOutput + result.StandardError);
    }

    private static async Task<string> MmdebstrapVersionAsync(CancellationToken cancellationToken)
    {
        var result = await Cli.Wrap("mmdebstrap").WithArguments("--version")
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellationToken);
        return FirstLine(result.StandardOutput + result.StandardError);
    }

    private void Progress(string line)
    {
        // mmdebstrap's phases (I:), warnings (W:) and errors (E:); dpkg chatter stays in build.log.
        if (line.StartsWith("I: ", StringComparison.Ordinal) || line.StartsWith("W: ", StringComparison.Ordinal)
            || line.StartsWith("E: ", StringComparison.Ordinal))
        {
            Say("client: " + line);
        }
    }

    private readonly Reporter _reporter = new(output, "client-root", time);

    private void Say(string line) => _reporter.Line(line);

    private static double Round(double seconds) => Math.Round(seconds, 1);

    private static string FirstLine(string text) => text.Trim().Split('\n')[0].Trim();
}
