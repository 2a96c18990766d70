using ScottPlot;

namespace Curvature.Reporting.Charts;

/// <summary>
/// Line and histogram charts with labelled axes, drawn with ScottPlot. Logarithmic axes are drawn as log₁₀ of
/// the data with ticks labelled as powers of ten (ScottPlot 5 has no native log axis); non-positive values are
/// dropped from a log axis, and the caption should say so where it matters.
/// </summary>
public static class Chart
{
    /// <summary>Default size in pixels: 900×560, legible in a paper column at 300 dpi when scaled.</summary>
    public const int Width = 900, Height = 560;

    /// <summary>A chart of curves. <paramref name="logY"/> plots log₁₀ y.</summary>
    public static RenderedFigure Lines(string name, string title, string xLabel, string yLabel, string caption,
                                       IReadOnlyList<ChartSeries> series, bool logY = false, bool logX = false,
                                       IReadOnlyList<ChartMarker>? markers = null, double? yMin = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        var plot = NewPlot(title, xLabel, yLabel);
        foreach (var s in series) AddSeries(plot, s, logX, logY, yMin);
        foreach (var m in markers ?? []) AddMarker(plot, m, logX);
        if (logY) LogTicks(plot.Axes.Left);
        if (logX) LogTicks(plot.Axes.Bottom);
        // Many curves: the legend goes beside the data so it never hides a curve.
        if (series.Count + (markers?.Count ?? 0) > 4) plot.ShowLegend(Edge.Right);
        else if (series.Count + (markers?.Count ?? 0) > 1) plot.ShowLegend(Alignment.UpperRight);
        return Render(plot, name, caption, wide: series.Count + (markers?.Count ?? 0) > 4);
    }

    /// <summary>A histogram of <paramref name="values"/> normalised as a density (area = fraction of values in
    /// range), with optional theory curves and markers on top.</summary>
    public static RenderedFigure Histogram(string name, string title, string xLabel, string yLabel, string caption,
                                           double[] values, int bins, double low, double high,
                                           IReadOnlyList<ChartSeries>? overlays = null, IReadOnlyList<ChartMarker>? markers = null,
                                           int? normaliseBy = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins), "a histogram needs at least one bin");
        if (!(high > low)) { double c = low; low = c - 0.5; high = c + 0.5; }
        var plot = NewPlot(title, xLabel, yLabel);
        double width = (high - low) / bins;
        var counts = new double[bins];
        foreach (var v in values)
        {
            if (!double.IsFinite(v) || v < low || v > high) continue;
            counts[Math.Min(bins - 1, (int)((v - low) / width))]++;
        }
        double total = normaliseBy ?? values.Length;
        var bars = new List<Bar>();
        for (int b = 0; b < bins; b++)
            bars.Add(new Bar
            {
                Position = low + (b + 0.5) * width, Value = counts[b] / (total * width), Size = width,
                FillColor = Color.FromHex("#9ecae1"), LineWidth = 0,
            });
        var barPlot = plot.Add.Bars(bars);
        barPlot.LegendText = "measured (histogram)";
        foreach (var s in overlays ?? []) AddSeries(plot, s, false, false, null);
        foreach (var m in markers ?? []) AddMarker(plot, m, false);
        plot.ShowLegend(Alignment.UpperRight);
        return Render(plot, name, caption);
    }

    static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }

    /// <summary>Adds a curve; on a log axis, values below <paramref name="yMin"/> are cut off (round-off noise
    /// far below the tolerance of interest would otherwise squeeze the informative decades).</summary>
    static void AddSeries(Plot plot, ChartSeries s, bool logX, bool logY, double? yMin)
    {
        if (s.X.Length != s.Y.Length) throw new ArgumentException($"series '{s.Label}' has {s.X.Length} x values and {s.Y.Length} y values");
        if (s.YError is not null && s.YError.Length != s.Y.Length) throw new ArgumentException($"series '{s.Label}' has {s.Y.Length} y values and {s.YError.Length} error bars");
        var xs = new List<double>();
        var ys = new List<double>();
        var up = new List<double>();
        var down = new List<double>();
        for (int i = 0; i < s.X.Length; i++)
        {
            double x = s.X[i], y = s.Y[i], e = s.YError is null ? 0 : s.YError[i];
            if (logX) { if (!(x > 0)) continue; x = Math.Log10(x); }
            if (logY) { if (!(y > 0) || y < yMin) continue; y = Math.Log10(y); }
            else if (y < yMin) continue;
            if (!double.IsFinite(x) || !double.IsFinite(y)) continue;
            xs.Add(x); ys.Add(y);
            if (!(e > 0 && double.IsFinite(e))) { up.Add(0); down.Add(0); continue; }
            double raw = s.Y[i];
            // A bar reaching y ≤ 0 on a log axis is drawn down to the floor (yMin, else three decades below y).
            up.Add(logY ? Math.Log10(raw + e) - y : e);
            down.Add(logY ? y - Math.Log10(raw - e > 0 ? raw - e : yMin ?? raw * 1e-3) : e);
        }
        var scatter = plot.Add.Scatter(xs.ToArray(), ys.ToArray());
        scatter.LegendText = s.Label;
        if (s.Color is not null) scatter.Color = Color.FromHex(s.Color);
        switch (s.Style)
        {
            case SeriesStyle.Markers: scatter.LineWidth = 0; scatter.MarkerSize = 5; break;
            // Theory is a thin dark line drawn over the thick, light measurement. (Real dash patterns are lost in
            // SVG: Skia's SVG backend drops path effects, with a warning per line.)
            case SeriesStyle.Theory:
                scatter.MarkerSize = 0; scatter.LineWidth = 1.5f;
                scatter.Color = (s.Color is null ? scatter.Color : Color.FromHex(s.Color)).Darken(0.5);
                break;
            default:
                scatter.MarkerSize = 0; scatter.LineWidth = 5;
                scatter.Color = (s.Color is null ? scatter.Color : Color.FromHex(s.Color)).WithAlpha(0.45);
                break;
        }
        if (s.YError is not null && xs.Count > 0)
        {
            var zeros = new double[xs.Count];
            var bars = new ScottPlot.Plottables.ErrorBar(xs, ys, zeros, zeros, up, down) { LineWidth = 1.5f };
            bars.Color = (s.Color is null ? scatter.Color : Color.FromHex(s.Color)).WithAlpha(1.0);
            plot.Add.Plottable(bars);
        }
    }

    static void AddMarker(Plot plot, ChartMarker m, bool logX)
    {
        double x = logX ? Math.Log10(m.X) : m.X;
        if (!double.IsFinite(x)) return;
        var line = plot.Add.VerticalLine(x);
        line.LegendText = m.Label;
        line.LineWidth = 1.5f;
        if (m.Color is not null) line.Color = Color.FromHex(m.Color);
    }

    static void LogTicks(IAxis axis)
    {
        var ticks = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => v == 0 ? "1" : $"1e{v:0}",
        };
        axis.TickGenerator = ticks;
    }

    static RenderedFigure Render(Plot plot, string name, string caption, bool wide = false)
    {
        int width = wide ? Width + 300 : Width;
        return new(name, caption, plot.GetImageBytes(width, Height, ImageFormat.Png), plot.GetSvgXml(width, Height));
    }
}
