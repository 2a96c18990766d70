using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Operators;

/// <summary>
/// The uncentred second-moment matrix R = (1/p) XᵀX of p samples (rows of X, shape [p, N]), applied as
/// R·v = (1/p) Xᵀ(X v) without forming R: O(pN) per product instead of O(N²) memory.
/// For a linear neuron with loss E(w) = (1/2p) Σᵤ (yᵤ − wᵀxᵤ)², R is exactly the Hessian
/// (LeCun, Kanter &amp; Solla 1991; Efficient BackProp 1998, §5.1).
/// </summary>
public sealed class CovarianceOperator : LinearOperator
{
    readonly Tensor _samples;

    /// <summary>Wraps samples X [p, N]; they are copied into <paramref name="dtype"/> (default: X's dtype).</summary>
    public CovarianceOperator(Tensor samples, ScalarType? dtype = null)
        : base(CheckSamples(samples), dtype ?? samples.dtype)
    {
        _samples = samples.detach().to_type(DType).contiguous().clone();
        SampleCount = samples.shape[0];
    }

    /// <summary>p, the number of samples.</summary>
    public long SampleCount { get; }

    /// <inheritdoc/>
    /// <remarks>For a block (k ≥ 2) Xᵀ U is formed as (Uᵀ X)ᵀ: libtorch's GEMM on the transposed view Xᵀ with a
    /// few columns reduces over the long dimension p and ran 3–5× slower than the same product in this layout
    /// (10 000 × 784, k = 2…10; docs/BENCHMARKS.md). A single vector keeps Xᵀu, the faster GEMV there.</remarks>
    protected override Tensor MultiplyCore(Tensor block)
    {
        var u = _samples.matmul(block);
        var product = block.shape[1] == 1 ? _samples.T.matmul(u) : u.T.matmul(_samples).T;
        return product.div_(SampleCount);
    }

    static long CheckSamples(Tensor samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.dim() != 2)
            throw new ArgumentException($"samples must be a matrix [p, N]; got shape [{string.Join(", ", samples.shape)}]", nameof(samples));
        if (samples.shape[0] == 0)
            throw new ArgumentException("samples must contain at least one row (p ≥ 1)", nameof(samples));
        if (!IsFloatingPoint(samples.dtype))
            throw new ArgumentException($"samples must be floating point; got {samples.dtype}", nameof(samples));
        return samples.shape[1];
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing) => _samples.Dispose();
}
