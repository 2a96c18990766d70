namespace Curvature.Estimators;

/// <summary>The distribution of the i.i.d. entries of a random probe vector z, chosen so that E[zzᵀ] = I
/// and hence E[zᵀAz] = tr(A).</summary>
public enum ProbeDistribution
{
    /// <summary>±1 with probability ½ each. Minimises the variance of zᵀAz among i.i.d. probes:
    /// Var = 2(‖A‖²_F − Σᵢ Aᵢᵢ²) (Hutchinson 1989; Avron &amp; Toledo 2011).</summary>
    Rademacher,

    /// <summary>Standard normal N(0, 1). Var(zᵀAz) = 2‖A‖²_F (Avron &amp; Toledo 2011); rotation invariant,
    /// which some analyses (and Lanczos quadrature) rely on.</summary>
    Gaussian,
}
