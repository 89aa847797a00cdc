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
    config.AddBranch("lab", lab =>
    {
        lab.SetDescription("The nested lab: L1 (TCG, EL2) hosting L2 (KVM), every suite over every scenario.");
        lab.AddCommand<LabPlanCommand>("plan").WithDescription("Print the plan (scenarios × suites × repeats), the topology and the estimate.");
        lab.AddCommand<LabRunCommand>("run").WithDescription("Run, or --resume, a lab run into results/<run-id>/.");
    });
});
return await app.RunAsync(args);
