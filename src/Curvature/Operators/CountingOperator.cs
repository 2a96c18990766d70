using TorchSharp;

namespace Curvature.Operators;

/// <summary>Passes products through to another operator and reports the running count of vectors multiplied
/// (a block of k counts k) — how a silent library feeds a caller's progress bar.</summary>
public sealed class CountingOperator(ILinearOperator inner, Action<long> onProducts) : LinearOperator(inner.Size, inner.DType)
{
    /// <summary>Vectors multiplied so far.</summary>
    public long Count { get; private set; }

    /// <inheritdoc/>
    protected override IReadOnlyList<ILinearOperator> WrappedOperators => [inner];

    /// <inheritdoc/>
    protected override torch.Tensor MultiplyCore(torch.Tensor block)
    {
        var product = inner.Multiply(block);
        Count += block.shape[1];
        onProducts(Count);
        return product;
    }
}
