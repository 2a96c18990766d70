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
/// <param name="Basis">Where and in what precision the basis rows are stored; null = <see cref="BasisStorage.Default"/>
/// (float64 in memory, (m+1)·n·8 bytes).</param>
/// <param name="MaxStoredVectors">Null (default): every basis vector is stored. A bound s (≥ 2, Selective only): only the
/// s most recent vectors are kept (a ring), and Simon's rule reorthogonalizes against them alone — memory
/// s·n·b + 3·n·8 bytes whatever m, at the price of ghosts once a Ritz vector has converged in the evicted part (see
/// <see cref="Estimators.Reorthogonalization.Selective"/>). Ritz vectors cannot be formed (the basis is gone), so it
/// is for quadrature (SLQ) and eigenvalues, not eigenvectors; breakdown continuation is refused with it.</param>
public sealed record LanczosOptions(
    int Steps,
    Reorthogonalization Reorthogonalization = Reorthogonalization.Full,
    bool KeepBasis = false,
    bool ContinueAfterBreakdown = false,
    BasisStorage? Basis = null,
    int? MaxStoredVectors = null);
