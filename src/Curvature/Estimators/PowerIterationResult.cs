namespace Curvature.Estimators;

/// <summary>Eigenpairs found by <see cref="PowerIteration"/>, in the order found (decreasing |λ| when each
/// deflated run converged). Arrays are plain .NET memory owned by the caller; no tensors to dispose.</summary>
/// <param name="Eigenvalues">Rayleigh quotients θⱼ = vⱼᵀAvⱼ.</param>
/// <param name="Vectors">Unit eigenvector estimates vⱼ (each of length n, float64), mutually orthogonal.</param>
/// <param name="Residuals">‖Avⱼ − θⱼvⱼ‖ with the original A (not the deflated operator).</param>
/// <param name="Iterations">Products spent on each pair.</param>
/// <param name="Converged">Whether the deflated residual met the tolerance within the iteration limit.</param>
/// <param name="Matvecs">Products with A in total.</param>
public sealed record PowerIterationResult(
    double[] Eigenvalues,
    double[][] Vectors,
    double[] Residuals,
    int[] Iterations,
    bool[] Converged,
    int Matvecs);
