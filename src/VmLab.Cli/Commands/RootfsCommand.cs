using System.ComponentModel;
using Spectre.Console.Cli;
using VmLab.Common;
using VmLab.Rootfs;

namespace VmLab.CommandLine.Commands;

internal sealed class RootfsCommand : AsyncCommand<RootfsCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--image <NAME>")]
        [Description("Build only this image (repeatable): guest, host. Default: every image in rootfs/rootfs.json.")]
        public string[] Images { get; init; } = [];

        [CommandOption("--headroom-mib <MIB>")]
        [Description("Free space in each image beyond its content (default: rootfs/rootfs.json). Part of the key.")]
        [TypeConverter(typeof(HeadroomOption))]
        public int? HeadroomMiB { get; init; }

        [CommandOption("--unixbench <PATH>")]
        [Description("A local UnixBench 5.1.3 tarball (used when the pinned download is not available); needs --unixbench-sha256.")]
        public string? UnixBench { get; init; }

        [CommandOption("--unixbench-sha256 <HEX>")]
        [Description("The sha256 you vouch for of the --unixbench file; it is checked and recorded.")]
        public string? UnixBenchSha256 { get; init; }

        public override Spectre.Console.ValidationResult Validate() =>
            (UnixBench is null) == (UnixBenchSha256 is null)
                ? Spectre.Console.ValidationResult.Success()
                : Spectre.Console.ValidationResult.Error("--unixbench and --unixbench-sha256 go together");

        [CommandOption("--force")]
        [Description("Rebuild cached images too (e.g. to pick up newer packages from the mirror).")]
        public bool Force { get; init; }

        [CommandOption("--plan")]
        [Description("Only print the keys and whether each image is cached; build nothing.")]
        public bool PlanOnly { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var environment = VmlabEnvironment.FromProcess();
        var paths = environment.Repo();
        // A plan reads only; a build downloads and writes images that a running lab may be booting.
        using var artifactsLock = settings.PlanOnly ? null : paths.LockArtifacts();
        var definition = RootfsDefinition.Load(paths.RootfsDir);
        var local = settings.UnixBench is { } file ? new VmLab.Sources.LocalSource(file, settings.UnixBenchSha256!) : null;
        var unixBench = await SourceUse.ResolveUnixBenchAsync(
            definition.Sources.Unixbench, paths, local, mayDownload: !settings.PlanOnly && !environment.Offline, Console.WriteLine, cancellationToken);
        var plan = RootfsPlan.Create(definition, unixBench, settings.HeadroomMiB, settings.Images);
        if (settings.PlanOnly)
        {
            foreach (var image in plan.Images)
            {
                Console.WriteLine($"{image.Recipe.Name}: key {image.Key} {(image.IsBuilt(paths) ? "cached" : "to build")} → {image.ImageFile(paths)}");
            }

            Console.WriteLine($"set: {plan.SetDirectory(paths)}");
            return 0;
        }

        await new RootfsBuilder(paths, Console.Out).BuildAsync(plan, settings.Force, cancellationToken);
        return 0;
    }
}
