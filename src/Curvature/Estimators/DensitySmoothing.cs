namespace Curvature.Estimators;

/// <summary>How SLQ's Gauss-quadrature spikes are turned into a density: each node θ becomes a Gaussian of
/// width σ. The three conventions in use today, named after where they come from.</summary>
public enum DensitySmoothing
{
    /// <summary>Variance σ² = 1e-5·max(1, λmax − λmin) (Ghorbani, Krishnan &amp; Xiao 2019, their released
    /// code; also PyHessian's density). Very sharp: resolves outliers, bulk looks spiky with few probes.</summary>
    GhorbaniVariance,

    /// <summary>Papyan's rule (Papyan 2020, JMLR, App. D.2; as in curvlinops): the range padded by 5 % is
    /// mapped to [−1, 1] and σ = 2/((m − 1)·√(8 ln κ)) there, κ = 3 — the width at which neighbouring
    /// Chebyshev-spaced nodes of an m-step run merge.</summary>
    PapyanKappa,

    /// <summary>σ = (λmax − λmin)/m (hessian-eigenthings): one node spacing of an evenly filled spectrum.</summary>
    RangeOverSteps,
}
