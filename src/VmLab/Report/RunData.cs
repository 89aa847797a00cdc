using VmLab.Results;

namespace VmLab.Report;

/// <summary>A run as the report reads it: manifest, parsed results and, when present, kernel/config.diff.</summary>
public sealed record RunData(Manifest Manifest, RunResults Results, string? ConfigDiff = null)
{
    /// <summary>
    /// Reads a run directory (manifest.json, results.json, kernel/config.diff), refusing a results.json that is not
    /// what raw/ and units.json give now (<see cref="RunParser.Verify"/>).
    /// </summary>
    public static RunData Load(RunDirectory run)
    {
        var data = new RunData(run.ReadManifest(), run.ReadResults(), run.ReadKernelConfigDiff());
        RunParser.Verify(run, data.Results, data.Manifest);
        return data;
    }
}
