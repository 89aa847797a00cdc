using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using VmLab.Common;
using VmLab.Results;
using VmLab.Suites;

namespace VmLab.CommandLine.Commands;

/// <summary>
/// <c>vmlab parse &lt;suite&gt; &lt;file&gt; [--json]</c>: parses one raw output file. Exit 0 when the file is the
/// suite's output (valid or not: problems are reported, not fatal), 2 when it is not (empty, truncated, binary,
/// a tool's error message), with one line naming the file and what was expected.
/// </summary>
internal sealed class ParseCommand : Command<ParseCommand.Settings>
{
    /// <summary>The exit code for a file that is not the suite's output.</summary>
    public const int Unrecognised = 2;

    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<suite>")]
        [SuiteIdsDescription]
        public string Suite { get; init; } = "";

        [CommandArgument(1, "<file>")]
        [Description("The raw tool output to parse.")]
        public string File { get; init; } = "";

        [CommandOption("--json")]
        [Description("Print one JSON object: {\"suite\", \"metrics\", \"valid\", \"problems\"}.")]
        public bool Json { get; init; }

        [CommandOption("--expected-length <BYTES>")]
        [Description(ApacheBenchParser.Id + ": the size of the document the server should serve; a different length makes the run invalid.")]
        public long? ExpectedDocumentLength { get; init; }

        [CommandOption("--test <TEST>")]
        [Description(NetperfParser.Id + ": the test that was run (TCP_STREAM, TCP_MAERTS, TCP_RR), for -P 0 output without a banner.")]
        public string? NetperfTest { get; init; }

        public override ValidationResult Validate() =>
            SuiteParsers.Find(Suite) is null
                ? ValidationResult.Error($"unknown suite '{Suite}'; the suites are {string.Join(", ", SuiteParsers.Names)}")
                : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var parser = SuiteParsers.Get(settings.Suite);
        string text;
        try
        {
            // Looked at before it is opened: a device (/dev/zero) never ends; a pipe (/dev/stdin) is read up to the limit.
            var node = FileNode.Of(settings.File, follow: true);
            if (node.Kind is not (FileKind.Regular or FileKind.Fifo or FileKind.Missing))
            {
                Console.Error.WriteLine($"vmlab parse: {settings.File}: cannot read it: it is {node.Words}, not a file holding a tool's output");
                return Unrecognised;
            }

            text = FileNode.ReadText(settings.File, RunParser.MaxRawBytes);
        }
        catch (LabException e)
        {
            Console.Error.WriteLine($"vmlab parse: {settings.File}: cannot read it: {e.Message}");
            return Unrecognised;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            Console.Error.WriteLine($"vmlab parse: {settings.File}: cannot read it ({e.Message})");
            return Unrecognised;
        }

        var result = parser.Parse(text, new ParseContext(settings.ExpectedDocumentLength, settings.NetperfTest));
        if (result.Measurement is not { } measurement)
        {
            Console.Error.WriteLine($"vmlab parse: {settings.File}: not {parser.Suite} output: {result.UnrecognisedReason}");
            return Unrecognised;
        }

        if (settings.Json)
        {
            Console.Out.WriteLine(measurement.ToJson());
            return 0;
        }

        // Plain lines, not markup: Spectre wraps markup at 80 columns when piped, and a problem must stay one grep-able line.
        Console.Out.WriteLine($"{parser.Suite}: {settings.File}: {(measurement.Valid ? "valid" : "invalid")}");
        foreach (var problem in measurement.Problems)
        {
            Console.Out.WriteLine($"  problem: {problem}");
        }

        var table = new Table().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned()).AddColumn("better");
        foreach (var (name, value) in measurement.Metrics)
        {
            var direction = SuiteParsers.Direction(parser.Suite, name) switch
            {
                MetricDirection.HigherIsBetter => "higher",
                MetricDirection.LowerIsBetter => "lower",
                _ => "",
            };
            table.AddRow(Markup.Escape(name), Markup.Escape(value.ToString()), direction);
        }

        AnsiConsole.Write(table);
        return 0;
    }
}

/// <summary>
/// The help text of <c>parse</c>'s &lt;suite&gt; argument, made from <see cref="SuiteRegistry"/> when the help is shown
/// ("hackbench, kernbench, netperf, ab, unixbench or console."), so a new suite appears without an edit here.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class SuiteIdsDescriptionAttribute : DescriptionAttribute
{
    public override string Description => $"{string.Join(", ", SuiteParsers.Names.SkipLast(1))} or {SuiteParsers.Names[^1]}.";
}
