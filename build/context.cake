// The build's state, made once in Setup: paths, configuration, profile, CI flags.
// Every task reads from here; nothing else in build/ computes a path.
public sealed class BuildContext
{
    public BuildContext(ICakeContext context)
    {
        Root = context.MakeAbsolute(context.Directory(".."));
        if (!context.FileExists(Root.CombineWithFilePath("VmLab.slnx")))
        {
            // build.sh always runs from the repo root; a direct `dotnet cake build/build.cake` may not.
            Root = context.MakeAbsolute(context.Directory("."));
        }
        Solution = Root.CombineWithFilePath("VmLab.slnx");
        Configuration = context.Argument("configuration", "Release");
        Profile = context.Argument("profile", "quick");
        IsCI = string.Equals(context.EnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        Artifacts = Root.Combine("artifacts");
        TestResults = Artifacts.Combine("test-results");
        CliProject = Root.CombineWithFilePath("src/VmLab.Cli/VmLab.Cli.csproj");
        CliDll = Root.CombineWithFilePath($"src/VmLab.Cli/bin/{Configuration}/net10.0/VmLab.Cli.dll");
        // --kernel-base=defconfig, --kernel-source=FILE --kernel-sha256=HEX, --offline=true reach `vmlab kernel`;
        // --unixbench=FILE --unixbench-sha256=HEX reach `vmlab rootfs` (a UnixBench 5.1.3 tarball the user vouches for,
        // on machines that reach neither GitHub nor ../shared/third_party/; vmlab checks that both are given).
        KernelOptions = BuildOptions.Forward(context, "Kernel");
        RootfsOptions = BuildOptions.Forward(context, "Rootfs");
    }

    /// <summary>How Build and BuildCli compile: this configuration, deterministic paths in CI, and no build server
    /// left behind. build.sh waits for its whole process group (vmlab may still be stopping a VM after Cake ends), and a
    /// compiler server (VBCSCompiler) or a reused MSBuild node started by the build is in that group and lives on idle
    /// for about 10 minutes: on a machine where none ran yet (every CI job, GitHub's included) each ./build.sh then
    /// hung that long after its work was done (seen in the workflow rehearsals: 10 min 30 s after "Prerequisites").
    /// Without the servers a build compiles in-process: a few seconds slower, and it ends when its work does.</summary>
    public DotNetBuildSettings BuildSettings() => new()
    {
        Configuration = Configuration,
        NoLogo = true,
        MSBuildSettings = new DotNetMSBuildSettings()
            .SetContinuousIntegrationBuild(IsCI)
            .SetNodeReuse(false)
            .WithProperty("UseSharedCompilation", "false"),
    };

    public DirectoryPath Root { get; }
    public FilePath Solution { get; }
    public string Configuration { get; }
    public string Profile { get; }
    public bool IsCI { get; }
    public DirectoryPath Artifacts { get; }
    public DirectoryPath TestResults { get; }
    public FilePath CliProject { get; }
    public FilePath CliDll { get; }
    public string[] KernelOptions { get; }
    public string[] RootfsOptions { get; }
}
