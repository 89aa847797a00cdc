using VmLab.Common;
using VmLab.Results;

namespace VmLab.Report;

/// <summary>Writes REPORT.md and charts/*.svg of a run directory (atomically; stale charts of an older render are removed).</summary>
public static class ReportWriter
{
    /// <summary>
    /// Renders <paramref name="run"/>'s report beside its data, or to <paramref name="outFile"/> (charts then go to a
    /// charts/ directory beside that file). Returns the report's path.
    /// </summary>
    public static string Write(RunDirectory run, RunData? reference, ReportRenderer renderer, string? outFile = null)
    {
        var (model, charts) = ReportBuilder.Build(RunData.Load(run), reference);
        var report = outFile ?? run.ReportPath;
        var chartsDir = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(report))!, "charts");
        Directory.CreateDirectory(chartsDir);
        var wanted = charts.Select(c => c.File).ToHashSet(StringComparer.Ordinal);
        foreach (var stale in Directory.GetFiles(chartsDir, "*.svg").Where(f => !wanted.Contains(Path.GetFileName(f))))
        {
            File.Delete(stale);
        }

        // Charts are independent drawings (and each SVG's ids are renumbered per document): draw them on every core
        // while the template renders.
        var markdown = Task.Run(() => renderer.Render("report", model));
        var svgs = charts.AsParallel().AsOrdered().Select(c => (c.File, Svg: ChartRenderer.Svg(c))).ToList();
        foreach (var (file, svg) in svgs)
        {
            WriteIfChanged(Path.Combine(chartsDir, file), svg);
        }

        WriteIfChanged(report, markdown.GetAwaiter().GetResult());
        return report;
    }

    // Unchanged files keep their timestamps, so make and git see nothing happened.
    private static void WriteIfChanged(string path, string text)
    {
        if (!File.Exists(path) || File.ReadAllText(path) != text)
        {
            AtomicFile.WriteAllText(path, text);
        }
    }
}
