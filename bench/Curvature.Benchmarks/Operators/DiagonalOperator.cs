using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Benchmarks.Operators;

/// <summary>
/// A = diag(d), applied as an elementwise multiply: one read of X and d, one write, O(n·k). The cheapest
/// operator there is, so that in a Lanczos run nearly all the time that is not a product is the estimator's own
/// work (three-term recurrence, reorthogonalization, tridiagonal eigensolve). Bench-only: the library does not
/// need it.
/// </summary>
public sealed class DiagonalOperator : LinearOperator
{
    readonly Tensor _diagonal; // [n, 1], broadcasts over the k columns of a block

    public DiagonalOperator(Tensor diagonal)
        : base(diagonal.shape[0], diagonal.dtype)
    {
        if (diagonal.dim() != 1)
            throw new ArgumentException($"diagonal must be a vector; got shape [{string.Join(", ", diagonal.shape)}]", nameof(diagonal));
        // Owned by the operator, not by whatever dispose scope the caller has open.
        _diagonal = diagonal.detach().reshape(-1, 1).contiguous().clone().DetachFromDisposeScope();
    }

    protected override Tensor MultiplyCore(Tensor block) => block.mul(_diagonal);

    protected override void Dispose(bool disposing) => _diagonal.Dispose();
}
