using Curvature.Estimators;

namespace Curvature.Theory;

/// <summary>
/// Settings of the estimator path of <see cref="EstimatedSpectrum"/> (used by the linear-neuron lab when
/// min(p, N) exceeds the dense limit): k extreme eigenpairs at each end by Lanczos with full
/// reorthogonalization (<see cref="TopEigenpairs"/>) and a stochastic-Lanczos-quadrature density and trace
/// (<see cref="StochasticLanczosQuadrature"/>).
/// </summary>
public sealed record SpectrumEstimatorOptions
{
    /// <summary>Default k = 10 eigenpairs at each end: enough to see the outlier and the top of the bulk, and
    /// to step past the zero eigenvalue (one copy per Krylov space) to the smallest non-zero one.</summary>
    public const int DefaultExtremeCount = 10;

    /// <summary>
    /// Default residual tolerance ‖Rv − θv‖ ≤ 1e-8·‖R‖ for every extreme Ritz pair
    /// (<see cref="Tolerances.RitzResidualRelative"/>). For a symmetric matrix |θ − λ| ≤ min(‖r‖, ‖r‖²/gap)
    /// (Kato–Temple inequality; Parlett, The Symmetric Eigenvalue Problem, 1998), so λmin is accurate to
    /// ~1e-16·κ²·λmin/(gap/λmin) — below 1e-8 relative for κ up to ~10⁴ with gaps above 1e-4·λmin. Measured on
    /// a centred N = 6000, p = 8000 sample: 1e-10 was not reached at the soft lower edge of the bulk within 1000
    /// steps (50 s), so the tighter level costs more than it buys.
    /// </summary>
    public const double DefaultResidualTolerance = Tolerances.RitzResidualRelative;

    /// <summary>Default cap of 1000 Lanczos steps per end; the basis is then 1000·N float64 (48 MB at N = 6000).
    /// Measured by us on synthetic N = 6000, p = 8000 (m = 0.5, v = 1): the 10 largest converge to 1e-8·‖R‖ in
    /// ≈ 350 steps, while at the soft lower edge of the Marchenko–Pastur bulk (spacing ∝ N^{−2/3}) the 10
    /// smallest reach only 1e-5…4e-5 absolute residual in 1000 steps — reported as not converged, never hidden.</summary>
    public const int DefaultMaxSteps = 1000;

    /// <summary>k, the number of eigenpairs computed at each end of the spectrum.</summary>
    public int ExtremeCount { get; init; } = DefaultExtremeCount;

    /// <summary>Residual tolerance relative to ‖R‖ (Lanczos' running estimate of it).</summary>
    public double ResidualTolerance { get; init; } = DefaultResidualTolerance;

    /// <summary>Largest number of Lanczos steps per end.</summary>
    public int MaxSteps { get; init; } = DefaultMaxSteps;

    /// <summary>SLQ probes and steps; default 10 Rademacher probes of 90 steps with full reorthogonalization
    /// (Ghorbani, Krishnan &amp; Xiao 2019, §2).</summary>
    public SlqOptions Slq { get; init; } = new();

    /// <summary>Seed of the torch.Generator that draws the Lanczos start vectors and SLQ probes. When null the
    /// lab uses the synthetic data's seed (0 for given data); either way the lab mixes it with the mode
    /// (SplitMix64) before seeding, so probes never replay the data's random stream.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (ExtremeCount < 1) throw new ArgumentException($"the number of extreme eigenpairs must be at least 1; got {ExtremeCount}");
        if (!(ResidualTolerance > 0 && ResidualTolerance < 1))
            throw new ArgumentException($"the Lanczos residual tolerance must lie in (0, 1); got {ResidualTolerance}");
        if (MaxSteps < ExtremeCount)
            throw new ArgumentException($"the Lanczos step cap ({MaxSteps}) must be at least the number of eigenpairs ({ExtremeCount})");
        ArgumentNullException.ThrowIfNull(Slq);
        if (Slq.Probes < 2) throw new ArgumentException($"SLQ needs at least 2 probes for a standard error; got {Slq.Probes}");
        if (Slq.Steps < 1) throw new ArgumentException($"SLQ needs at least 1 Lanczos step per probe; got {Slq.Steps}");
    }
}
