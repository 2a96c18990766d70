using static TorchSharp.torch;

namespace Curvature.Checkpoints;

/// <summary>The shape and dtype of one state-dict tensor, as the strict check compares them.</summary>
internal readonly record struct TensorEntry(long[] Shape, ScalarType DType)
{
    public static TensorEntry Of(Tensor tensor) => new(tensor.shape, tensor.dtype);

    public string ShapeText => $"[{string.Join(", ", Shape)}]";

    public bool SameShape(TensorEntry other) => Shape.AsSpan().SequenceEqual(other.Shape);
}
