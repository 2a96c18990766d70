namespace Curvature.Reporting.Charts;

/// <summary>How a series is drawn.</summary>
public enum SeriesStyle
{
    /// <summary>A measurement: a thick, light line.</summary>
    Measured,
    /// <summary>Theory or a prediction: a thin, dark line drawn over the measurement it explains.</summary>
    Theory,
    /// <summary>Markers only (measurements).</summary>
    Markers,
}

/// <summary>One curve of a chart: plain data, no tensors.</summary>
/// <param name="Label">Legend text.</param>
/// <param name="X">Abscissae.</param>
/// <param name="Y">Ordinates (same length as X).</param>
/// <param name="Style">Measured, theory or markers.</param>
/// <param name="Color">Optional colour as #RRGGBB; the palette's next colour when null.</param>
public sealed record ChartSeries(string Label, double[] X, double[] Y, SeriesStyle Style = SeriesStyle.Measured, string? Color = null)
{
    /// <summary>Optional ± half-widths of error bars (e.g. one standard error), same length and units as Y; null: none.
    /// On a log y axis the bar spans log₁₀(y − e) … log₁₀(y + e), cut at the axis floor when y − e ≤ 0.</summary>
    public double[]? YError { get; init; }
}

/// <summary>A vertical marker line at X with a legend label (e.g. a predicted eigenvalue).</summary>
/// <param name="Label">Legend text.</param>
/// <param name="X">Position on the x axis, in data units.</param>
/// <param name="Color">Optional colour as #RRGGBB.</param>
public sealed record ChartMarker(string Label, double X, string? Color = null);
