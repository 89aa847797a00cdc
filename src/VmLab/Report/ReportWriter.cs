using VmLab.Common;
using VmLab.Results;

namespace VmLab.Report;

/// <summary>
/// Writes REPORT.md and charts/*.svg of a run directory (atomically). It never deletes or overwrites a file it did
/// not write: what each report wrote is listed beside it in <c>.&lt;report&gt;.outputs</c>, and only charts on that
/// list that the report no longer draws are removed.
/// </summary>
public static class ReportWriter
{
    /// <summary>
    /// Renders <paramref name="run"/>'s report beside its data, or to <paramref name="outFile"/> (charts then go to a
    /// charts/ directory beside that file). Returns the report's path.
    /// </summary>
    public static string Write(RunDirectory run, RunData? reference, ReportRenderer renderer, string? outFile = null)
    {
        var report = Path.GetFullPath(outFile ?? run.ReportPath);
        // The run's own REPORT.md and charts/ are vmlab's by contract (docs/CONTRACTS.md), also before it kept a list.
        var ownRun = string.Equals(report, Path.GetFullPath(run.ReportPath), StringComparison.Ordinal);
        if (!ownRun && OutputPath.IsInside(report, run.Path))
        {
            // Anywhere else in the run it becomes part of the run: in raw/, a raw output that parse-run then refuses.
            throw new LabException(
                $"--out {outFile} is inside the run directory {run.Path}, which vmlab report reads: the report and its charts would become part of the run.",
                $"write it outside the run (e.g. --out {Path.Combine(Path.GetTempPath(), run.RunId, "REPORT.md")}), or leave out --out for the run's own REPORT.md");
        }

        var (text, svgs) = Render(RunData.Load(run), reference, renderer);
        WriteOwned(report, $"vmlab report for run {run.RunId}", text, svgs, ownRun);
        return report;
    }

    /// <summary>The report of <paramref name="data"/> and its charts (paths relative to the report's directory), not written.</summary>
    public static (string Text, IReadOnlyList<(string File, string Content)> Charts) Render(RunData data, RunData? reference, ReportRenderer renderer)
    {
        var (model, charts) = ReportBuilder.Build(data, reference);

        // Charts are independent drawings (and each SVG's ids are renumbered per document): draw them on every core
        // while the template renders.
        var markdown = Task.Run(() => renderer.Render("report", model));
        var svgs = charts.AsParallel().AsOrdered().Select(c => (File: "charts/" + c.File, Content: ChartRenderer.Svg(c))).ToList();
        return (markdown.GetAwaiter().GetResult(), svgs);
    }

