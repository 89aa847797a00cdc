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
    config.AddBranch("kernel", kernel =>
    {
        kernel.SetDescription("The two arm64 kernels: KVM host (VHOST_NET=y) and guest, from one verified source and config.");
        kernel.AddCommand<KernelConfigCommand>("config").WithDescription("Fetch the source, configure host and guest, verify them, write config.diff.");
        kernel.AddCommand<KernelBootCheckCommand>("boot-check").WithDescription("Boot the host Image under QEMU/TCG (virtualization=on, no rootfs): does it start at EL2 and initialise KVM?");
        kernel.AddCommand<KernelBuildCommand>("build").WithDescription("Configure, then cross-compile both Images reproducibly (cached by a key of every input).");
    });
});
return await app.RunAsync(args);
