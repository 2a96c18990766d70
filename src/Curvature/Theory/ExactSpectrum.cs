using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Theory;

/// <summary>Exact spectra by dense float64 eigendecomposition (torch.linalg.eigvalsh): the reference that
/// estimators are compared with, and the lab's measurement up to <see cref="MaxDenseDimension"/>.</summary>
public static class ExactSpectrum
{
    /// <summary>
    /// Largest matrix decomposed densely: 4096 (a 128 MiB float64 matrix; eigvalsh costs ~(4/3)n³ flops, tens
    /// of seconds at this size on two cores). For R = (1/p)XᵀX the decomposed matrix is min(p, N) square (the
    /// Gram matrix when p &lt; N). Larger problems need the estimators (Lanczos, SLQ).
    /// </summary>
    public const int MaxDenseDimension = 4096;

    /// <summary>
    /// Spectrum of R = (1/p) XᵀX for samples X [p, N] (rows are samples), in float64. For p ≥ N: eigvalsh of the
    /// N×N matrix R. For p &lt; N: eigvalsh of the p×p Gram matrix (1/p) XXᵀ, which has the same non-zero
    /// eigenvalues (XᵀX and XXᵀ share them), plus N − p exact zeros. Zero classification and κ as in
    /// <see cref="CovarianceSpectrum.FromEigenvalues"/>.
    /// </summary>
    public static CovarianceSpectrum Compute(Tensor samples)
    {
        using var scope = NewDisposeScope();
        var x = SampleChecks.Samples(samples, nameof(samples));
        using var eigen = CovarianceEigenbasis.Compute(x, withVectors: false);
        return CovarianceSpectrum.FromEigenvalues(eigen.Eigenvalues, eigen.Method);
    }

    /// <summary>Spectrum of any positive semi-definite operator of size ≤ <see cref="MaxDenseDimension"/>,
    /// materialised in float64 (<see cref="OperatorAlgebra.ToDense"/>) and decomposed with eigvalsh.</summary>
    public static CovarianceSpectrum OfOperator(ILinearOperator op)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (op.Size > MaxDenseDimension)
            throw new ArgumentException($"operator of size {op.Size} exceeds the dense limit {MaxDenseDimension}; use an estimator", nameof(op));
        using var scope = NewDisposeScope();
        var dense = op.ToDense();
        var values = linalg.eigvalsh(dense.add(dense.T).div_(2.0)).data<double>().ToArray();
        return CovarianceSpectrum.FromEigenvalues(values, $"dense eigvalsh of the {op.Size}×{op.Size} operator (float64)");
    }

    internal static void CheckDenseSize(long samples, long inputs)
    {
        if (Math.Min(samples, inputs) > MaxDenseDimension)
            throw new ArgumentException(
                $"p = {samples} and N = {inputs} both exceed the dense limit {MaxDenseDimension}; use an estimator (Lanczos) instead");
    }
}
