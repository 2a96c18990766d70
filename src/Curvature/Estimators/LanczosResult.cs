using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Estimators;

/// <summary>
/// The outcome of m Lanczos steps: the tridiagonal T (α, β), its Ritz values θ_i with quadrature weights
/// τ_i = s_{1i}² (first components of T's eigenvectors — Golub &amp; Meurant 2010, §6.2), the residual bound
/// ‖A y_i − θ_i y_i‖ = β_m |s_{mi}| (exact in exact arithmetic; Parlett, The Symmetric Eigenvalue Problem,
/// §13.1), convergence and ghost flags, and optionally the basis Q [m, n] (owned; disposed with the result).
/// </summary>
public sealed class LanczosResult : IDisposable
{
    internal LanczosResult(long size, IReadOnlyList<double> alpha, IReadOnlyList<double> beta, IReadOnlyList<int> breakdowns,
                           Reorthogonalization mode, int reorthogonalizations, double normEstimate, Tensor? basis)
    {
        Size = size;
        Alpha = alpha.ToArray();
        Beta = beta.ToArray();
        Breakdowns = breakdowns.ToArray();
        Reorthogonalization = mode;
        Reorthogonalizations = reorthogonalizations;
        Basis = basis;
        var (values, vectors) = SymmetricTridiagonal.Eigen(Alpha, Beta);
        int m = Alpha.Length;
        RitzValues = values;
        Weights = new double[m];
        ResidualBounds = new double[m];
        double lastBeta = Beta.Length >= m ? Beta[m - 1] : 0.0;
        for (int i = 0; i < m; i++)
        {
            Weights[i] = vectors[0, i] * vectors[0, i];
            ResidualBounds[i] = Math.Abs(lastBeta * vectors[m - 1, i]);
        }
        EigenvectorsOfT = vectors;
        NormEstimate = Math.Max(normEstimate, values.Length > 0 ? Math.Max(Math.Abs(values[0]), Math.Abs(values[^1])) : 0);
        Ghosts = DetectGhosts();
    }

    /// <summary>n, the operator's dimension.</summary>
    public long Size { get; }
    /// <summary>Diagonal of T (α_1..α_m).</summary>
    public double[] Alpha { get; }
    /// <summary>Off-diagonal of T (β_1..β_{m−1}) followed by β_m, the coupling to the next, unused vector
    /// (0 when the run stopped on an invariant subspace).</summary>
    public double[] Beta { get; }
    /// <summary>Steps after which β was (numerically) zero: an invariant subspace was found there.</summary>
    public int[] Breakdowns { get; }
    /// <summary>True if the run ended on an invariant subspace: every Ritz value is then an exact eigenvalue.</summary>
    public bool InvariantSubspaceFound => Beta.Length > 0 && Beta[^1] == 0.0;
    /// <summary>Number of steps m.</summary>
    public int Steps => Alpha.Length;
    /// <summary>The reorthogonalization used.</summary>
    public Reorthogonalization Reorthogonalization { get; }
    /// <summary>How many steps were reorthogonalized (all of them for Full; the triggered ones for Selective).</summary>
    public int Reorthogonalizations { get; }
    /// <summary>Ritz values θ_1 ≤ … ≤ θ_m (eigenvalues of T).</summary>
    public double[] RitzValues { get; }
    /// <summary>Gauss quadrature weights τ_i = s_{1i}² (they sum to 1).</summary>
    public double[] Weights { get; }
    /// <summary>β_m |s_{mi}|, the residual norm of the i-th Ritz pair when the basis is orthonormal.</summary>
    public double[] ResidualBounds { get; }
    /// <summary>Estimate of ‖A‖₂ (largest |θ| or the recurrence's bound, whichever is larger).</summary>
    public double NormEstimate { get; }
    /// <summary>Indices (into <see cref="RitzValues"/>) of spurious copies of converged Ritz values.</summary>
    public int[] Ghosts { get; }
    /// <summary>The Lanczos basis Q as rows [m, n] in float64, if it was kept; owned by this result.</summary>
    public Tensor? Basis { get; private set; }
    internal double[,] EigenvectorsOfT { get; }

