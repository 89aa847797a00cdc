using VmLab.Results;

namespace VmLab.Report;

/// <summary>
/// The 2023 study as a run (<c>results/reference-2023</c>: its manifest.json and results.json), built into the library.
/// Every report places its ratios beside this one, so a report is a function of its run directory and the VmLab
/// version alone: a run directory copied out of the repository renders the same bytes as in the checkout.
/// </summary>
public static class ReferenceRun
{
    /// <summary>The reference run's id (its directory under results/ and its manifest's run_id).</summary>
    public const string RunId = "reference-2023";

    private static readonly Lazy<RunData> Data = new(() => new RunData(
        RunJson.Deserialize<Manifest>(Resource("manifest.json"), $"{RunId}/manifest.json (embedded)"),
        RunJson.Deserialize<RunResults>(Resource("results.json"), $"{RunId}/results.json (embedded)")));

    /// <summary>The embedded reference run, read once.</summary>
    public static RunData Embedded => Data.Value;

    /// <summary>The text of one embedded file of the reference run: <c>manifest.json</c> or <c>results.json</c>.</summary>
    public static string Resource(string file)
    {
        using var stream = typeof(ReferenceRun).Assembly.GetManifestResourceStream($"VmLab.Report.{RunId}.{file}")
            ?? throw new ArgumentException($"VmLab embeds no '{file}' of {RunId} (only manifest.json and results.json).", nameof(file));
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
