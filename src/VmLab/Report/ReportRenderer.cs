using System.Globalization;
using System.Reflection;
using Scriban;
using Scriban.Runtime;
using VmLab.Common;

namespace VmLab.Report;

/// <summary>
/// Renders a model with a Scriban template: a plain model in, text out; the templates format the models' numbers with
/// <see cref="Cells"/>, which they see as <c>cells</c>. Templates are the embedded
/// <c>Templates/*.scriban</c>, or files of the same name in a directory given with <c>--templates</c>.
/// </summary>
/// <param name="TemplatesDir">A directory whose <c>&lt;name&gt;.scriban</c> files replace the embedded ones; null for the embedded.</param>
public sealed record ReportRenderer(string? TemplatesDir = null)
{
    private const string EmbeddedPrefix = "VmLab.Report.Templates.";

    /// <summary>The templates VmLab renders with (<c>report</c>, <c>compare</c>): the embedded ones' names, partials apart.</summary>
    public static IReadOnlyList<string> Names { get; } = Embedded.Where(n => !n.StartsWith('_')).ToArray();

    /// <summary>The partials the templates include (<c>{{ include '_precision' }}</c>): names that start with '_'.</summary>
    public static IReadOnlyList<string> Partials { get; } = Embedded.Where(n => n.StartsWith('_')).ToArray();

    private static IReadOnlyList<string> Embedded => typeof(ReportRenderer).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(EmbeddedPrefix, StringComparison.Ordinal) && n.EndsWith(".scriban", StringComparison.Ordinal))
        .Select(n => n[EmbeddedPrefix.Length..^".scriban".Length])
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>
    /// The directory given, checked when the renderer is made (before a report writes anything): one that does not
    /// exist, or holds none of the templates, is refused rather than silently replaced by the built-in templates.
    /// </summary>
    public string? TemplatesDir { get; } = TemplatesDir is null ? null : Check(TemplatesDir);

    private static string Check(string directory)
    {
        var files = string.Join(" or ", Names.Select(n => n + ".scriban"));
        if (!Directory.Exists(directory))
        {
            throw new LabException(
                $"--templates {directory}: {(File.Exists(directory) ? "is a file, not a directory" : "no such directory")}; the built-in templates are not used in its place.",
                $"give the directory that holds your {files}, or leave --templates out to use the built-in ones");
        }

        return Names.Concat(Partials).Any(n => File.Exists(Path.Combine(directory, n + ".scriban")))
            ? directory
            : throw new LabException(
                $"--templates {directory} holds no {files}: none of the built-in templates would be replaced.",
                $"put the templates there (start from a copy of src/VmLab/Report/Templates/), or leave --templates out");
    }

    // The formatting functions the templates call (cells.p, cells.mean_sd, ...); a new object per render, since a
    // template may assign to it.
    private static ScriptObject CellFunctions()
    {
        var cells = new ScriptObject();
        cells.Import(typeof(Cells), renamer: StandardMemberRenamer.Default);
        return cells;
    }

    /// <summary>The text of template <paramref name="name"/> (e.g. <c>report</c>).</summary>
    public string TemplateText(string name)
    {
        if (TemplatesDir is not null && File.Exists(Path.Combine(TemplatesDir, name + ".scriban")))
        {
            return File.ReadAllText(Path.Combine(TemplatesDir, name + ".scriban"));
        }

        using var stream = typeof(ReportRenderer).Assembly.GetManifestResourceStream($"{EmbeddedPrefix}{name}.scriban")
            ?? throw new LabException($"There is no report template '{name}'.", "check the template name, or pass --templates DIR with a .scriban file of that name");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Renders <paramref name="model"/> with template <paramref name="name"/>; '\n' line ends whatever the OS.</summary>
    public string Render(string name, object model)
    {
        var template = Template.Parse(TemplateText(name), name + ".scriban");
        if (template.HasErrors)
        {
            throw new LabException($"Template {name}.scriban does not parse: {string.Join("; ", template.Messages)}", "fix the template (see https://github.com/scriban/scriban/blob/master/doc/language.md)");
        }

        var globals = new ScriptObject();
        globals.Import(model, renamer: StandardMemberRenamer.Default);
        globals.Add("cells", CellFunctions());
        var context = new TemplateContext { StrictVariables = true, LoopLimit = 0, NewLine = "\n", TemplateLoader = new Includes(this) };
        context.PushCulture(CultureInfo.InvariantCulture);
        context.PushGlobal(globals);
        try
        {
            return template.Render(context).ReplaceLineEndings("\n");
        }
        catch (Scriban.Syntax.ScriptRuntimeException e)
        {
            throw new LabException($"Template {name}.scriban failed: {e.Message}", "fix the template or the --templates directory", e);
        }
    }

    // {{ include 'precision' }}: a template includes another by name, from the same place (embedded or --templates).
    private sealed class Includes(ReportRenderer renderer) : Scriban.Runtime.ITemplateLoader
    {
        public string GetPath(TemplateContext context, Scriban.Parsing.SourceSpan callerSpan, string templateName) => templateName;

        public string Load(TemplateContext context, Scriban.Parsing.SourceSpan callerSpan, string templatePath) => renderer.TemplateText(templatePath);

        public ValueTask<string?> LoadAsync(TemplateContext context, Scriban.Parsing.SourceSpan callerSpan, string templatePath) => ValueTask.FromResult<string?>(Load(context, callerSpan, templatePath));
    }
}
