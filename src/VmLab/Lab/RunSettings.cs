namespace VmLab.Lab;

/// <summary>Where a run keeps what it needs beside its results, and how it treats units that failed before.</summary>
/// <param name="RunDirectory">results/&lt;run-id&gt;: raw/, units.json, manifest.json.</param>
/// <param name="WorkDirectory">Per-boot disks and job folders (artifacts/lab/runs/&lt;run-id&gt;): big, never committed.</param>
/// <param name="RetryFailed">Run failed units again on resume (default: a failure is a result, kept).</param>
public sealed record RunSettings(string RunId, string RunDirectory, string WorkDirectory, bool RetryFailed = false)
{
    /// <summary>
    /// False: no layer reads counters at the units' edges (docs/PROTOCOL.md, "Counters"), to measure what they cost;
    /// the units then have none.
    /// </summary>
    public bool Counters { get; init; } = true;

    /// <summary>How long a VM may take to power off after DONE before it is stopped (it has reported everything by then).</summary>
    public TimeSpan PoweroffGrace { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The checkout and artifact cache, for writing this machine's paths into the run relatively (<see cref="VmLab.Common.RepoPaths.Shown"/>);
    /// null writes them as they are.
    /// </summary>
    public VmLab.Common.RepoPaths? Paths { get; init; }
}

/// <summary>Where a run stands: boots and units done of this start's, the time so far and the estimate of the rest.</summary>
/// <param name="Current">The boot running now (scenario and block), or null between boots.</param>
public sealed record LabProgress(int BootsDone, int Boots, int UnitsDone, int UnitsTotal, TimeSpan Elapsed, TimeSpan Eta, string? Current);
