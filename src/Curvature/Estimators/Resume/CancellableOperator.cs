using Curvature.Operators;
using TorchSharp;

namespace Curvature.Estimators;

/// <summary>Passes products through, throwing <see cref="OperationCanceledException"/> before a product once
/// cancellation is requested: how stages without a resumable middle (Hutch++, exact mode) stop between products.</summary>
internal sealed class CancellableOperator(ILinearOperator inner, CancellationToken cancellation) : ILinearOperator, IProductSessions
{
    public IDisposable BeginProductSession() => ProductSession.Begin(inner);

    public long Size => inner.Size;
    public torch.ScalarType DType => inner.DType;

    public torch.Tensor Multiply(torch.Tensor x)
    {
        cancellation.ThrowIfCancellationRequested();
        return inner.Multiply(x);
    }
}
