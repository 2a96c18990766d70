using Curvature.Estimators;

namespace Curvature.Analysis;

/// <summary>Everything <see cref="CurvatureProbe"/> measured on one operator: plain data, ready for JSON
/// (snake_case in the CLI's records).</summary>
/// <param name="Operator">"hessian", "ggn" or "fisher".</param>
/// <param name="BatchNormMode">"train", "eval" or "population".</param>
/// <param name="NumParams">n.</param>
/// <param name="Loss">Mean loss over the analysis data.</param>
/// <param name="GradientNorm">‖g‖ of the full-batch gradient.</param>
/// <param name="TopEigenvalues">λ₁ ≥ … ≥ λ_K.</param>
/// <param name="Residuals">‖Hvᵢ − λᵢvᵢ‖ of each pair.</param>
/// <param name="Converged">Whether each pair met the tolerance.</param>
/// <param name="Lambda1OverLambdak">λ₁/λ_K (NaN when λ_K ≤ 0).</param>
/// <param name="GradientOverlapTopk">f_K = ‖P_K g‖²/‖g‖² for the full-batch gradient (Gur-Ari et al. 2018;
/// Ghorbani et al. 2019, §3).</param>
/// <param name="GradientOverlapTopkMiniBatch">Mean of f_K over the partition's mini-batch gradients.</param>
/// <param name="GradientOverlapTopkMiniBatchStderr">Its standard error across batches (NaN for one batch).</param>
/// <param name="GradientCurvature">gᵀHg/‖g‖², the curvature along the gradient.</param>
/// <param name="Trace">tr(H) estimate (NaN if not computed).</param>
/// <param name="TraceStderr">Its standard error.</param>
/// <param name="TraceMethod">How the trace was estimated.</param>
/// <param name="AbsMassTopkShare">Σ_{i≤K}|λᵢ| / Σᵢ|λᵢ| (denominator from SLQ with f = |x|).</param>
/// <param name="NegativeMass">Σ_{λ&lt;0}|λ| by SLQ.</param>
/// <param name="NegativeMassShare">Σ_{λ&lt;0}|λ| / Σ|λ| by SLQ.</param>
/// <param name="Density">The smoothed SLQ density (log scale), or null.</param>
/// <param name="LinearDensity">The smoothed SLQ density on a linear grid, or null.</param>
/// <param name="SlqNodes">Raw SLQ nodes per probe (for re-smoothing).</param>
/// <param name="SlqWeights">Raw SLQ weights per probe.</param>
/// <param name="Exact">The dense comparison, or null.</param>
/// <param name="HvpCount">Operator–vector products spent.</param>
/// <param name="WallSeconds">Wall-clock time of the probe.</param>
/// <param name="SlqProbeBlock">SLQ probes run in lockstep per block product (the width used), or null without SLQ.</param>
public sealed record CurvatureReport(
    string Operator,
    string BatchNormMode,
    long NumParams,
    double Loss,
    double GradientNorm,
    double[] TopEigenvalues,
    double[] Residuals,
    bool[] Converged,
    double Lambda1OverLambdak,
    double GradientOverlapTopk,
    double GradientOverlapTopkMiniBatch,
    double GradientOverlapTopkMiniBatchStderr,
    double GradientCurvature,
    double Trace,
    double TraceStderr,
    string TraceMethod,
    double AbsMassTopkShare,
    double NegativeMass,
    double NegativeMassShare,
    SpectralDensity? Density,
    SpectralDensity? LinearDensity,
    double[][]? SlqNodes,
    double[][]? SlqWeights,
    ExactComparison? Exact,
    long HvpCount,
    double WallSeconds,
    int? SlqProbeBlock = null)
{
    /// <summary>With exact mode, all eigenvalues of the dense matrix (descending), else null — repeated at the top
    /// level of the record for readers that look for it there.</summary>
    public double[]? ExactEigenvalues => Exact?.ExactEigenvalues;
}

/// <summary>Estimates against the dense float64 eigendecomposition of the materialised (symmetrised) operator.</summary>
/// <param name="ExactEigenvalues">All n eigenvalues, descending.</param>
/// <param name="TopRelativeErrors">|λᵢ(estimate) − λᵢ(exact)| / |λᵢ(exact)| for i ≤ K.</param>
/// <param name="ExactTrace">Σλ.</param>
/// <param name="TraceError">Estimate − exact.</param>
/// <param name="TraceErrorInStderrs">(estimate − exact)/SE.</param>
/// <param name="ExactGradientOverlapTopk">f_K with the exact top-K eigenvectors.</param>
/// <param name="ExactAbsMassTopkShare">Σ_{i≤K}|λᵢ| / Σ|λᵢ| exactly.</param>
/// <param name="ExactNegativeMass">Σ_{λ&lt;0}|λ| exactly.</param>
/// <param name="Asymmetry">max|A − Aᵀ| / max|A| of the materialised matrix before symmetrising (round-off).</param>
public sealed record ExactComparison(
    double[] ExactEigenvalues,
    double[] TopRelativeErrors,
    double ExactTrace,
    double TraceError,
    double TraceErrorInStderrs,
    double ExactGradientOverlapTopk,
    double ExactAbsMassTopkShare,
    double ExactNegativeMass,
    double Asymmetry);

/// <summary>Progress of a long probe stage, for a caller's progress bar.</summary>
/// <param name="Stage">What is running.</param>
/// <param name="Done">Units done.</param>
/// <param name="Total">Units in the stage.</param>
public sealed record ProbeProgress(string Stage, int Done, int Total);
