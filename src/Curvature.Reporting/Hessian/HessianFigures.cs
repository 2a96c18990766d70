using Curvature.Analysis;
using Curvature.Reporting.Charts;

namespace Curvature.Reporting.Hessian;

/// <summary>Figures of <c>curvature hessian</c>: the SLQ density on a log scale with the top eigenvalues marked,
/// the density on a linear scale, and the top eigenvalues with their residuals.</summary>
public static class HessianFigures
{
    /// <summary>One line saying what was measured and how, for every caption.</summary>
    public static string Describe(string model, string dataset, int samples, string dtype, CurvatureReport r, CurvatureProbeOptions o) =>
        $"{r.Operator} of a {model} ({r.NumParams:N0} parameters) on {samples:N0} {dataset} samples, BatchNorm mode {r.BatchNormMode}, {dtype}; "
        + $"top {r.TopEigenvalues.Length} by Lanczos (full reorthogonalization, residual ≤ {o.Tolerance:G1}·‖H‖)"
        + (r.Density is not null ? $"; density by SLQ ({o.Probes} probes × {o.LanczosSteps} steps, {r.Density.Smoothing} smoothing)" : "");

    /// <summary>All figures for a report.</summary>
    public static IReadOnlyList<RenderedFigure> Build(CurvatureReport r, string description)
    {
        ArgumentNullException.ThrowIfNull(r);
        var figures = new List<RenderedFigure> { TopEigenvalues(r, description) };
        if (r.Density is { } log)
        {
            // u = ln(|λ| + ε) → log₁₀|λ| axis; a density per unit u is ln 10 times one per unit log₁₀.
            var x = log.Grid.Select(u => u / Math.Log(10)).ToArray();
            var y = log.Values.Select(d => d * Math.Log(10)).ToArray();
            var markers = r.TopEigenvalues.Where(l => l > 0).Select((l, i) => new ChartMarker(i == 0 ? "top eigenvalues (Lanczos)" : "", Math.Log10(l), "#d62728")).ToList();
            figures.Add(Chart.Lines("density-log", $"Spectral density of the {r.Operator} (log scale)", "log₁₀ |λ|", "density per unit log₁₀|λ|",
                $"{description}. Density of ln(|λ| + {log.Epsilon:G1}) shown against log₁₀|λ|: positive and negative eigenvalues are pooled by magnitude; "
                + $"negative mass {r.NegativeMassShare:P1} of Σ|λ|. Vertical lines: the top eigenvalues.",
                [new ChartSeries("SLQ density", x, y, SeriesStyle.Measured, "#1f77b4")], markers: markers));
        }
        if (r.LinearDensity is { } linear)
        {
            var markers = r.TopEigenvalues.Select((l, i) => new ChartMarker(i == 0 ? "top eigenvalues (Lanczos)" : "", l, "#d62728")).ToList();
            figures.Add(Chart.Lines("density", $"Spectral density of the {r.Operator}", "eigenvalue λ", "density",
                $"{description}. Gaussian-smoothed (σ = {linear.Sigma:G2}); the bulk near 0 holds almost all the mass, the outliers are the vertical lines.",
                [new ChartSeries("SLQ density", linear.Grid, linear.Values, SeriesStyle.Measured, "#1f77b4")], markers: markers, logY: true,
                yMin: linear.Values.Max() * 1e-8));
        }
        return figures;
    }

    static RenderedFigure TopEigenvalues(CurvatureReport r, string description)
    {
        var index = Enumerable.Range(1, r.TopEigenvalues.Length).Select(i => (double)i).ToArray();
        var series = new List<ChartSeries> { new("Lanczos", index, r.TopEigenvalues, SeriesStyle.Markers, "#1f77b4") };
        if (r.Exact is { } e)
            series.Insert(0, new ChartSeries("exact (dense eigendecomposition)", index, e.ExactEigenvalues.Take(index.Length).ToArray(), SeriesStyle.Theory, "#d62728"));
        return Chart.Lines("top-eigenvalues", $"Top {index.Length} eigenvalues of the {r.Operator}", "index i", "λᵢ",
            $"{description}. Largest residual ‖Hv − λv‖ = {r.Residuals.Max():G2}; λ₁/λ_K = {r.Lambda1OverLambdak:G4}.", series,
            logY: r.TopEigenvalues.All(l => l > 0));
    }
}
