using System.ComponentModel;
using Spectre.Console.Cli;
using VmLab.Common;
using VmLab.Release;

namespace VmLab.CommandLine.Commands;

/// <summary><c>vmlab release</c>: publishes a run directory as a GitHub release, or shows what would be published.</summary>
internal sealed class ReleaseCommand : AsyncCommand<ReleaseCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--run <DIR>")]
        [Description("The run directory to publish, e.g. results/reference-2023 (needs manifest.json and REPORT.md).")]
        public string? Run { get; init; }

        [CommandOption("--tag <TAG>")]
        [Description("The release tag. Default: the tag that triggered the workflow (GITHUB_REF_NAME), else run-<run-id>.")]
        public string? Tag { get; init; }

        [CommandOption("--repository <OWNER/NAME>")]
        [Description("The repository. Default: GITHUB_REPOSITORY.")]
        public string? Repository { get; init; }

        [CommandOption("--github-api-url <URL>")]
        [Description("The GitHub REST API root (GitHub Enterprise: https://HOST/api/v3). Default: GITHUB_API_URL, else https://api.github.com.")]
        public string? ApiUrl { get; init; }

        [CommandOption("--dry-run")]
        [Description("Print the release and its assets with their sha256s; contact nothing.")]
        public bool DryRun { get; init; }

        public override Spectre.Console.ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Run)
                ? Spectre.Console.ValidationResult.Error("--run <DIR> is required (the run directory to publish, e.g. results/reference-2023)")
                : Spectre.Console.ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var environment = ReleaseEnvironment.FromProcess();
        var target = new GitHubTarget(GitHubTarget.ParseApiUrl(settings.ApiUrl ?? environment.ApiUrl), settings.Repository ?? environment.Repository);
        // A release packs the run directory: no lab run may be writing to it meanwhile.
        using var runLock = DirectoryLock.Take(Path.GetFullPath(settings.Run!), $"Run {Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(settings.Run!)))}");
        var run = await ReleaseRun.LoadAsync(settings.Run!, cancellationToken);
        var plan = await ReleasePlanner.PlanAsync(run, target, environment, settings.Tag, VmlabEnvironment.FromProcess().Repo().Artifacts, cancellationToken);

        if (settings.DryRun)
        {
            Console.WriteLine("dry run: nothing is sent to GitHub. This is what would be published:");
            Console.WriteLine();
            plan.Describe(Console.Out, environment.Token);
            return 0;
        }

        var published = await ReleasePublisher.PublishAsync(plan, environment, Console.Out, cancellationToken);
        Console.WriteLine($"published {plan.Tag}: {published.Assets.Count} assets, {published.Url}");
        return 0;
    }
}
