using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Estimators;

/// <summary>Eigendecomposition of the symmetric tridiagonal T = tridiag(β, α, β) in float64 (LAPACK via
/// torch.linalg.eigh on the dense m×m matrix; m is at most a few hundred, so this costs nothing next to
/// one product with a network Hessian).</summary>
public static class SymmetricTridiagonal
{
    /// <summary>Eigenvalues θ (ascending) and eigenvectors S (column i belongs to θ_i, as S[row, column])
    /// of T with diagonal <paramref name="alpha"/> and off-diagonal <paramref name="beta"/> (length m−1 or more;
    /// extra entries are ignored).</summary>
    public static (double[] Values, double[,] Vectors) Eigen(IReadOnlyList<double> alpha, IReadOnlyList<double> beta)
    {
        ArgumentNullException.ThrowIfNull(alpha);
        ArgumentNullException.ThrowIfNull(beta);
        int m = alpha.Count;
        if (m == 0) throw new ArgumentException("T must have at least one row", nameof(alpha));
        if (beta.Count < m - 1) throw new ArgumentException($"T of size {m} needs {m - 1} off-diagonal entries; got {beta.Count}", nameof(beta));
        var t = new double[m * m];
        for (int i = 0; i < m; i++)
        {
            t[i * m + i] = alpha[i];
            if (i + 1 < m) { t[i * m + i + 1] = beta[i]; t[(i + 1) * m + i] = beta[i]; }
        }
        using var scope = NewDisposeScope();
        var (values, vectors) = linalg.eigh(tensor(t, dtype: ScalarType.Float64).reshape(m, m));
        var v = values.data<double>().ToArray();
        var flat = vectors.contiguous().data<double>().ToArray();
        var s = new double[m, m];
        for (int r = 0; r < m; r++)
            for (int c = 0; c < m; c++) s[r, c] = flat[r * m + c];
        return (v, s);
    }
}
