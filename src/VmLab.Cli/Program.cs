using Spectre.Console;
using Spectre.Console.Cli;
using VmLab.CommandLine.Commands;

var app = new CommandApp();
var usageFailed = false;
var probing = false;
// Errors go to stderr (stdout is the command's result, e.g. `vmlab compare A B > cmp.md`): red on a terminal, plain
// unwrapped lines into a file, a pipe or with NO_COLOR. A name from a file or directory may hold control characters
// (a newline, ESC): they are printed as escapes, never sent to the terminal.
var errors = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
var plainErrors = VmLab.CommandLine.Terminal.Plain(Console.IsErrorRedirected);
void Error(string text, bool red = false)
{
    foreach (var line in text.Split('\n').Select(VmLab.Common.Printable.Escape))
    {
        if (probing)
        {
            continue;
        }

        if (plainErrors)
        {
            Console.Error.WriteLine(line);
        }
        else
        {
            errors.MarkupLine(red ? $"[red]{Markup.Escape(line)}[/]" : Markup.Escape(line));
        }
    }
}

app.Configure(config =>
{
    config.SetApplicationName("vmlab");
    // A typo (--profle) is refused, never ignored: an ignored option runs the default (issue 16, item 7). Not
    // UseStrictParsing: parse takes the options its suites declare, which Spectre cannot list (UnknownOptions).
    config.SetInterceptor(new VmLab.CommandLine.UnknownOptions());
    // A user never sees a stack trace: every failure is one line saying what happened and what to do.
    config.SetExceptionHandler((ex, _) =>
    {
        // A value our converters refuse (--seed -1) arrives wrapped in Spectre's "Failed to convert '-1' to Nullable`1".
        if (ex is CommandRuntimeException { InnerException: VmLab.CommandLine.UsageException refused })
        {
            ex = refused;
        }

        Error($"vmlab: {ex.Message}", red: true);
        if (ex is VmLab.Common.LabException { Next: { } next })
        {
            Error($"  next: {next}");
        }

        usageFailed = ex is CommandParseException or CommandRuntimeException or VmLab.CommandLine.UsageException;
        return usageFailed ? 64 : 1;
    });
    config.AddCommand<PrerequisitesCommand>("prerequisites")
        .WithDescription("Check, and install with apt-get when allowed, the Debian packages the pipeline needs.");
    config.AddBranch("lab", lab =>
    {
        lab.SetDescription("The nested lab: L1 (TCG, EL2) hosting L2 (KVM), every suite over every scenario.");
        lab.AddCommand<LabPlanCommand>("plan").WithDescription("Print the plan (scenarios × suites × repeats), the topology and the estimate.");
        lab.AddCommand<LabRunCommand>("run").WithDescription("Run, or --resume, a lab run into results/<run-id>/.");
        lab.AddCommand<LabRepairCommand>("repair").WithDescription("Rebuild a damaged units.json from raw/ and the console logs (runs nothing).");
    });
    config.AddCommand<ParseCommand>("parse")
        .WithDescription($"Parse one raw benchmark output ({string.Join(", ", VmLab.Suites.SuiteParsers.Names)}) and check its validity.\nSuite options:\n{SuiteOptionsHelp.Lines()}")
        .WithExample("parse", VmLab.Suites.ApacheBenchParser.Id, $"results/run/raw/baseline/{VmLab.Suites.ApacheBenchParser.Id}/1.txt", "--json");
    config.AddCommand<ParseRunCommand>("parse-run")
        .WithDescription("Recompute <run-dir>/results.json from its raw/ outputs.")
        .WithExample("parse-run", "results/reference-2023");
    config.AddCommand<ReportCommand>("report")
        .WithDescription("Render <run-dir>/REPORT.md and charts/*.svg from results.json (--reparse re-reads raw/ first).")
        .WithExample("report", "results/reference-2023");
    config.AddCommand<VerifyCommand>("verify")
        .WithDescription("Does every file of <run-dir> (raw/, results.json, REPORT.md, charts/) agree with its raw outputs and units.json? Writes nothing.")
        .WithExample("verify", "results/reference-2023");
    config.AddCommand<MergeCommand>("merge")
        .WithDescription("Join a sharded run's shard directories into one run directory (refusing shards of different runs, inputs or overlapping units).")
        .WithExample("merge", "results/R-shard-1", "results/R-shard-2", "--out", "results/R");
    config.AddCommand<CompareCommand>("compare")
        .WithDescription("Do two runs' verdicts agree (confirmed, not significant in the other, reversed, inconclusive)? Then the scenarios they share, run B against run A.")
        .WithExample("compare", "results/2026-11-25T0947Z-smoke", "results/2026-11-25T1113Z-smoke");
    config.AddCommand<RootfsCommand>("rootfs")
        .WithDescription("Build the arm64 Debian images for the KVM host (L1) and the guest (L2) into artifacts/rootfs/ (cached by content key).");
    config.AddCommand<ClientRootCommand>("client-root")
        .WithDescription("Build L0's native client root (netperf, ab) into artifacts/client/<key>/root/, run with chroot in the lab's network namespace (cached by content key; needs root).");
    config.AddBranch("kernel", kernel =>
    {
        kernel.SetDescription("The two arm64 kernels: KVM host (VHOST_NET=y) and guest, from one verified source and config.");
        kernel.AddCommand<KernelConfigCommand>("config").WithDescription("Fetch the source, configure host and guest, verify them, write config.diff.");
        kernel.AddCommand<KernelBootCheckCommand>("boot-check").WithDescription("Boot the host Image under QEMU/TCG (virtualization=on, no rootfs): does it start at EL2 and initialise KVM?");
        kernel.AddCommand<KernelBuildCommand>("build").WithDescription("Configure, then cross-compile both Images reproducibly (cached by a key of every input).");
    });
    config.AddBranch("artifacts", artifacts =>
    {
        artifacts.SetDescription("The stage keys of this checkout: what a lab run boots, what the CI cache holds.");
        artifacts.AddCommand<ArtifactsKeysCommand>("keys").WithDescription("Print the current key of the kernel, rootfs and client-root stages, and whether each is built.");
        artifacts.AddCommand<ArtifactsCacheKeyCommand>("cache-key").WithDescription("Print the CI cache key of the built stages (a hash of every input their keys use, as declared).");
        artifacts.AddCommand<ArtifactsPruneCommand>("prune").WithDescription("Delete the cached stages' folders of other keys (before a CI cache is saved).");
    });
    config.AddCommand<ReleaseCommand>("release")
        .WithDescription("Publish a run (report, results.tar.gz, kernel files, SHA256SUMS) as a GitHub release; --dry-run shows it.");
});
var rc = await app.RunAsync(args);
if (usageFailed)
{
    // A usage error is one line on stderr, and where the usage is: the help of the command named (a branch, lab or
    // kernel, and its command; or one command), or of vmlab when no such command exists. Spectre is asked, quietly,
    // which of those it knows; the help itself is printed only when asked for (issue 26, item 13).
    probing = true;
    app.Configure(config => config.Settings.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) }));
    var words = args.TakeWhile(a => !a.StartsWith('-')).ToArray();
    var command = words.Take(words.FirstOrDefault() is "lab" or "kernel" or "artifacts" ? 2 : 1).ToArray();
    while (command.Length > 0 && await app.RunAsync([.. command, "--help"]) != 0)
    {
        command = command[..^1];
    }

    probing = false;
    Error($"  next: see what it takes: vmlab {string.Join(' ', [.. command, "--help"])}");
}

return rc;
