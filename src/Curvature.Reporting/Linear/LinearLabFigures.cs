using Curvature.Reporting.Charts;
using Curvature.Theory;

namespace Curvature.Reporting.Linear;

/// <summary>The figures of <c>curvature linear</c>: per preprocessing mode, the eigenvalue histogram of R with
/// the Marchenko–Pastur density and the predicted outlier drawn over it (on the estimator path the SLQ density
/// curve instead, with the Lanczos extremes marked); gradient-descent excess-loss curves of all modes; and
/// measured against predicted per-mode decay (1 − ηλ_j)^k (dense path only: it needs every eigenvector).</summary>
public static class LinearLabFigures
{
    /// <summary>Histogram bins: 60 — about √N for N in the hundreds to thousands, enough to see the MP shape.</summary>
    public const int Bins = 60;

    static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

    /// <summary>All figures for one lab result.</summary>
    public static IReadOnlyList<RenderedFigure> Build(LinearLabResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var figures = result.Preprocessing.Select(r => Spectrum(result.Config, r)).ToList();
        figures.Add(LossCurves(result));
        if (result.Preprocessing[0].Dynamics.PerModeCheckOmitted is null) // the estimator path has no eigen-coordinates to draw
            figures.Add(ModeDecay(result.Config, result.Preprocessing[0]));
        return figures;
    }

