using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Operators;

/// <summary>An explicit symmetric matrix as an operator: the exact reference in tests, and the small
/// operators theory produces. The matrix is copied; the caller keeps ownership of its tensor.</summary>
public sealed class DenseOperator : LinearOperator
{
    readonly Tensor _matrix;

    /// <summary>Wraps a square symmetric matrix (any floating dtype; products run in that dtype). Symmetry is
    /// checked to <see cref="Tolerances.SymmetryRelative"/> of the largest entry — exact symmetry for float32
    /// matrices too, since a float32 matrix built symmetric is symmetric to the bit.</summary>
    public DenseOperator(Tensor matrix)
        : base(CheckSquare(matrix), matrix.dtype)
    {
        using var scope = NewDisposeScope();
        var m64 = matrix.detach().to_type(ScalarType.Float64);
        var scale = m64.abs().max().item<double>();
        var asymmetry = (m64 - m64.T).abs().max().item<double>();
        if (asymmetry > Tolerances.SymmetryRelative * Math.Max(scale, double.Epsilon))
            throw new ArgumentException($"matrix is not symmetric: max |A − Aᵀ| = {asymmetry:G3} against max |A| = {scale:G3}", nameof(matrix));
        _matrix = matrix.detach().clone().contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The matrix (a view owned by this operator; do not dispose).</summary>
    public Tensor Matrix => _matrix;

    /// <inheritdoc/>
    protected override Tensor MultiplyCore(Tensor block) => _matrix.matmul(block);

    static long CheckSquare(Tensor matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (matrix.dim() != 2 || matrix.shape[0] != matrix.shape[1])
            throw new ArgumentException($"a dense operator needs a square matrix; got shape [{string.Join(", ", matrix.shape)}]", nameof(matrix));
        if (!IsFloatingPoint(matrix.dtype))
            throw new ArgumentException($"a dense operator needs a floating-point matrix; got {matrix.dtype}", nameof(matrix));
        return matrix.shape[0];
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing) => _matrix.Dispose();
}
