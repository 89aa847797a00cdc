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

        using var stream = typeof(ReportRenderer).Assembly.GetManifestResourceStream($"VmLab.Report.Templates.{name}.scriban")
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
        var context = new TemplateContext { StrictVariables = true, LoopLimit = 0, NewLine = "\n" };
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
}
