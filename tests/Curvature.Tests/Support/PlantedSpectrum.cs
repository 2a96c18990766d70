using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Support;

/// <summary>Symmetric float64 matrices A = Q diag(λ) Qᵀ with a chosen spectrum and a random orthogonal Q
/// (QR of a seeded Gaussian matrix), so every estimator has an exact answer to meet.</summary>
public static class PlantedSpectrum
{
    /// <summary>A = Q diag(<paramref name="eigenvalues"/>) Qᵀ. Caller disposes.</summary>
    public static Tensor Matrix(double[] eigenvalues, long seed)
    {
        using var scope = NewDisposeScope();
        using var gen = new Generator((ulong)seed);
        int n = eigenvalues.Length;
        var g = randn(n, n, dtype: ScalarType.Float64, generator: gen);
        var (q, _) = linalg.qr(g);
        var lam = tensor(eigenvalues, dtype: ScalarType.Float64);
        var a = q.matmul(diag(lam)).matmul(q.T);
        return ((a + a.T) / 2).MoveToOuterDisposeScope();
    }

    /// <summary>A typical Hessian-like spectrum: a bulk uniform in [−0.2, 1] with a few negative values, plus
    /// well-separated outliers at the top (the shape Ghorbani et al. 2019 report for deep nets).</summary>
    public static double[] BulkWithOutliers(int n, double[] outliers, long seed)
    {
        var rng = new Random((int)seed);
        var values = new double[n];
        for (int i = 0; i < n - outliers.Length; i++) values[i] = -0.2 + 1.2 * rng.NextDouble();
        for (int i = 0; i < outliers.Length; i++) values[n - outliers.Length + i] = outliers[i];
        return values;
    }
}
