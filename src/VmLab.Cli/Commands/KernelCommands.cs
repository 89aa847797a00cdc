using System.ComponentModel;
using System.Globalization;
using Spectre.Console.Cli;
using Spectre.Console;
using VmLab.Common;
using VmLab.Kernel;
using VmLab.Sources;

namespace VmLab.CommandLine.Commands;

/// <summary>Options shared by <c>vmlab kernel config</c> and <c>vmlab kernel build</c>.</summary>
internal class KernelSettings : CommandSettings
{
    [CommandOption("--kernel-base <BASE>")]
    [Description("allnoconfig (default: only what kernel/config/lab.config asks for) or defconfig (arm64 defconfig + the same fragments).")]
    [DefaultValue(KernelBase.Allnoconfig)]
    public KernelBase Base { get; init; } = KernelBase.Allnoconfig;

    [CommandOption("--kernel-source <FILE>")]
    [Description("A kernel tarball to use when kernel.org cannot be reached (needs --kernel-sha256).")]
    public string? Source { get; init; }

    [CommandOption("--kernel-sha256 <HEX>")]
    [Description("The sha256 of --kernel-source; the file is refused if it differs.")]
    public string? Sha256 { get; init; }

    [CommandOption("--offline")]
    [Description("Try no mirror (same as VMLAB_OFFLINE=1): go straight to the declared fallbacks.")]
    public bool Offline { get; init; }

    [CommandOption("--no-ccache")]
    [Description("Compile without ccache (e.g. to time or check a cold build).")]
    public bool NoCcache { get; init; }

    [CommandOption("-j|--jobs <N>")]
    [Description("Parallel make jobs (default: the number of processors).")]
    [TypeConverter(typeof(JobsOption))]
    public int? Jobs { get; init; }

    public override ValidationResult Validate() =>
        (Source is null) != (Sha256 is null)
            ? ValidationResult.Error("--kernel-source and --kernel-sha256 go together (VmLab never uses an unverified file)")
            : Sha256 is { } s && (s.Length != 64 || !s.All(char.IsAsciiHexDigit))
                ? ValidationResult.Error($"--kernel-sha256 '{s}' is not 64 hex digits")
                : ValidationResult.Success();

    public KernelRequest ToRequest(VmlabEnvironment environment) => new(
        Base,
        Source is null ? null : new LocalSource(Source, Sha256!.ToLowerInvariant()),
        Offline || environment.Offline,
        !NoCcache,
        Jobs ?? Environment.ProcessorCount,
        environment.CcacheDir);

    /// <summary>The pipeline with terminal output: timestamped plain lines (they read well in CI logs too).</summary>
    public static KernelPipeline Pipeline(RepoPaths paths, HttpClient http)
    {
        var lastProgress = DateTime.MinValue;
        return new KernelPipeline(paths, http, Say)
        {
            Warn = Warn,
            DownloadProgress = new Progress<DownloadProgress>(p =>
            {
                if (DateTime.UtcNow - lastProgress > TimeSpan.FromSeconds(2) || p.Received == p.Total)
                {
                    lastProgress = DateTime.UtcNow;
                    Say(p.ToString());
                }
            }),
        };
    }

    public static HttpClient Http() => new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(20) })
    {
        Timeout = Timeout.InfiniteTimeSpan, // large files: the connect timeout and Ctrl-C bound the wait
    };

    // The kernel source fallback's warning is loud on purpose (a substituted kernel changes what the results mean):
    // a panel on a terminal, a WARNING line in a file, a pipe or with NO_COLOR.
    private static readonly Reporter Reporter = new(Console.Out, "kernel")
    {
        OnWarning = Terminal.Plain(Console.IsOutputRedirected) ? null
            : warning => AnsiConsole.Write(new Panel(new Text(warning, new Style(Color.Yellow, decoration: Decoration.Bold)))
                .Header("[yellow bold] WARNING: kernel source fallback [/]").BorderColor(Color.Yellow)),
    };

    public static void Say(string line) => Reporter.Line(line);

    public static void Warn(string warning) => Reporter.Warning(warning);

    public static void Summarize(KernelSet set)
    {
        Say($"artifacts: {set.Dir}");
        Say($"config.diff (guest -> host): {string.Join(", ", set.Diff.Differences.Select(d => d.ToString().Trim()))}");
        if (set.Source.Warning is { } warning)
        {
            Warn(warning);
        }
    }
}

internal sealed class KernelConfigCommand : AsyncCommand<KernelSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, KernelSettings settings, CancellationToken cancellationToken)
    {
        var environment = VmlabEnvironment.FromProcess();
        var paths = environment.Repo();
        using var artifactsLock = paths.LockArtifacts();
        using var http = KernelSettings.Http();
        var set = await KernelSettings.Pipeline(paths, http).ConfigureAsync(settings.ToRequest(environment), cancellationToken);
        KernelSettings.Summarize(set);
        return 0;
    }
}

internal sealed class KernelBuildCommand : AsyncCommand<KernelSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, KernelSettings settings, CancellationToken cancellationToken)
    {
        var environment = VmlabEnvironment.FromProcess();
        var paths = environment.Repo();
        using var artifactsLock = paths.LockArtifacts();
        using var http = KernelSettings.Http();
        var set = await KernelSettings.Pipeline(paths, http).BuildAsync(settings.ToRequest(environment), cancellationToken);
        foreach (var (identity, build) in set.Built.Select(k => (k.Identity, k.Build)))
        {
            KernelSettings.Say($"{identity.Flavor}: Image sha256 {build.Outputs["Image"].Sha256} ({build.Outputs["Image"].Size} bytes), " +
                               $"build {build.BuildSeconds:F0} s, ccache {build.Ccache.Hits} hits / {build.Ccache.Misses} misses");
        }

        KernelSettings.Summarize(set);
        return 0;
    }
}

internal sealed class KernelBootCheckCommand : AsyncCommand<KernelSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, KernelSettings settings, CancellationToken cancellationToken)
    {
        var environment = VmlabEnvironment.FromProcess();
        var paths = environment.Repo();
        using var artifactsLock = paths.LockArtifacts();
        using var http = KernelSettings.Http();
        var set = await KernelSettings.Pipeline(paths, http).ConfigureAsync(settings.ToRequest(environment), cancellationToken);
        if (!File.Exists(set.Host.Image))
        {
            throw new LabException($"There is no host Image at {set.Host.Image} yet.", "run ./build.sh --target=Kernel first");
        }

        var log = Path.Combine(set.Host.Dir, "boot-check.log");
        KernelSettings.Say($"booting {set.Host.Image} under {BootEvidence.Qemu(set.Host.Image)}");
        var evidence = await BootEvidence.RunAsync(set.Host.Image, log, TimeSpan.FromMinutes(5), cancellationToken);
        KernelSettings.Say($"{evidence.Banner}");
        KernelSettings.Say($"started at EL2: {evidence.StartedAtEl2}, KVM hyp mode initialised: {evidence.HypModeInitialized}, reached root mount: {evidence.ReachedRootMount} (console: {log})");
        return evidence.CanHostKvm ? 0 : 1;
    }
}