    /// <summary>Eigenvalues of R on a log₁₀ axis (the outlier from a non-zero mean sits decades above the
    /// bulk) as a density in log₁₀ λ, with the MP density transformed to that axis,
    /// ρ(log₁₀ λ) = ρ(λ)·λ·ln 10, and the predicted outlier as a vertical line.</summary>
    public static RenderedFigure Spectrum(LinearLabConfig config, PreprocessingReport r)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(r);
        var estimates = r.EigenvaluesPartial ? r.SpectrumEstimates : null;
        var positive = estimates is null
            ? r.Eigenvalues.Take(r.Eigenvalues.Length - r.ZeroEigenvalues).Where(x => x > 0).Select(Math.Log10).ToArray()
            : [Math.Log10(r.LambdaMinNonzero), Math.Log10(r.LambdaMax)];
        double lo = positive.Length > 0 ? positive.Min() : -1, hi = positive.Length > 0 ? positive.Max() : 1;
        var overlays = new List<ChartSeries>();
        if (r.MpUpper > r.MpLower && r.MpLower >= 0)
        {
            double a = Math.Log10(Math.Max(r.MpLower, r.MpUpper * 1e-6)), b = Math.Log10(r.MpUpper);
            var xs = Enumerable.Range(0, 400).Select(i => a + (b - a) * i / 399.0).ToArray();
            var ys = xs.Select(u => { double l = Math.Pow(10, u); return MarchenkoPastur.Density(l, r.MpAlpha, r.MpVariance) * l * Math.Log(10); }).ToArray();
            overlays.Add(new ChartSeries($"Marchenko–Pastur (α = {r.MpAlpha:G3}, v = {r.MpVariance:G3})", xs, ys, SeriesStyle.Theory, "#d62728"));
            lo = Math.Min(lo, a); hi = Math.Max(hi, b);
        }
        var markers = new List<ChartMarker>();
        if (r.OutlierPredicted is { } outlier && outlier > 0)
        {
            markers.Add(new ChartMarker($"predicted outlier N m² + v = {outlier:G4}", Math.Log10(outlier), "#2ca02c"));
            hi = Math.Max(hi, Math.Log10(outlier));
        }
        double pad = 0.05 * Math.Max(hi - lo, 0.5);
        if (estimates is not null) return EstimatedSpectrum(config, r, estimates, overlays, markers, lo - pad, hi + pad);
        string caption = $"Eigenvalues of R = (1/p)XᵀX after '{r.Mode}' preprocessing ({config.Source}, N = {config.Inputs}, p = {config.Samples}; "
                       + $"{r.SpectrumMethod}); {r.ZeroEigenvalues} zero eigenvalues not shown. Histogram normalised by N as a density in log₁₀ λ; "
                       + $"theory: {r.MpBasis}.";
        return Chart.Histogram($"spectrum-{r.Mode}", $"Spectrum of the input second-moment matrix — {r.Mode}",
            "log₁₀ eigenvalue λ", "density per unit log₁₀ λ", caption, positive, Bins, lo - pad, hi + pad, overlays, markers,
            normaliseBy: r.Eigenvalues.Length);
    }

    /// <summary>The estimator path's spectrum (no full eigenvalue list): the SLQ density, moved from its grid
    /// u = ln(λ + ε) to log₁₀ λ (φ(log₁₀ λ) = φ(u)·ln 10·λ/(λ + ε)), with the same theory overlays, the predicted
    /// outlier and the Lanczos λmax and λmin(non-zero) as markers; the zero spike at λ ≈ 0 lies left of the range.</summary>
    static RenderedFigure EstimatedSpectrum(LinearLabConfig config, PreprocessingReport r, SpectrumEstimates est,
                                            List<ChartSeries> overlays, List<ChartMarker> markers, double low, double high)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        for (int g = 0; g < est.DensityGrid.Length; g++)
        {
            double lambda = Math.Exp(est.DensityGrid[g]) - est.DensityEpsilon;
            if (!(lambda > 0)) continue;
            double x = Math.Log10(lambda);
            if (x < low || x > high) continue;
            xs.Add(x);
            ys.Add(est.Density[g] * Math.Log(10) * lambda / (lambda + est.DensityEpsilon));
        }
        var series = new List<ChartSeries> { new($"SLQ density ({est.SlqProbes} probes × {est.SlqSteps} steps, {est.DensitySmoothing})", xs.ToArray(), ys.ToArray(), SeriesStyle.Measured, "#1f77b4") };
        series.AddRange(overlays);
        var allMarkers = new List<ChartMarker>(markers)
        {
            new($"Lanczos λmax = {r.LambdaMax:G4}", Math.Log10(r.LambdaMax), "#9467bd"),
            new($"Lanczos λmin (non-zero) = {r.LambdaMinNonzero:G4}", Math.Log10(r.LambdaMinNonzero), "#8c564b"),
        };
        string caption = $"Spectral density of R = (1/p)XᵀX after '{r.Mode}' preprocessing ({config.Source}, N = {config.Inputs}, p = {config.Samples}) "
                       + $"estimated by stochastic Lanczos quadrature, Gaussian smoothing σ = {est.DensitySigma:G3} in ln λ ({est.DensitySmoothing}); "
                       + $"normalised by N as a density in log₁₀ λ; {r.ZeroEigenvalues} zero eigenvalues not shown. Extremes by Lanczos: {r.SpectrumMethod}. "
                       + $"Trace check: SLQ {est.SlqTrace:G5} ± {est.SlqTraceStandardError:G2} vs exact {est.ExactTrace:G5}. Theory: {r.MpBasis}.";
        return Chart.Lines($"spectrum-{r.Mode}", $"Spectrum of the input second-moment matrix (estimated) — {r.Mode}",
            "log₁₀ eigenvalue λ", "density per unit log₁₀ λ", caption, series, markers: allMarkers);
    }

    /// <summary>E(w_k) − E* against k for every mode, measured (thick, light) and the modal prediction (thin, dark).</summary>
    public static RenderedFigure LossCurves(LinearLabResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var series = new List<ChartSeries>();
        for (int i = 0; i < result.Preprocessing.Length; i++)
        {
            var r = result.Preprocessing[i];
            var d = r.Dynamics;
            var (xs, measured) = Thin(d.LossCurve);
            var (_, predicted) = Thin(d.PredictedLossCurve);
            string color = Palette[i % Palette.Length];
            series.Add(new ChartSeries($"{r.Mode}: measured ({d.Outcome}, {d.StepsTaken} steps)", xs, measured, SeriesStyle.Measured, color));
            string theory = r.EigenvaluesPartial ? "slowest-mode bound E₀ρ^2k" : "theory ½Σλc²(1−ηλ)^2k";
            series.Add(new ChartSeries($"{r.Mode}: {theory}", xs, predicted, SeriesStyle.Theory, color));
        }
        var c = result.Config;
        string rate = c.Eta is { } eta ? $"η = {eta:G4} for every mode" : $"η = {c.EtaFactor:G3}/λmax of each mode";
        string caption = $"Gradient descent on E(w) = (1/2p)Σ(y − wᵀx)² from w = 0 ({c.Source}, N = {c.Inputs}, p = {c.Samples}), {rate}; "
                       + $"stops at excess loss ≤ {c.Tolerance:G2}× its start or after {c.MaxSteps} steps. Log scale.";
        double floor = result.Preprocessing.Min(r => r.Dynamics.InitialExcessLoss) * c.Tolerance * 1e-3;
        return Chart.Lines("gd-loss", "Gradient descent: excess loss by preprocessing", "step k", "E(w_k) − E*", caption + " Values below 10⁻³ × the tolerance are not drawn.",
                           series, logY: true, yMin: floor);
    }

    /// <summary>|c_j(k)| of traced eigen-coordinates: measured markers on the predicted (1 − ηλ_j)^k |c_j(0)| lines.</summary>
    public static RenderedFigure ModeDecay(LinearLabConfig config, PreprocessingReport r)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(r);
        var series = new List<ChartSeries>();
        for (int i = 0; i < r.Dynamics.ModeTraces.Length; i++)
        {
            var t = r.Dynamics.ModeTraces[i];
            string color = Palette[i % Palette.Length];
            var (xs, predicted) = Thin(t.Predicted.Select(Math.Abs).ToArray());
            var (mx, measured) = Thin(t.Measured.Select(Math.Abs).ToArray(), 60);
            series.Add(new ChartSeries($"mode {t.Mode} (λ = {t.Eigenvalue:G3}): theory (1 − ηλ)^k", xs, predicted, SeriesStyle.Theory, color));
            series.Add(new ChartSeries($"mode {t.Mode}: measured", mx, measured, SeriesStyle.Markers, color));
        }
        if (r.Dynamics.PerModeCheckOmitted is { } omitted) return Chart.Lines($"mode-decay-{r.Mode}", $"Per-mode decay — {r.Mode}", "step k", "|c_j(k)|",
            $"Per-mode decay check for '{r.Mode}': {omitted}.", []);
        string caption = $"Eigen-coordinates |c_j(k)| of w_k − w* for '{r.Mode}' preprocessing at η = {r.Dynamics.Eta:G4} "
                       + $"(ηλmax = {r.Dynamics.EtaTimesLambdaMax:G3}): measured (markers) against (1 − ηλ_j)^k |c_j(0)| (lines). "
                       + $"Largest deviation over all modes: {r.Dynamics.MaxDecayDeviation?.ToString("G2") ?? "n/a"} (relative).";
        return Chart.Lines($"mode-decay-{r.Mode}", $"Per-mode decay — {r.Mode}", "step k", "|c_j(k)|", caption, series, logY: true);
    }

    /// <summary>At most <paramref name="points"/> evenly spaced samples of a long curve (a 20 000-step run would
    /// make a multi-megabyte SVG); the first and last points are kept.</summary>
    static (double[] X, double[] Y) Thin(double[] y, int points = 800)
    {
        int n = y.Length;
        if (n <= points) return (Enumerable.Range(0, n).Select(i => (double)i).ToArray(), y);
        var idx = Enumerable.Range(0, points).Select(i => (int)Math.Round((n - 1) * (double)i / (points - 1))).Distinct().ToArray();
        return (idx.Select(i => (double)i).ToArray(), idx.Select(i => y[i]).ToArray());
    }
}
