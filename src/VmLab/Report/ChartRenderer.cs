using ScottPlot;

namespace VmLab.Report;

/// <summary>Draws a <see cref="ChartSpec"/> as SVG with ScottPlot: grouped bars, ±1 sd error bars, fixed size and colours.</summary>
public static class ChartRenderer
{
    private const int Width = 720;
    private const int Height = 400;

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
        plot.Axes.Bottom.TickLabelStyle.Rotation = chart.Groups.Count > 4 ? 30 : 0;
        plot.Axes.Bottom.TickLabelStyle.Alignment = chart.Groups.Count > 4 ? Alignment.MiddleLeft : Alignment.UpperCenter;
        plot.Axes.Margins(bottom: 0);
        plot.Title(chart.Title);
        plot.YLabel($"% of {chart.ALabel} mean");
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"A: {chart.ALabel}", FillColor = colorA });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"B: {chart.BLabel}", FillColor = colorB });
        plot.Legend.Alignment = Alignment.UpperRight;
        plot.ShowLegend();
        return plot.GetSvgXml(Width, Height);
    }
}
