namespace Curvature.Reporting.Charts;

/// <summary>How a series is drawn.</summary>
public enum SeriesStyle
{
    /// <summary>A solid line.</summary>
    Line,
    /// <summary>A dashed line (theory, predictions).</summary>
    Dashed,
    /// <summary>Markers only (measurements).</summary>
    Markers,
}

/// <summary>One curve of a chart: plain data, no tensors.</summary>
/// <param name="Label">Legend text.</param>
/// <param name="X">Abscissae.</param>
/// <param name="Y">Ordinates (same length as X).</param>
/// <param name="Style">Line, dashed or markers.</param>
/// <param name="Color">Optional colour as #RRGGBB; the palette's next colour when null.</param>
public sealed record ChartSeries(string Label, double[] X, double[] Y, SeriesStyle Style = SeriesStyle.Line, string? Color = null);

/// <summary>A vertical marker line at X with a legend label (e.g. a predicted eigenvalue).</summary>
/// <param name="Label">Legend text.</param>
/// <param name="X">Position on the x axis, in data units.</param>
/// <param name="Color">Optional colour as #RRGGBB.</param>
public sealed record ChartMarker(string Label, double X, string? Color = null);
