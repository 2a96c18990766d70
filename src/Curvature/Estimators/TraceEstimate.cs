namespace Curvature.Estimators;

/// <summary>A stochastic estimate of tr(A) with its standard error.
/// <para><see cref="Estimate"/> = <see cref="DeterministicPart"/> + mean(<see cref="Samples"/>) and
/// <see cref="StandardError"/> = sample std(<see cref="Samples"/>)/√<see cref="Probes"/> (NaN with one probe),
/// so users can re-analyse the per-probe samples (bootstrap, robust means, …).</para></summary>
/// <param name="Estimate">The trace estimate.</param>
/// <param name="StandardError">Standard error of <see cref="Estimate"/> from the spread of <see cref="Samples"/>.</param>
/// <param name="Matvecs">Products with A spent in total (one per column of every block; for target modes
/// this includes every round).</param>
/// <param name="Probes">Number of random quadratic-form samples behind the standard error (= Samples.Length).</param>
/// <param name="Method">"Hutchinson" or "Hutch++".</param>
/// <param name="Distribution">Distribution of the probe entries.</param>
/// <param name="DeterministicPart">The part computed without sampling: 0 for Hutchinson, tr(QᵀAQ) for Hutch++.</param>
/// <param name="Samples">Per-probe samples zᵢᵀBzᵢ of the sampled part (B = A for Hutchinson,
/// B = (I − QQᵀ)A(I − QQᵀ) for Hutch++).</param>
/// <param name="StopReason">Why the estimator stopped.</param>
public sealed record TraceEstimate(
    double Estimate,
    double StandardError,
    int Matvecs,
    int Probes,
    string Method,
    ProbeDistribution Distribution,
    double DeterministicPart,
    double[] Samples,
    TraceStopReason StopReason)
{
    /// <summary>SE / |estimate| (infinite when the estimate is 0).</summary>
    public double RelativeStandardError => StandardError / Math.Abs(Estimate);
}
