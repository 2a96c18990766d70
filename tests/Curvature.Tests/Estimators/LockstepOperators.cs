using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Estimators;

/// <summary>Multiplies a block column by column, each column as a single product of its own (a contiguous vector, as a
/// sequential run passes it): its block products equal its single products bit for bit whenever the inner operator's
/// product of a vector does not depend on where the vector lies in memory. Records the width of every block it is given.</summary>
public sealed class ColumnByColumn(ILinearOperator inner) : ILinearOperator
{
    public long Size => inner.Size;
    public ScalarType DType => inner.DType;

    /// <summary>Columns of each call, in order (1 for a vector).</summary>
    public List<int> Widths { get; } = new();

    public Tensor Multiply(Tensor x)
    {
        if (x.dim() == 1)
        {
            Widths.Add(1);
            return inner.Multiply(x);
        }
        Widths.Add((int)x.shape[1]);
        using var scope = NewDisposeScope();
        var columns = new Tensor[x.shape[1]];
        for (int i = 0; i < columns.Length; i++) columns[i] = inner.Multiply(x[.., i].contiguous());
        return stack(columns, 1).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// A planted spectrum whose Krylov spaces have probe-dependent dimension, built from exact elementwise arithmetic (so each
/// entry of a product is computed the same way whatever the memory layout): n = 2p coordinates in pairs, pair k the
/// 2×2 block [[a, b], [b, a]] with eigenvalue λ_k on (1, 1)/√2 and μ_k on (1, −1)/√2 (a = (λ+μ)/2, b = (λ−μ)/2).
/// A Rademacher probe (s₁, s₂) on a pair lies exactly on one of the two eigenvectors, so with μ_k = 0 for all k it sees
/// λ_k for the pairs with s₁ = s₂ and the eigenvalue 0 once for all others: its Krylov space has dimension
/// #{k: s₁ = s₂} + [some s₁ ≠ s₂], and the recurrence breaks down after that many steps — a different step per probe.
/// </summary>
public sealed class PairedOperator : LinearOperator
{
    readonly Tensor _a, _b, _swap;

    public PairedOperator(double[] lambda, double[] mu) : base(2L * lambda.Length, ScalarType.Float64)
    {
        if (lambda.Length != mu.Length) throw new ArgumentException("one μ per λ");
        using var scope = NewDisposeScope();
        var a = lambda.Zip(mu, (l, m) => (l + m) / 2).SelectMany(v => new[] { v, v }).ToArray();
        var b = lambda.Zip(mu, (l, m) => (l - m) / 2).SelectMany(v => new[] { v, v }).ToArray();
        _a = tensor(a, dtype: ScalarType.Float64).unsqueeze(1).MoveToOuterDisposeScope();
        _b = tensor(b, dtype: ScalarType.Float64).unsqueeze(1).MoveToOuterDisposeScope();
        _swap = tensor(Enumerable.Range(0, a.Length).Select(i => (long)(i ^ 1)).ToArray()).MoveToOuterDisposeScope();
    }

    /// <summary>Pairs (λ_k, 0) with λ_k = k for k = 1..p: eigenvalues 1..p and 0 (p times).</summary>
    public static PairedOperator LowRank(int pairs) =>
        new(Enumerable.Range(1, pairs).Select(k => (double)k).ToArray(), new double[pairs]);

    /// <summary>All eigenvalues (λ's then μ's).</summary>
    public static double[] Spectrum(int pairs) => [.. Enumerable.Range(1, pairs).Select(k => (double)k), .. new double[pairs]];

    protected override Tensor MultiplyCore(Tensor block) => block.mul(_a).add_(block.index_select(0, _swap).mul_(_b));

    protected override void Dispose(bool disposing)
    {
        _a.Dispose();
        _b.Dispose();
        _swap.Dispose();
    }
}
