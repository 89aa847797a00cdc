// The lab's targets. Lab runs (or resumes) a lab run; Reproduce chains every stage; Smoke is Reproduce with the
// smoke profile into a temporary results folder, timed. The work is in `vmlab lab run` (src/VmLab/Lab).

Task("Lab")
    .Description("Boot L1 (TCG, EL2) and L2 (KVM) and run every suite over every scenario: --profile, --seed=N, --resume=<run-id>, --results=DIR, --scenario=a,b, --suite=a,b, --run-id=ID, --shard=K/N, --precision=10% --questions=Q1,Q3 --budget=6h (add blocks until decided, docs/PRECISION.md).")
    .IsDependentOn("BuildCli")
    .IsDependentOn("ClientRoot") // the network clients run on L0 from it (cached: a no-op once built)
    .Does<BuildContext>(data =>
{
    // --initrd=FILE: probes only (boot L1 from an initramfs instead of the host image's init); --shard=K/N of a sharded
    // run (README: "Scale-out") needs --seed.
    Context.Vmlab(data, ["lab", "run", "--profile", data.Profile, .. BuildOptions.Forward(Context, "Lab", "profile")]);
});

Task("LabPlan")
    .Description("Print the lab's plan and estimate for --profile without running anything; --shards=N (--seed, --run-id, --job-limit=5h30m, --json=true) prints the shard matrix; --pilot=results/<run> --precision=10% (--questions, --shards) the blocks a precision run needs.")
    .IsDependentOn("BuildCli")
    .Does<BuildContext>(data =>
{
    Context.Vmlab(data, ["lab", "plan", "--profile", data.Profile, .. BuildOptions.Forward(Context, "LabPlan", "profile")]);
});

Task("Reproduce")
    .Description("From nothing to REPORT.md: Prerequisites → Kernel → Rootfs → ClientRoot → Lab → Report (cached stages are skipped).")
    .IsDependentOn("Prerequisites") // dependencies resolve by name when the target runs, so order of definition is free
    .IsDependentOn("Kernel")
    .IsDependentOn("Rootfs")
    .IsDependentOn("ClientRoot")
    .IsDependentOn("Lab")
    .IsDependentOn("Report");

Task("Smoke")
    .Description("Opt-in end-to-end check: Reproduce with the smoke profile into a temporary results folder; prints its duration.")
    .Does<BuildContext>(data =>
{
    var results = System.IO.Directory.CreateTempSubdirectory("vmlab-smoke-").FullName;
    var clock = System.Diagnostics.Stopwatch.StartNew();
    var exitCode = StartProcess(data.Root.CombineWithFilePath("build.sh").FullPath, new ProcessSettings
    {
        Arguments = new ProcessArgumentBuilder().Append("--target=Reproduce").Append("--profile=smoke").Append($"--results={results}"),
        WorkingDirectory = data.Root,
    });
    Information($"Smoke: ./build.sh --target=Reproduce --profile=smoke exited {exitCode} after {clock.Elapsed.TotalMinutes:F1} min; results in {results}");
    if (exitCode != 0)
    {
        throw new CakeException($"The smoke run failed (exit code {exitCode}); its run directory is under {results}.");
    }
});