    /// <summary>
    /// Writes <paramref name="main"/> and <paramref name="files"/> (paths relative to its directory) for
    /// <paramref name="owner"/>, refusing before anything is written when one of them exists with other content and
    /// is not on the list of what this owner wrote there before; charts on that list that are no longer written are
    /// removed. <paramref name="ownedByContract"/>: the main file and an unlisted charts/ are the owner's anyway (a
    /// run's own REPORT.md).
    /// </summary>
    public static void WriteOwned(string main, string owner, string mainText, IReadOnlyList<(string File, string Content)> files, bool ownedByContract = false)
    {
        var directory = Path.GetDirectoryName(main)!;
        var chartsDir = Path.Combine(directory, "charts");
        // No write or delete follows a symlink out of the directory (a charts/ link to another folder would have its
        // files overwritten, and its other *.svg deleted).
        foreach (var file in files.Select(f => f.File).Append(Path.GetFileName(main)).Append($".{Path.GetFileName(main)}.outputs").Append("charts"))
        {
            OutputPath.RefuseLinks(directory, Path.Combine(directory, file), owner);
        }

        var outputs = new ReportOutputs(main, owner);
        var written = outputs.Read() ?? (ownedByContract ? Legacy(chartsDir) : []);
        var all = files.Append((File: Path.GetFileName(main), Content: mainText)).ToList();

        var foreign = all
            .Where(f => !written.Contains(f.File) && !(ownedByContract && f.File == Path.GetFileName(main)))
            .Where(f => File.Exists(Path.Combine(directory, f.File)) && File.ReadAllText(Path.Combine(directory, f.File)) != f.Content)
            .Select(f => Path.Combine(directory, f.File))
            .ToList();
        if (foreign.Count > 0)
        {
            throw new LabException(
                $"{owner} would overwrite {foreign.Count} file(s) it did not write (not listed in {outputs.Path}): {string.Join(", ", foreign.Take(5))}{(foreign.Count > 5 ? ", …" : "")}.",
                "choose an --out in a directory of its own, or move those files away");
        }

        var wanted = all.Select(f => f.File).ToHashSet(StringComparer.Ordinal);
        foreach (var stale in written.Where(f => !wanted.Contains(f) && f.StartsWith("charts/", StringComparison.Ordinal) && f.EndsWith(".svg", StringComparison.Ordinal)))
        {
            File.Delete(Path.Combine(directory, stale));
        }

        // A failure part way (a full disk) removes the files this render created, so nothing half-written is left
        // behind (files it only replaced stay as they were: each write is atomic).
        var created = new List<string>();
        try
        {
            foreach (var (file, content) in files)
            {
                var path = Path.Combine(directory, file);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                if (!File.Exists(path))
                {
                    created.Add(path);
                }

                WriteIfChanged(path, content);
            }

            if (!File.Exists(outputs.Path))
            {
                created.Add(outputs.Path);
            }

            outputs.Write(wanted);
            WriteIfChanged(main, mainText);
        }
        catch (Exception e) when (e is IOException or ArgumentException) // ENOSPC, or EFBIG as .NET reports it
        {
            foreach (var path in created.Where(File.Exists))
            {
                File.Delete(path);
            }

            throw;
        }
    }

    // A run directory rendered before the list existed: its charts/*.svg are the report's.
    private static HashSet<string> Legacy(string chartsDir) =>
        Directory.Exists(chartsDir)
            ? Directory.GetFiles(chartsDir, "*.svg").Select(f => "charts/" + Path.GetFileName(f)).ToHashSet(StringComparer.Ordinal)
            : [];

    // Unchanged files keep their timestamps, so make and git see nothing happened.
    internal static void WriteIfChanged(string path, string text)
    {
        if (!File.Exists(path) || File.ReadAllText(path) != text)
        {
            AtomicFile.WriteAllText(path, text);
        }
    }
}

/// <summary>
/// <c>.&lt;report&gt;.outputs</c> beside a report: the files (relative to its directory, '/'-separated) that
/// vmlab report wrote for it, so a later render removes only those.
/// </summary>
/// <remarks>
/// The list names the run it was written for: another run's report in that directory (e.g. <c>--out</c> into a copy
/// of reference-2023) finds files it did not write, so it refuses instead of replacing them.
/// </remarks>
internal sealed class ReportOutputs(string report, string owner)
{
    private readonly string _header = $"# written by {owner}";

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(report)!, $".{System.IO.Path.GetFileName(report)}.outputs");

    /// <summary>
    /// The listed files; null when there is no list; empty when it is another run's. Only plain names and
    /// charts/&lt;name&gt;.svg are kept.
    /// </summary>
    public HashSet<string>? Read()
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        var lines = File.ReadAllLines(Path);
        return lines.FirstOrDefault() != _header
            ? []
            : lines.Skip(1)
                .Where(l => l.Length > 0 && !l.Contains("..", StringComparison.Ordinal) && !l.StartsWith('/') && l.Count(c => c == '/') <= 1)
                .ToHashSet(StringComparer.Ordinal);
    }

    public void Write(IEnumerable<string> files) =>
        ReportWriter.WriteIfChanged(Path, _header + "\n" + string.Concat(files.Order(StringComparer.Ordinal).Select(f => f + "\n")));
}
