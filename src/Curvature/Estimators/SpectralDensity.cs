namespace Curvature.Estimators;

/// <summary>A smoothed spectral density φ(t) ≈ (1/n) Σᵢ δ(t − λᵢ) on a grid (it integrates to ≈ 1), or on
/// a log scale the density of u = ln(|λ| + ε) (the near-zero bulk of a Hessian spans decades, which a
/// linear grid cannot show — Papyan 2020, App. C.7).</summary>
/// <param name="Grid">Grid points: λ (linear) or u = ln(|λ| + ε) (log scale).</param>
/// <param name="Values">φ at each grid point, per unit of the grid variable.</param>
/// <param name="Sigma">The Gaussian width used, in grid units.</param>
/// <param name="Smoothing">The convention that chose σ.</param>
/// <param name="LogScale">Whether the grid is ln(|λ| + ε).</param>
/// <param name="Epsilon">ε of the log scale (0 on a linear grid).</param>
public sealed record SpectralDensity(double[] Grid, double[] Values, double Sigma, DensitySmoothing Smoothing, bool LogScale, double Epsilon)
{
    /// <summary>Default grid size: 1024 points (curvlinops' default; plenty for a plot).</summary>
    public const int DefaultPoints = 1024;

    /// <summary>Default ε of the log scale: 1e-5 (Papyan 2020, App. D.2).</summary>
    public const double DefaultLogEpsilon = 1e-5;

    /// <summary>Padding around [λmin, λmax] on each side, as a fraction of the range, plus 3σ so the extreme
    /// Gaussians are not cut: 5 % (Papyan 2020, App. D.2).</summary>
    public const double Margin = 0.05;

    /// <summary>
    /// Smooths quadrature nodes θ_{l,i} with weights τ_{l,i} (each probe's weights sum to 1) averaged over
    /// probes: φ(t) = (1/n_v) Σ_l Σ_i τ_{l,i} 𝒩(t; θ_{l,i}, σ²) (Lin, Saad &amp; Yang 2016, eq. 3.5;
    /// Ghorbani et al. 2019, §2). The grid spans the nodes plus padding unless <paramref name="range"/> fixes
    /// it (in λ units), e.g. to compare densities on one grid.
    /// </summary>
    public static SpectralDensity FromQuadrature(IReadOnlyList<double[]> nodes, IReadOnlyList<double[]> weights, int steps,
                                                 DensitySmoothing smoothing, int points = DefaultPoints,
                                                 bool logScale = false, double epsilon = DefaultLogEpsilon,
                                                 (double Low, double High)? range = null)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(weights);
        if (nodes.Count == 0 || nodes.Count != weights.Count)
            throw new ArgumentException($"need the same positive number of node and weight sets; got {nodes.Count} and {weights.Count}");
        if (points < 2) throw new ArgumentOutOfRangeException(nameof(points), $"the grid needs at least 2 points; got {points}");
        if (logScale && !(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"log-scale ε must be positive; got {epsilon}");
        for (int l = 0; l < nodes.Count; l++)
            if (nodes[l].Length != weights[l].Length)
                throw new ArgumentException($"probe {l} has {nodes[l].Length} nodes but {weights[l].Length} weights");

        Func<double, double> map = logScale ? x => Math.Log(Math.Abs(x) + epsilon) : x => x;
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (var set in nodes)
            foreach (var x in set) { double u = map(x); lo = Math.Min(lo, u); hi = Math.Max(hi, u); }
        double spread = hi - lo;
        double sigma = Width(smoothing, lo, hi, Math.Max(steps, 2), logScale);
        double pad = Margin * spread + 3 * sigma;
        double start = lo - pad, end = hi + pad;
        if (range is { } fixedRange)
        {
            if (!(fixedRange.High > fixedRange.Low)) throw new ArgumentException($"grid range must have High > Low; got [{fixedRange.Low}, {fixedRange.High}]", nameof(range));
            (start, end) = (map(fixedRange.Low), map(fixedRange.High));
        }
        var grid = new double[points];
        var density = new double[points];
        for (int g = 0; g < points; g++) grid[g] = start + (end - start) * g / (points - 1);

        double norm = 1.0 / (nodes.Count * sigma * Math.Sqrt(2 * Math.PI));
        for (int l = 0; l < nodes.Count; l++)
            for (int i = 0; i < nodes[l].Length; i++)
            {
                double u = map(nodes[l][i]), w = weights[l][i] * norm;
                for (int g = 0; g < points; g++)
                {
                    double z = (grid[g] - u) / sigma;
                    if (z is > -12 and < 12) density[g] += w * Math.Exp(-0.5 * z * z);
                }
            }
        return new SpectralDensity(grid, density, sigma, smoothing, logScale, logScale ? epsilon : 0.0);
    }

    /// <summary>σ for a convention, in the units of the (possibly log) grid.</summary>
    public static double Width(DensitySmoothing smoothing, double lo, double hi, int steps, bool logScale)
    {
        double range = hi - lo;
        return smoothing switch
        {
            DensitySmoothing.GhorbaniVariance => Math.Sqrt(1e-5 * Math.Max(1.0, range)),
            // Papyan: half-width d of the padded range; σ_normalised = 2/((m−1)√(8 ln κ)), κ = 3 (1.04 on a log
            // grid, the value curvlinops found to reproduce Papyan's Fig. 15b).
            DensitySmoothing.PapyanKappa => Math.Max(range * (1 + 2 * Margin) / 2, 1e-12) * 2.0 / ((steps - 1) * Math.Sqrt(8 * Math.Log(logScale ? 1.04 : 3.0))),
            _ => Math.Max(range, 1e-12) / steps,
        };
    }

    /// <summary>∫φ over the grid by the trapezoid rule (≈ 1 when the grid covers all mass).</summary>
    public double Integral()
    {
        double s = 0;
        for (int g = 1; g < Grid.Length; g++) s += 0.5 * (Values[g] + Values[g - 1]) * (Grid[g] - Grid[g - 1]);
        return s;
    }
}
