using System.Text.RegularExpressions;
using ScottPlot;

namespace VmLab.Report;

/// <summary>Draws a <see cref="ChartSpec"/> as SVG with ScottPlot: grouped bars, ±1 sd error bars, fixed size and colours.</summary>
public static partial class ChartRenderer
{
    private const int Width = 720;
    private const int Height = 400;

    // Long metric names (UnixBench's) are drawn rotated; reserve room below the plot so they stay on the canvas.
    private const int RotatedLabelRoom = 260;

    /// <summary>The SVG text of <paramref name="chart"/>. Same spec → same bytes (no timestamps, fixed layout).</summary>
    public static string Svg(ChartSpec chart)
    {
        var plot = new Plot();
        var colorA = Color.FromHex("#4C72B0");
        var colorB = Color.FromHex("#DD8452");
        var bars = new List<Bar>();
        var ticks = new List<Tick>();
        for (var i = 0; i < chart.Groups.Count; i++)
        {
            var g = chart.Groups[i];
            var x = i * 3.0;
            bars.Add(new Bar { Position = x, Value = g.A, Error = g.AError ?? 0, FillColor = colorA });
            bars.Add(new Bar { Position = x + 1, Value = g.B, Error = g.BError ?? 0, FillColor = colorB });
            ticks.Add(new Tick(x + 0.5, g.Metric));
        }

        plot.Add.Bars(bars);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        var rotated = chart.Groups.Count > 4 || chart.Groups.Any(g => g.Metric.Length > 16);
        if (rotated)
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
            plot.Axes.Bottom.MinimumSize = RotatedLabelRoom;
            plot.Axes.Right.MinimumSize = RotatedLabelRoom / 2; // the last label runs right, past the plot area
        }

        // A font every Debian with fontconfig has; the SVG records text positions measured with it.
        plot.Font.Set("DejaVu Sans");
        plot.Axes.Margins(bottom: 0);
        plot.Title(chart.Title);
        plot.YLabel($"% of {chart.ALabel} mean");
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"A: {chart.ALabel}", FillColor = colorA });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"B: {chart.BLabel}", FillColor = colorB });
        plot.Legend.Alignment = Alignment.UpperRight;
        plot.ShowLegend();
        return StableIds(plot.GetSvgXml(Width, rotated ? Height + RotatedLabelRoom : Height));
    }

    // ScottPlot numbers clip paths from a process-wide counter ("cl_2b"), so the same chart drawn later in a
    // process gets other ids. Renumber them per document, in order of appearance, to make the bytes depend
    // on the chart alone.
    private static string StableIds(string svg)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        return ClipId().Replace(svg, m =>
        {
            if (!ids.TryGetValue(m.Value, out var stable))
            {
                stable = $"clip{ids.Count + 1}";
                ids[m.Value] = stable;
            }

            return stable;
        });
    }

    [GeneratedRegex(@"\bcl_[0-9a-f]+\b")]
    private static partial Regex ClipId();
}
