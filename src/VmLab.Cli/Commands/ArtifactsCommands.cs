using System.ComponentModel;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;
using VmLab.Common;
using VmLab.Kernel;
using VmLab.Lab.Artifacts;
using VmLab.Sources;

namespace VmLab.CommandLine.Commands;

/// <summary>Options of <c>vmlab artifacts …</c>: what the kernel key depends on beyond the repository.</summary>
internal class ArtifactsSettings : CommandSettings
{
    [CommandOption("--kernel-base <BASE>")]
    [Description("The base the kernels are built on (as given to vmlab kernel build).")]
    [DefaultValue(KernelBase.Allnoconfig)]
    public KernelBase KernelBase { get; init; } = KernelBase.Allnoconfig;

    [CommandOption("--kernel-source <FILE>")]
    [Description("The local kernel tarball the kernels are built from, if any (with --kernel-sha256).")]
    public string? KernelSource { get; init; }

    [CommandOption("--kernel-sha256 <HEX>")]
    public string? KernelSha256 { get; init; }

    public override ValidationResult Validate() =>
        (KernelSource is null) != (KernelSha256 is null) ? ValidationResult.Error("--kernel-source and --kernel-sha256 go together") : ValidationResult.Success();

    public async Task<(RepoPaths Paths, StageKeys Keys)> KeysAsync(CancellationToken cancellationToken)
    {
        var paths = VmlabEnvironment.FromProcess().Repo();
        var local = KernelSource is { } file ? new LocalSource(file, KernelSha256!.ToLowerInvariant()) : null;
        return (paths, await StageKeys.ComputeAsync(paths, KernelBase, local, cancellationToken));
    }
}

/// <summary><c>vmlab artifacts keys</c>: the current key of every stage, and whether its folder is there.</summary>
internal sealed class ArtifactsKeysCommand : AsyncCommand<ArtifactsKeysCommand.Settings>
{
    public sealed class Settings : ArtifactsSettings
    {
        [CommandOption("--json")]
        [Description("Print the keys as one JSON object.")]
        public bool Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var (paths, keys) = await settings.KeysAsync(cancellationToken);
        if (settings.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(keys, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
            return 0;
        }

        string State(string dir) => Directory.Exists(dir) ? "built" : "missing";
        var kernel = keys.Kernel.Key is { } k ? Path.Combine(paths.Artifacts, "kernel", k) : null;
        Console.WriteLine(kernel is null ? $"kernel  unknown: {keys.Kernel.Problem}" : $"kernel  {keys.Kernel.Key}  {State(kernel)}  {kernel}");
        foreach (var (name, key) in keys.Images)
        {
            var dir = Path.Combine(paths.Artifacts, "rootfs", "images", name, key);
            Console.WriteLine($"{name,-7} {key}  {State(dir)}  {dir}");
        }

        var client = Path.Combine(paths.Artifacts, "client", keys.ClientRoot);
        Console.WriteLine($"client  {keys.ClientRoot}  {State(client)}  {client}  (never cached: built on each machine, as root)");
        Console.WriteLine($"cache   {keys.Cache}  (vmlab artifacts cache-key: the CI cache key of {string.Join(", ", StageKeys.CachedFolders.Select(f => $"artifacts/{f}"))})");
        return 0;
    }
}

/// <summary><c>vmlab artifacts cache-key</c>: one line, the key the workflows cache the built stages under.</summary>
internal sealed class ArtifactsCacheKeyCommand : AsyncCommand<ArtifactsSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ArtifactsSettings settings, CancellationToken cancellationToken)
    {
        var paths = VmlabEnvironment.FromProcess().Repo();
        var definition = VmLab.Rootfs.RootfsDefinition.Load(paths.RootfsDir);
        Console.WriteLine(StageKeys.CacheKeyOf(paths, settings.KernelBase, await Toolchain.ProbeAsync(cancellationToken), definition));
        return 0;
    }
}

/// <summary><c>vmlab artifacts prune</c>: deletes the cached stages' folders of other keys.</summary>
internal sealed class ArtifactsPruneCommand : AsyncCommand<ArtifactsPruneCommand.Settings>
{
    public sealed class Settings : ArtifactsSettings
    {
        [CommandOption("--dry-run")]
        [Description("Only list what would be deleted.")]
        public bool DryRun { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var (paths, keys) = await settings.KeysAsync(cancellationToken);
        using var artifactsLock = settings.DryRun ? null : paths.LockArtifacts();
        var stale = keys.Prune(paths, settings.DryRun);
        foreach (var dir in stale)
        {
            Console.WriteLine($"{(settings.DryRun ? "would delete" : "deleted")} {dir}");
        }

        Console.WriteLine($"vmlab: {stale.Count} folder(s) of other keys {(settings.DryRun ? "to delete" : "deleted")}; kept the current keys (vmlab artifacts keys)"
                          + (keys.Kernel.Key is null ? $"; kernels left alone: {keys.Kernel.Problem}" : ""));
        return 0;
    }
}
