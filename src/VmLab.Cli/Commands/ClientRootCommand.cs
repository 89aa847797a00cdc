using System.ComponentModel;
using Spectre.Console.Cli;
using VmLab.Common;
using VmLab.Rootfs;

namespace VmLab.CommandLine.Commands;

internal sealed class ClientRootCommand : AsyncCommand<ClientRootCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--force")]
        [Description("Rebuild a cached client root too (e.g. to pick up newer packages from the mirror).")]
        public bool Force { get; init; }

        [CommandOption("--plan")]
        [Description("Only print the key, whether it is cached, and the paths; build nothing.")]
        public bool PlanOnly { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var paths = VmlabEnvironment.FromProcess().Repo();
        var plan = ClientRootPlan.Create(ClientRootDefinition.Load(paths.RootfsDir));
        if (settings.PlanOnly)
        {
            Console.WriteLine($"client: key {plan.Key} ({plan.Architecture}) {(plan.IsBuilt(paths) ? "cached" : "to build")} → {plan.RootDirectory(paths)}");
            Console.WriteLine($"metadata: {plan.MetadataFile(paths)}");
            return 0;
        }

        using var artifactsLock = paths.LockArtifacts();
        await new ClientRootBuilder(paths, Console.Out).BuildAsync(plan, settings.Force, cancellationToken);
        return 0;
    }
}
