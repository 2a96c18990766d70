using Curvature.Estimators;
using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Theory;

/// <summary>
/// The spectrum summary of R = (1/p)XᵀX from products R·v = (1/p)Xᵀ(Xv) alone (<see cref="CovarianceOperator"/>,
/// 2pN flops each), for sizes where the dense eigendecomposition of <see cref="ExactSpectrum"/> is too costly:
/// <list type="bullet">
/// <item><description>λmax and the smallest eigenvalues: the k largest and k + z' smallest Ritz pairs of Lanczos
/// with full reorthogonalization (<see cref="TopEigenpairs"/>), each to residual ≤ tol·‖R‖, on the smaller of R
/// and the Gram operator (1/p)XXᵀ (same non-zero eigenvalues; z' = that operator's structural zero count, so k
/// non-zero Ritz values remain even if several copies of 0 appear).</description></item>
/// <item><description>Zero eigenvalues: from the structural rank, N − min(p − c, N − z), where c = 1 for centred
/// data (the rows sum to zero) and z counts null columns (diagonal entry R_ii ≤ the zero threshold, e.g. a
/// constant input after centring) — exact for data in general position, which Gaussian inputs are with
/// probability one; raised to the number of numerically-zero Ritz values if Lanczos finds more.</description></item>
/// <item><description>λmin(non-zero): the smallest Ritz value above the zero threshold
/// <see cref="Tolerances.ZeroEigenvalueRelative"/>·λmax; κ = λmax/λmin(non-zero).</description></item>
/// <item><description>A density and the trace by stochastic Lanczos quadrature (<see cref="StochasticLanczosQuadrature"/>),
/// the density on u = ln(λ + ε) with Papyan's smoothing (log-scale κ = 1.04; Papyan 2020, App. D.2), next to the
/// exact trace (1/p)‖X‖_F².</description></item>
/// </list>
/// The eigenvalue list of the result holds only the computed Ritz values (<see cref="CovarianceSpectrum.EigenvaluesPartial"/>).
/// </summary>
public static class EstimatedSpectrum
{
    /// <summary>Estimates the spectrum of R for samples X [p, N] (rows are samples; any float dtype, computed in
    /// float64). <paramref name="centred"/> says the rows of X sum to zero (centred, standardised data), which
    /// lowers the rank bound by one. Random start vectors and probes come from <paramref name="generator"/>.</summary>
    public static CovarianceSpectrum Compute(Tensor samples, bool centred, SpectrumEstimatorOptions options, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(generator);
        options.Validate();
        using var scope = NewDisposeScope();
        var x = SampleChecks.Samples(samples, nameof(samples));
        return ComputeValidated(x, centred, options, generator);
    }

