using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Operators;

/// <summary>Operator algebra: scaling, shifts, sums, deflation and restriction to a subspace — all
/// lazily applied, so a shifted Hessian is still a product with the Hessian plus a vector update.</summary>
public static class OperatorAlgebra
{
    /// <summary>c·A.</summary>
    public static ILinearOperator Scale(this ILinearOperator a, double c) => new ScaledOperator(a, c, 0.0);

    /// <summary>A − σI (e.g. to make the smallest end of the spectrum the largest for Lanczos).</summary>
    public static ILinearOperator Shift(this ILinearOperator a, double sigma) => new ScaledOperator(a, 1.0, sigma);

    /// <summary>A + B (same size; computed in A's dtype).</summary>
    public static ILinearOperator Add(this ILinearOperator a, ILinearOperator b) => new SumOperator(a, b);

    /// <summary>P A P with P = I − QQᵀ: A restricted to the orthogonal complement of the orthonormal columns
    /// of <paramref name="basis"/> [n, r]; removes found eigenvectors (deflation) and maps span(Q) to 0.</summary>
    public static ILinearOperator Deflate(this ILinearOperator a, Tensor basis) => new DeflatedOperator(a, basis);

    /// <summary>QᵀAQ, the r×r operator of A restricted to span(Q) for orthonormal Q [n, r] (Rayleigh–Ritz).</summary>
    public static ILinearOperator RestrictTo(this ILinearOperator a, Tensor basis) => new RestrictedOperator(a, basis);

    /// <summary>The dense matrix of A in float64, by products with the identity in column blocks of
    /// <paramref name="blockSize"/>. For tests and small operators: O(n²) memory.</summary>
    public static Tensor ToDense(this ILinearOperator a, int blockSize = 256)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        if (a.Size > 20_000)
            throw new ArgumentException($"refusing to materialise an operator of size {a.Size} (n² doubles)", nameof(a));
        long n = a.Size;
        var dense = zeros(n, n, dtype: ScalarType.Float64);
        for (long start = 0; start < n; start += blockSize)
        {
            using var scope = NewDisposeScope();
            long width = Math.Min(blockSize, n - start);
            var block = zeros(n, width, dtype: ScalarType.Float64);
            for (long j = 0; j < width; j++) block[start + j, j] = 1.0;
            dense[.., TensorIndex.Slice(start, start + width)] = a.Multiply(block);
        }
        return dense;
    }

    static Tensor OrthonormalBasis(Tensor basis, long size, string name)
    {
        ArgumentNullException.ThrowIfNull(basis);
        if (basis.dim() != 2 || basis.shape[0] != size)
            throw new ArgumentException($"{name} must have shape [{size}, r]; got [{string.Join(", ", basis.shape)}]");
        if (!LinearOperator.IsFloatingPoint(basis.dtype))
            throw new ArgumentException($"{name} must be floating point; got {basis.dtype}");
        return basis.detach().to_type(ScalarType.Float64).contiguous().clone();
    }

    sealed class ScaledOperator(ILinearOperator a, double scale, double shift) : LinearOperator(a.Size, a.DType)
    {
        protected override IReadOnlyList<ILinearOperator> WrappedOperators => [a];
        protected override Tensor MultiplyCore(Tensor block)
        {
            var y = a.Multiply(block);
            if (scale != 1.0) y = y.mul_(scale);
            if (shift != 0.0) y = y.sub_(block.mul(shift));
            return y;
        }
    }

    sealed class SumOperator : LinearOperator
    {
        readonly ILinearOperator _a, _b;
        public SumOperator(ILinearOperator a, ILinearOperator b) : base(a.Size, a.DType)
        {
            if (a.Size != b.Size) throw new ArgumentException($"cannot add operators of sizes {a.Size} and {b.Size}");
            _a = a; _b = b;
        }
        protected override IReadOnlyList<ILinearOperator> WrappedOperators => [_a, _b];
        protected override Tensor MultiplyCore(Tensor block) => _a.Multiply(block).add_(_b.Multiply(block));
    }

    sealed class DeflatedOperator : LinearOperator
    {
        readonly ILinearOperator _a;
        readonly Tensor _q;
        public DeflatedOperator(ILinearOperator a, Tensor basis) : base(a.Size, a.DType)
        {
            _a = a;
            _q = OrthonormalBasis(basis, a.Size, nameof(basis));
        }
        Tensor Project(Tensor x)
        {
            var q = _q.to_type(x.dtype);
            return x - q.matmul(q.T.matmul(x));
        }
        protected override IReadOnlyList<ILinearOperator> WrappedOperators => [_a];
        protected override Tensor MultiplyCore(Tensor block) => Project(_a.Multiply(Project(block)));
        protected override void Dispose(bool disposing) => _q.Dispose();
    }

    sealed class RestrictedOperator : LinearOperator
    {
        readonly ILinearOperator _a;
        readonly Tensor _q;
        public RestrictedOperator(ILinearOperator a, Tensor basis) : base(CheckColumns(basis), a.DType)
        {
            _a = a;
            _q = OrthonormalBasis(basis, a.Size, nameof(basis));
        }
        static long CheckColumns(Tensor basis) =>
            basis is not null && basis.dim() == 2 ? basis.shape[1] : throw new ArgumentException("basis must be a matrix [n, r]");
        protected override IReadOnlyList<ILinearOperator> WrappedOperators => [_a];
        protected override Tensor MultiplyCore(Tensor block)
        {
            var q = _q.to_type(block.dtype);
            return q.T.matmul(_a.Multiply(q.matmul(block)));
        }
        protected override void Dispose(bool disposing) => _q.Dispose();
    }
}
