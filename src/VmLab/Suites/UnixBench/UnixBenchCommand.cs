namespace VmLab.Suites;

/// <summary>
/// UnixBench 5.1.3's <c>Run</c> (the study used its index for Q4). <c>-c</c> is the measured system's CPU count;
/// <paramref name="Tests"/> empty runs the full index. UnixBench writes into its own folder, so it runs from a copy
/// on the scratch disk when the image's copy is read-only.
/// </summary>
/// <param name="Directory">Where the rootfs installs UnixBench (its <c>Run</c> script).</param>
public sealed record UnixBenchCommand(string Directory, string Tests, int Iterations, double EstimateSeconds, double TimeoutSeconds) : ILabSuite
{
    public string Id => UnixBenchParser.Id;
    public bool IsNetwork => false;
    public TimeSpan Estimate => TimeSpan.FromSeconds(EstimateSeconds);
    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);
    public string Probe => $"test -x {Directory}/Run";

    public string Command(SuiteTarget target)
    {
        var copy = $"{target.Scratch}/unixbench";
        return $"rm -rf {copy} && cp -a {Directory} {copy} && cd {copy} && ./Run -q -i {Iterations} -c {target.Cpus}" +
               (Tests.Length > 0 ? " " + Tests : "");
    }
}