    /// <summary>Whether Ritz pair i has residual bound ≤ <paramref name="relativeTolerance"/>·‖A‖.</summary>
    public bool IsConverged(int i, double relativeTolerance = Tolerances.RitzResidualRelative) =>
        ResidualBounds[i] <= relativeTolerance * NormEstimate;

    /// <summary>
    /// Ghosts: with lost orthogonality, Lanczos re-discovers converged eigenvalues (Paige 1971; Cullum &amp;
    /// Willoughby 1985, ch. 4). A single-vector Krylov space holds one eigenvector per eigenvalue, and distinct
    /// eigenvalues closer than <see cref="Tolerances.GhostSeparationRelative"/>·‖A‖ cannot be told apart by
    /// it, so every other Ritz value that close to a converged one — converged or still converging — is a
    /// copy. The converged value with the smallest residual bound is kept; the rest are flagged. Full
    /// reorthogonalization keeps the basis orthogonal, so nothing is flagged in that mode (repeated
    /// eigenvalues found after a restart on breakdown are genuine).
    /// </summary>
    int[] DetectGhosts()
    {
        if (Reorthogonalization == Reorthogonalization.Full) return [];
        var anchors = Enumerable.Range(0, Steps).Where(i => IsConverged(i)).OrderBy(i => ResidualBounds[i]).ToList();
        var ghosts = new SortedSet<int>();
        foreach (int anchor in anchors)
        {
            if (ghosts.Contains(anchor)) continue;
            for (int k = 0; k < Steps; k++)
                if (k != anchor && Math.Abs(RitzValues[k] - RitzValues[anchor]) <= Tolerances.GhostSeparationRelative * NormEstimate)
                    ghosts.Add(k);
        }
        return ghosts.ToArray();
    }

    /// <summary>
    /// Ritz vectors y_i = Qᵀ s_i for the given indices as columns [n, r] (float64, caller owns) and their true
    /// residual norms ‖A y_i − θ_i y_i‖ computed with one block product. Needs the basis.
    /// </summary>
    public (Tensor Vectors, double[] Residuals) RitzVectors(ILinearOperator a, IReadOnlyList<int> indices)
    {
        if (Basis is null)
            throw new InvalidOperationException("Ritz vectors need the Lanczos basis: run with full or selective reorthogonalization, or KeepBasis");
        var basis = Basis;
        return RitzVectors(a, indices, s => basis.T.matmul(s));
    }

    /// <summary>Ritz vectors with Qᵀ S computed by <paramref name="combine"/> (S [m, r] → [n, r]), so a basis kept
    /// elsewhere (float32, on disk) is used in place instead of copied into <see cref="Basis"/>.</summary>
    internal (Tensor Vectors, double[] Residuals) RitzVectors(ILinearOperator a, IReadOnlyList<int> indices, Func<Tensor, Tensor> combine)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(indices);
        if (a.Size != Size) throw new ArgumentException($"operator size {a.Size} differs from the run's size {Size}", nameof(a));
        if (indices.Count == 0) throw new ArgumentException("ask for at least one Ritz vector", nameof(indices));
        foreach (int i in indices)
            if (i < 0 || i >= Steps) throw new ArgumentOutOfRangeException(nameof(indices), $"Ritz index {i} is outside 0..{Steps - 1}");
        using var scope = NewDisposeScope();
        int m = Steps, r = indices.Count;
        var s = new double[m * r];
        for (int row = 0; row < m; row++)
            for (int c = 0; c < r; c++) s[row * r + c] = EigenvectorsOfT[row, indices[c]];
        var y = combine(tensor(s, dtype: ScalarType.Float64).reshape(m, r));
        var theta = tensor(indices.Select(i => RitzValues[i]).ToArray(), dtype: ScalarType.Float64);
        var residual = (a.Multiply(y) - y * theta).norm(0, false);
        return (y.MoveToOuterDisposeScope(), residual.data<double>().ToArray());
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Basis?.Dispose();
        Basis = null;
    }
}
