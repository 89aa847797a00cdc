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
        public int? HeadroomMiB { get; init; }

        [CommandOption("--unixbench <PATH>")]
        [Description("A local UnixBench 5.1.3 tarball (used when the pinned download is not available).")]
        public string? UnixBench { get; init; }

        [CommandOption("--force")]
        [Description("Rebuild cached images too (e.g. to pick up newer packages from the mirror).")]
        public bool Force { get; init; }

        [CommandOption("--plan")]
        [Description("Only print the keys and whether each image is cached; build nothing.")]
        public bool PlanOnly { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var paths = RepoPaths.Find();
        var definition = RootfsDefinition.Load(paths.RootfsDir);
        var plan = RootfsPlan.Create(definition, paths, settings.UnixBench, settings.HeadroomMiB, settings.Images);
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