    /// <summary>The same for a validated float64 X.</summary>
    internal static CovarianceSpectrum ComputeValidated(Tensor x, bool centred, SpectrumEstimatorOptions options, Generator generator)
    {
        using var scope = NewDisposeScope();
        long p = x.shape[0], n = x.shape[1];
        using var op = new CovarianceOperator(x);
        // Extremes on the smaller side: for p < N the Gram matrix G = (1/p)XXᵀ (p×p) has R's non-zero eigenvalues
        // without R's N − p structural zeros, so the smallest Ritz values are not crowded out by copies of 0
        // (a Krylov space holds one copy, but each restart after an exhausted space brings another).
        bool gram = p < n;
        using var transposed = gram ? new CovarianceOperator(x.T) : null;
        ILinearOperator side = gram ? transposed!.Scale((double)n / p) : op;
        long sideSize = side.Size;

        var diagonal = x.square().sum([0L]).div_(p);
        int kTop = (int)Math.Min(options.ExtremeCount, sideSize);
        int maxSteps = (int)Math.Min(options.MaxSteps, sideSize);
        using var top = TopEigenpairs.Compute(side, kTop, EigenvalueOrder.LargestAlgebraic, generator, options.ResidualTolerance, maxSteps);
        double lambdaMax = top.Values[0];
        if (!(lambdaMax > 0))
            throw new ArgumentException($"λmax = {lambdaMax:G6}: R is zero (every input is zero), so it has no curvature to analyse");
        double threshold = Tolerances.ZeroEigenvalueRelative * lambdaMax;

        long nullColumns = diagonal.le(threshold).sum().item<long>();
        long rank = Math.Max(Math.Min(p - (centred ? 1 : 0), n - nullColumns), 0);
        // Ask for as many more as the side has structural zeros, so k non-zero ones remain even if every copy shows.
        long sideZeros = sideSize - rank;
        int kBottom = (int)Math.Min(options.ExtremeCount + sideZeros, sideSize - kTop);
        using var bottom = kBottom > 0
            ? TopEigenpairs.Compute(side, kBottom, EigenvalueOrder.SmallestAlgebraic, generator, options.ResidualTolerance, Math.Max(maxSteps, kBottom))
            : null;
        double[] largest = top.Values, smallest = bottom?.Values ?? [];
        var listed = largest.Concat(smallest).OrderByDescending(v => v).ToArray();
        if (listed[^1] < -threshold)
            throw new ArgumentException($"R is not positive semi-definite: smallest Ritz value {listed[^1]:G6} against λmax {lambdaMax:G6}");
        var nonZero = listed.Where(v => v > threshold).ToArray();
        if (nonZero.Length == 0)
            throw new ArgumentException("every computed eigenvalue except λmax is numerically zero; raise the number of extreme eigenpairs");
        double lambdaMin = nonZero.Min();

        int structural = (int)(n - rank);
        int zeroRitz = listed.Count(v => Math.Abs(v) <= threshold) + (int)(gram ? n - p : 0);
        int zeros = Math.Max(structural, zeroRitz);
        string zeroBasis = $"structural rank min(p{(centred ? " − 1" : "")}, N − {nullColumns} null columns) = {rank} (data in general position)"
                         + (zeroRitz > structural ? $"; raised to the {zeroRitz} numerically-zero Ritz values found" : "");

        double exactTrace = x.square().sum().item<double>() / p;
        var slqOptions = options.Slq with { Steps = (int)Math.Min(options.Slq.Steps, n) };
        var slq = StochasticLanczosQuadrature.Run(op, slqOptions, generator);
        var density = slq.Density(DensitySmoothing.PapyanKappa, logScale: true, epsilon: threshold);

        bool converged = top.AllConverged && (bottom?.AllConverged ?? true);
        var residuals = top.Residuals.Concat(bottom?.Residuals ?? []).ToArray();
        int products = top.Products + (bottom?.Products ?? 0);
        string method = $"Lanczos with full reorthogonalization on {(gram ? $"the {p}×{p} Gram operator (1/p)XXᵀ" : $"R ({n}×{n})")}: {kTop} largest and {kBottom} smallest Ritz pairs, residual ≤ {options.ResidualTolerance:G2}·‖R‖ "
                      + (converged ? "(all converged" : $"(NOT all converged: largest residual {residuals.Max():G3}") + $", {products} products with R through X); "
                      + $"zero count from the {zeroBasis}; density and trace by SLQ ({slqOptions.Probes} {slqOptions.Distribution.ToString().ToLowerInvariant()} probes × {slq.Steps.Max()} steps, "
                      + "papyan-kappa smoothing on ln(λ + ε)); only these eigenvalues are listed";
        var estimates = new SpectrumEstimates(largest, top.Residuals, smallest, bottom?.Residuals ?? [], options.ResidualTolerance, converged,
            products, zeroBasis, exactTrace, slq.Trace.Estimate, slq.Trace.StandardError, slqOptions.Probes, slq.Steps.Max(),
            density.Grid, density.Values, threshold, "papyan-kappa (log scale)", density.Sigma);
        return new CovarianceSpectrum(method, (int)n, listed, lambdaMax, lambdaMin, zeros, lambdaMax / lambdaMin, threshold)
        {
            EigenvaluesPartial = true,
            Estimates = estimates,
        };
    }
}
