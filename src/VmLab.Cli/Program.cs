using Spectre.Console;
using Spectre.Console.Cli;
using VmLab.Cli.Commands;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("vmlab");
    // A user never sees a stack trace: every failure is one line saying what happened and what to do.
    config.SetExceptionHandler((ex, _) =>
    {
        AnsiConsole.MarkupLineInterpolated($"[red]vmlab: {ex.Message}[/]");
        return ex is CommandParseException or CommandRuntimeException ? 64 : 1;
    });
    config.AddCommand<PrerequisitesCommand>("prerequisites")
        .WithDescription("Check, and install with apt-get when allowed, the Debian packages the pipeline needs.");
});
return await app.RunAsync(args);
