using Spectre.Console;
using Spectre.Console.Cli;
using VmLab.CommandLine.Commands;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("vmlab");
    // A user never sees a stack trace: every failure is one line saying what happened and what to do.
    config.SetExceptionHandler((ex, _) =>
    {
        AnsiConsole.MarkupLineInterpolated($"[red]vmlab: {ex.Message}[/]");
        if (ex is VmLab.Common.LabException { Next: { } next })
        {
            AnsiConsole.MarkupLineInterpolated($"  next: {next}");
        }

        return ex is CommandParseException or CommandRuntimeException ? 64 : 1;
    });
    config.AddCommand<PrerequisitesCommand>("prerequisites")
        .WithDescription("Check, and install with apt-get when allowed, the Debian packages the pipeline needs.");
    config.AddCommand<ReleaseCommand>("release")
        .WithDescription("Publish a run (report, results.tar.gz, kernel files, SHA256SUMS) as a GitHub release; --dry-run shows it.");
});
return await app.RunAsync(args);
