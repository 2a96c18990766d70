using Curvature.Estimators;

namespace Curvature.Analysis;

/// <summary>What <see cref="CurvatureProbe"/> measures and with how much effort.</summary>
/// <param name="TopK">Number of top eigenpairs K. Default 10 = the number of classes of Fashion-MNIST/CIFAR-10:
/// Ghorbani et al. 2019 and Papyan 2020 find (classes − 1) to classes outliers.</param>
/// <param name="Density">Run SLQ for the spectral density (and the trace, |λ| mass and negative mass).</param>
/// <param name="Trace">Estimate the trace (from SLQ when the density runs, else Hutch++).</param>
/// <param name="LanczosSteps">SLQ steps per probe. Default 90 (Ghorbani et al. 2019, §2).</param>
/// <param name="Probes">SLQ probes / Hutch++ budget unit. Default 10 (Ghorbani et al. 2019, §2).</param>
/// <param name="Exact">Also materialise the operator and compare every estimate with the dense float64 spectrum
/// (only up to <see cref="CurvatureProbe.MaxExactParameters"/> parameters).</param>
/// <param name="Tolerance">Relative residual of the top eigenpairs (‖Hv − λv‖ ≤ tol·‖H‖); default
/// <see cref="Tolerances.RitzResidualRelative"/>.</param>
/// <param name="MaxEigenSteps">Cap on Lanczos steps for the top eigenpairs (default: the solver's own).</param>
/// <param name="Smoothing">Smoothing of the linear-scale density (default Ghorbani et al.'s). The log-scale density
/// always uses Papyan's rule with κ = 1.04, the convention for log spectra (Papyan 2020, App. C.7; curvlinops):
/// Ghorbani's σ, defined for λ, is far too narrow on a ln|λ| grid and leaves isolated spikes.</param>
/// <param name="TraceProducts">Hutch++ budget when the trace is wanted without the density (default
/// <see cref="HutchPlusPlus.DefaultInitialMatvecs"/>: ≥ 10 residual probes for an honest standard error).</param>
/// <param name="GradientBatchSize">Size of the mini-batches whose gradients give the mini-batch f_K (default: the
/// operator's own partition). With the analysis data as one batch, SGD's batch size (128) makes f_K that of the gradients
/// SGD actually follows.</param>
/// <param name="ProbeBlock">SLQ probes run in lockstep, sharing one block product per Lanczos step (1 to
/// <paramref name="Probes"/>; default null: <see cref="StochasticLanczosQuadrature.AutomaticProbeBlock"/>, from n and the
/// SLQ options alone). Changes only the products' round-off.</param>
/// <param name="Basis">Where the top-eigenpair solver and the SLQ probes keep their Krylov bases (default float64 in memory;
/// see <see cref="BasisStorage"/>); the eigensolver's step budget max(10K, 300) makes its basis the largest of the probe.</param>
/// <param name="Reorthogonalization">Reorthogonalization of the SLQ density (default full: Ghorbani et al. 2019). The
/// top eigenpairs are always fully reorthogonalized: their eigenvectors need the whole, orthonormal basis.</param>
/// <param name="MaxStoredVectors">With selective SLQ reorthogonalization: keep only this many basis vectors
/// (<see cref="LanczosOptions.MaxStoredVectors"/>).</param>
public sealed record CurvatureProbeOptions(
    int TopK = 10,
    bool Density = true,
    bool Trace = true,
    int LanczosSteps = 90,
    int Probes = 10,
    bool Exact = false,
    double Tolerance = Tolerances.RitzResidualRelative,
    int? MaxEigenSteps = null,
    DensitySmoothing Smoothing = DensitySmoothing.GhorbaniVariance,
    int TraceProducts = HutchPlusPlus.DefaultInitialMatvecs,
    int? GradientBatchSize = null,
    int? ProbeBlock = null,

    BasisStorage? Basis = null,
    Reorthogonalization Reorthogonalization = Reorthogonalization.Full,
    int? MaxStoredVectors = null);
