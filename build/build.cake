// VmLab's pipeline. Each task is a few lines: it decides whether and in what order;
// the work lives in the VmLab library, reached through the `vmlab` CLI.
#load "context.cake"
#load "vmlab.cake"
#load "testresults.cake"
#load "lab.cake"
#load "release.cake"
#load "options.cake"

using System.Xml.Linq;

var target = Argument("target", "Reproduce");

Setup<BuildContext>(context =>
{
    BuildOptions.Check(context, target, context.TasksToExecute.Select(t => t.Name));
    var data = new BuildContext(context);
    Information($"VmLab: target {target}, profile {data.Profile}, configuration {data.Configuration}{(data.IsCI ? ", CI" : "")}");
    return data;
});

Task("Build")
    .Description("Compile the VmLab library, the vmlab CLI and the tests.")
    .Does<BuildContext>(data =>
{
    DotNetBuild(data.Solution.FullPath, data.BuildSettings());
});

Task("BuildCli")
    .Description("Compile only what the pipeline runs: the vmlab CLI and the VmLab library (a no-op rebuild is seconds).")
    .Does<BuildContext>(data =>
{
    DotNetBuild(data.CliProject.FullPath, data.BuildSettings());
});

Task("Test")
    .Description("Run the unit and snapshot tests (snapshots strict in CI) and print 'N passed, N failed'.")
    .IsDependentOn("Build")
    .Does<BuildContext>(data =>
{
    CleanDirectory(data.TestResults);
    // The workflow linters the tests run (tests/workflows/package.json, pinned by its package-lock.json): a few
    // seconds, and part of the test command so that `./build.sh --target=Test` works on a fresh clone as CI's does.
    var npm = StartProcess("npm", new ProcessSettings
    {
        Arguments = new ProcessArgumentBuilder().Append("ci").Append("--prefix").AppendQuoted(data.Root.Combine("tests/workflows").FullPath)
            .Append("--no-audit").Append("--no-fund").Append("--loglevel=error"),
        RedirectStandardOutput = true,
    });
    if (npm != 0)
    {
        Warning($"npm ci in tests/workflows exited {npm}: the workflow lint tests will fail (is Node.js installed?)");
    }

    // xunit.v3 runs on Microsoft.Testing.Platform (global.json opts dotnet test in), whose
    // arguments differ from VSTest's, so the command line is spelled out here.
    var exitCode = StartProcess("dotnet", new ProcessSettings
    {
        Arguments = new ProcessArgumentBuilder()
            .Append("test").Append("--solution").AppendQuoted(data.Solution.FullPath)
            .Append("--configuration").Append(data.Configuration)
            .Append("--no-build").Append("--no-progress")
            .Append("--results-directory").AppendQuoted(data.TestResults.FullPath)
            .Append("--report-xunit-trx"),
        EnvironmentVariables = new Dictionary<string, string>
        {
            ["SNAPSHOOTER_STRICT_MODE"] = data.IsCI ? "true" : "false",
        },
    });

    var summary = TestSummary.FromTrx(GetFiles(data.TestResults.FullPath + "/*.trx"));
    System.IO.File.WriteAllText(data.TestResults.CombineWithFilePath("summary.txt").FullPath, summary + "\n");
    Information(summary.ToString());
    if (exitCode != 0 || summary.Failed > 0)
    {
        throw new CakeException($"dotnet test exited {exitCode} with {summary.Failed} failed test(s); the TRX files are in {data.TestResults}.");
    }
});

Task("Prerequisites")
    .Description("Install the Debian packages the pipeline needs (apt-get as root or with sudo; else print the command).")
    .IsDependentOn("BuildCli")
    .Does<BuildContext>(data => Context.Vmlab(data, ["prerequisites", .. BuildOptions.Forward(Context, "Prerequisites")]));

Task("Rootfs")
    .Description("Build the arm64 host (L1) and guest (L2) root filesystem images (mmdebstrap + mkfs.ext4 -d; cached by content key).")
    .IsDependentOn("BuildCli")
    .Does<BuildContext>(data => Context.Vmlab(data, ["rootfs", .. data.RootfsOptions]));

Task("ClientRoot")
    .Description("Build L0's native client root (netperf, ab; mmdebstrap, main + non-free) that the lab runs with chroot in its network namespace (cached by content key; root).")
    .IsDependentOn("BuildCli")
    .Does<BuildContext>(data => Context.Vmlab(data, "client-root"));

Task("KernelConfig")
    .Description("Fetch and verify the kernel source, configure host (VHOST_NET=y) and guest from one config, verify both, write config.diff.")
    .IsDependentOn("BuildCli")
    .Does<BuildContext>(data => Context.Vmlab(data, ["kernel", "config", .. data.KernelOptions]));

Task("Kernel")
    .Description("Cross-compile the host and guest arm64 Images reproducibly (cached: nothing changed → no work).")
    .IsDependentOn("BuildCli")
    .Does<BuildContext>(data => Context.Vmlab(data, ["kernel", "build", .. data.KernelOptions]));

Task("Release")
    .Description("Publish a run as a GitHub release: --run=results/<id> [--dry-run] [--tag=vX] [--repository=o/n] [--github-api-url=URL]; token from GITHUB_TOKEN.")
    .IsDependentOn("BuildCli")
    .Does<BuildContext>(data => Context.Vmlab(data, ReleaseArguments.From(Context).ToVmlabArguments()));
Task("Report")
    .Description("Render REPORT.md and charts of a run directory: --run=<run-dir> (default: the Lab target's last run) [--reparse=true] [--templates=DIR].")
    .IsDependentOn("BuildCli")
    .Does<BuildContext>(data =>
{
    // Relative paths are the user's, from the repository root (build.sh runs there; Cake's own directory is build/).
    var args = new List<string> { "report" };
    args.AddRange(Argument<string>("run", null) is { } given ? new[] { System.IO.Path.GetFullPath(given, data.Root.FullPath) } : new[] { "--last" });
    if (Argument("reparse", false)) { args.Add("--reparse"); }
    if (Argument<string>("templates", null) is { } templates) { args.AddRange(new[] { "--templates", System.IO.Path.GetFullPath(templates, data.Root.FullPath) }); }
    Context.Vmlab(data, args.ToArray());
});

RunTarget(target);
