using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Operators;

/// <summary>
/// Base class for operators: validates the argument of <see cref="Multiply"/> (shape, dtype, device) in C#
/// — a native libtorch error aborts the process on Linux — then calls <see cref="MultiplyCore"/> with an
/// [n, k] block in <see cref="DType"/>, and casts the result back to the caller's dtype.
/// </summary>
public abstract class LinearOperator : ILinearOperator, IProductSessions, IDisposable
{
    /// <summary>Creates an operator of dimension <paramref name="size"/> computing in <paramref name="dtype"/>.</summary>
    protected LinearOperator(long size, ScalarType dtype)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        if (!IsFloatingPoint(dtype))
            throw new ArgumentException($"operator dtype must be floating point, got {dtype}", nameof(dtype));
        Size = size;
        DType = dtype;
    }

    /// <inheritdoc/>
    public long Size { get; }

    /// <inheritdoc/>
    public ScalarType DType { get; }

    /// <inheritdoc/>
    public Tensor Multiply(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        ValidateArgument(x, Size);
        using var scope = NewDisposeScope();
        var block = x.dim() == 1 ? x.unsqueeze(1) : x;
        var input = block.dtype == DType ? block : block.to_type(DType);
        Tensor product;
        using (no_grad())
            product = MultiplyCore(input);
        if (ReferenceEquals(product, input) || ReferenceEquals(product, block) || ReferenceEquals(product, x))
            product = product.clone();
        if (product.dim() != 2 || product.shape[0] != Size || product.shape[1] != block.shape[1])
            throw new InvalidOperationException(
                $"{GetType().Name}.MultiplyCore returned shape [{string.Join(", ", product.shape)}] for a block of shape [{Size}, {block.shape[1]}]");
        var result = product.dtype == x.dtype ? product : product.to_type(x.dtype);
        if (x.dim() == 1) result = result.squeeze(1);
        return result.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Computes A·X for a block X of shape [n, k] in <see cref="DType"/>; called without autograd
    /// recording and inside a dispose scope, so temporaries need no disposal. Must not modify X.</summary>
    protected abstract Tensor MultiplyCore(Tensor block);

    /// <summary>Throws a readable .NET exception for any argument a native call would reject.</summary>
    internal static void ValidateArgument(Tensor x, long size)
    {
        if (x.IsInvalid)
            throw new ObjectDisposedException(nameof(x), "the vector passed to Multiply was already disposed");
        if (x.dim() is not (1 or 2))
            throw new ArgumentException($"Multiply takes a vector [n] or a block [n, k]; got shape [{string.Join(", ", x.shape)}]", nameof(x));
        if (x.shape[0] != size)
            throw new ArgumentException($"operator has size {size} but the argument has shape [{string.Join(", ", x.shape)}]", nameof(x));
        if (x.dim() == 2 && x.shape[1] == 0)
            throw new ArgumentException($"a block must have at least one column; got shape [{string.Join(", ", x.shape)}]", nameof(x));
        if (!IsFloatingPoint(x.dtype))
            throw new ArgumentException($"Multiply needs a floating-point argument; got {x.dtype}", nameof(x));
        if (x.device_type != DeviceType.CPU)
            throw new ArgumentException($"Curvature runs on CPU; the argument is on {x.device}", nameof(x));
    }

    internal static bool IsFloatingPoint(ScalarType t) =>
        t is ScalarType.Float64 or ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16;

    /// <summary>Operators this one multiplies with (wrappers, sums): a product session on this operator opens one on each.</summary>
    protected virtual IReadOnlyList<ILinearOperator> WrappedOperators => [];

    /// <inheritdoc/>
    public virtual IDisposable BeginProductSession() => ProductSession.BeginAll(WrappedOperators);

    /// <summary>Releases tensors the operator owns.</summary>
    protected virtual void Dispose(bool disposing) { }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }
}
