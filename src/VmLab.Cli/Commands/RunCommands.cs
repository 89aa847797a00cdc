using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using VmLab.Common;
using VmLab.Report;
using VmLab.Results;

namespace VmLab.CommandLine.Commands;

/// <summary><c>vmlab parse-run &lt;run-dir&gt;</c>: recomputes results.json from raw/ alone.</summary>
internal sealed class ParseRunCommand : Command<ParseRunCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<run-dir>")]
        [Description("The run directory, e.g. results/reference-2023.")]
        public string RunDir { get; init; } = "";

        [CommandOption("--force")]
        [Description("Replace results.json even when it holds more raw outputs than raw/ now gives.")]
        public bool Force { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var run = new RunDirectory(settings.RunDir);
        var manifest = File.Exists(run.ManifestPath) ? run.ReadManifest() : null;
        var results = RunParser.Parse(run, manifest);
        RunParser.Save(run, results, settings.Force);
        RunParser.WarnAboutChangedFiles(run, results, Console.Error);
        var invalid = results.Units.Count(u => !u.Valid);
        Console.Out.WriteLine($"{run.ResultsPath}: {results.Units.Count} raw outputs, {invalid} invalid, unrecognised or reused");
        return 0;
    }
}

/// <summary><c>vmlab report (&lt;run-dir&gt; | --last) [--out FILE] [--reparse] [--templates DIR]</c>: renders REPORT.md and charts/*.svg.</summary>
internal sealed class ReportCommand : Command<ReportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "[run-dir]")]
        [Description("The run directory, e.g. results/reference-2023.")]
        public string? RunDir { get; init; }

        [CommandOption("--last")]
        [Description("The last lab run's directory (artifacts/lab/last-run).")]
        public bool Last { get; init; }

        [CommandOption("--out <FILE>")]
        [Description("Write the report here instead of <run-dir>/REPORT.md (charts go to charts/ beside it).")]
        public string? Out { get; init; }

        [CommandOption("--reparse")]
        [Description("Re-read raw/ into results.json first (vmlab parse-run); done anyway when there is no results.json yet.")]
        public bool Reparse { get; init; }

        [CommandOption("--templates <DIR>")]
        [Description("A directory of .scriban templates (report.scriban, compare.scriban) replacing the built-in ones.")]
        public string? Templates { get; init; }

        [CommandOption("--reference <DIR>")]
        [Description("Another reference run to compare with (default: the 2023 reference built into VmLab, a copy of results/reference-2023).")]
        public string? Reference { get; init; }

        public override ValidationResult Validate() =>
            (RunDir is null) == Last
                ? ValidationResult.Success()
                : ValidationResult.Error(Last ? "give a run directory or --last, not both" : "give a run directory (e.g. results/reference-2023) or --last");
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var run = new RunDirectory(settings.Last ? LastRun() : settings.RunDir!);
        if (settings.Reference is { } referenceDir && settings.Out is { } output && OutputPath.IsInside(output, referenceDir))
        {
            throw new LabException($"--out {output} is inside the reference run {referenceDir}, which vmlab report reads: the report would become part of that run.", "write the report outside every run directory it reads");
        }

        var renderer = new ReportRenderer(settings.Templates); // a wrong --templates is refused before anything is written
        // A run fresh from the lab (or a shard) has raw/ but no results.json yet: it is parsed first.
        if (settings.Reparse || (!File.Exists(run.ResultsPath) && Directory.Exists(run.RawDir)))
        {
            var results = RunParser.Parse(run, run.ReadManifest());
            RunParser.Save(run, results, force: false);
        }

        // The built-in reference, not a directory found beside the run: the same run renders the same bytes anywhere.
        var reference = settings.Reference is null ? ReferenceRun.Embedded : RunData.Load(new RunDirectory(settings.Reference));
        var report = ReportWriter.Write(run, reference, renderer, settings.Out);
        RunParser.WarnAboutChangedFiles(run, run.ReadResults(), Console.Error);
        Console.Out.WriteLine(report);
        return 0;
    }

    private static string LastRun()
    {
        var file = VmlabEnvironment.FromProcess().Repo().LastRun;
        return File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } dir
            ? dir
            : throw new LabException($"No lab run has been recorded yet ({file} does not exist).", "give the run directory instead, e.g. vmlab report results/reference-2023");
    }
}

/// <summary>
/// <c>vmlab compare &lt;run-dir-A&gt; &lt;run-dir-B&gt; [--out FILE] [--json]</c>: whether the two runs' verdicts agree,
/// then the scenarios they share, B against A.
/// </summary>
internal sealed class CompareCommand : Command<CompareCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<run-dir-A>")]
        public string A { get; init; } = "";

        [CommandArgument(1, "<run-dir-B>")]
        public string B { get; init; } = "";

        [CommandOption("--out <FILE>")]
        [Description("Write the comparison (and charts/ beside it) here; without it, print the Markdown.")]
        public string? Out { get; init; }

        [CommandOption("--templates <DIR>")]
        [Description("A directory with a compare.scriban replacing the built-in one.")]
        public string? Templates { get; init; }

        [CommandOption("--json")]
        [Description("Print (or write to --out) whether the verdicts agree as JSON instead of the Markdown comparison.")]
        public bool Json { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Out is { } output && new[] { settings.A, settings.B }.FirstOrDefault(run => OutputPath.IsInside(output, run)) is { } input)
        {
            throw new LabException($"--out {output} is inside the run directory {input}, which vmlab compare reads: the comparison would become part of that run.", "write the comparison outside both run directories, e.g. --out results/<A>-vs-<B>/COMPARE.md");
        }

        var a = RunData.Load(new RunDirectory(settings.A));
        var b = RunData.Load(new RunDirectory(settings.B));
        var replication = Replication.Of(a, b);
        var owner = $"vmlab compare for runs {a.Manifest.RunId} and {b.Manifest.RunId}";
        if (settings.Json)
        {
            var json = RunJson.Serialize(replication);
            if (settings.Out is null)
            {
                Console.Out.Write(json);
                return 0;
            }

            ReportWriter.WriteOwned(Path.GetFullPath(settings.Out), owner, json, []);
            Console.Out.WriteLine(settings.Out);
            return 0;
        }

        var (model, charts) = ReportBuilder.BuildComparison(a, b, replication);
        var text = new ReportRenderer(settings.Templates).Render("compare", model);
        if (settings.Out is null)
        {
            Console.Out.Write(text);
            return 0;
        }

        ReportWriter.WriteOwned(Path.GetFullPath(settings.Out), owner, text, charts.Select(c => (File: "charts/" + c.File, Content: ChartRenderer.Svg(c))).ToList());
        Console.Out.WriteLine(settings.Out);
        return 0;
    }
}
