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

        public override ValidationResult Validate() =>
            SuiteParsers.Find(Suite) is null
                ? ValidationResult.Error($"unknown suite '{Suite}'; the suites are {string.Join(", ", SuiteParsers.Names)}")
                : ValidationResult.Success();
    }

    /// <summary>
    /// The context the options given for <paramref name="suite"/> make. An option the suite does not declare, one given
    /// twice or without a value, or a value the option refuses is a usage error (exit 64, like Spectre's own).
    /// </summary>
    private static ParseContext SuiteOptions(SuiteDefinition suite, IRemainingArguments remaining)
    {
        var parseContext = ParseContext.None;
        foreach (var given in remaining.Parsed)
        {
            var name = given.Key.TrimStart('-');
            var option = suite.Options.FirstOrDefault(o => o.Name == name) ?? throw new UsageException(
                suite.Options.Count == 0
                    ? $"Unknown option '{name}': {suite.Id} takes no options of its own"
                    : $"Unknown option '{name}': {suite.Id} takes {string.Join(", ", suite.Options.Select(o => o.Usage))}");
            var values = given.Where(v => v is not null).ToList();
            if (values.Count != 1)
            {
                throw new UsageException($"{option.Flag} takes one value ({option.Usage}), got {values.Count}");
            }

            parseContext = option.Check(values[0]!) is { } why ? throw new UsageException(why) : parseContext.With(option, values[0]);
        }

        return parseContext;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var suite = SuiteRegistry.Get(settings.Suite);
        var parser = suite.Parser;
        var parseContext = SuiteOptions(suite, context.Remaining);
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

        var result = parser.Parse(text, parseContext);
        if (result.Measurement is not { } measurement)
        {
            Console.Error.WriteLine($"vmlab parse: {settings.File}: not {parser.Suite} output: {VmLab.Common.Printable.Escape(result.UnrecognisedReason!)}");
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
            Console.Out.WriteLine($"  problem: {VmLab.Common.Printable.Escape(problem)}"); // a quoted console line may hold ESC
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
/// The options the suites declare (<see cref="SuiteDefinition.ParseOptions"/>), which Spectre leaves in the remaining
/// arguments: <c>vmlab parse</c> takes those of the suite named and refuses any other (<see cref="UnknownOptions"/>).
/// </summary>
internal static class SuiteOptionsHelp
{
    /// <summary>One line per suite option for the command's description: <c>ab: --expected-length &lt;BYTES&gt;: …</c>.</summary>
    public static string Lines() =>
        string.Join("\n", SuiteRegistry.All.SelectMany(s => s.Options.Select(o => $"  {s.Id}: {o.Usage}: {o.Description}")));
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
