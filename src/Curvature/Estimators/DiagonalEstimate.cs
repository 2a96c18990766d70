namespace Curvature.Estimators;

/// <summary>A stochastic estimate of diag(A) with a standard error per entry.</summary>
/// <param name="Estimate">dᵢ ≈ Aᵢᵢ, i = 0 … n−1.</param>
/// <param name="StandardError">Per-entry SE: sample std of the k samples zᵢ(Az)ᵢ over √k (NaN for one probe).</param>
/// <param name="Matvecs">Products with A spent (= probes).</param>
/// <param name="Probes">Number of probes k.</param>
/// <param name="Distribution">Distribution of the probe entries.</param>
public sealed record DiagonalEstimate(
    double[] Estimate,
    double[] StandardError,
    int Matvecs,
    int Probes,
    ProbeDistribution Distribution);
