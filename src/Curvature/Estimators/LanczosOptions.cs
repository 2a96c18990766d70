namespace Curvature.Estimators;

/// <summary>Options of a Lanczos run.</summary>
/// <param name="Steps">Number of Lanczos steps m (products with A). Must be in 1..n.</param>
/// <param name="Reorthogonalization">Default <see cref="Estimators.Reorthogonalization.Full"/>: the
/// Krylov basis is float64 and fully reorthogonalized, the only mode whose Ritz values carry no ghosts.</param>
/// <param name="KeepBasis">Store the basis even when reorthogonalization does not need it (mode None), so
/// Ritz vectors can be formed. Full and Selective always store it.</param>
/// <param name="ContinueAfterBreakdown">On breakdown (an invariant subspace was found) continue with a
/// fresh random vector orthogonal to the basis instead of stopping — what an eigensolver wants when more
/// eigenpairs are requested than the start vector reached; quadrature (SLQ) must stop instead.</param>
public sealed record LanczosOptions(
    int Steps,
    Reorthogonalization Reorthogonalization = Reorthogonalization.Full,
    bool KeepBasis = false,
    bool ContinueAfterBreakdown = false);
