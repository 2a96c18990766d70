using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Curvature.Models;

/// <summary>A parameter or buffer holding NaN or infinite values.</summary>
/// <param name="Name">Its state-dict key, e.g. "1.weight".</param>
/// <param name="NaNs">How many of its values are NaN.</param>
/// <param name="Infinities">How many are ±∞.</param>
/// <param name="Count">How many values it has.</param>
public sealed record NonFiniteEntry(string Name, long NaNs, long Infinities, long Count)
{
    /// <summary>"NaN in 1.weight (1 of 64 values)", "∞ in 3.bias (2 of 10 values)" or both.</summary>
    public override string ToString()
    {
        string what = NaNs > 0 && Infinities > 0 ? "NaN and ∞" : NaNs > 0 ? "NaN" : "∞";
        return $"{what} in {Name} ({NaNs + Infinities} of {Count} values)";
    }
}

/// <summary>
/// Checks run in C# before a model is called: on this platform a libtorch error (a shape mismatch inside a Linear or a
/// Conv2d, a label out of range in a loss) can abort the whole process instead of raising an exception, so the common
/// mistakes — data of the wrong shape for the model, weights that are NaN — are found here and reported as
/// <see cref="ArgumentException"/>s with readable messages.
/// </summary>
public static class ModelChecks
{
    /// <summary>The first floating-point parameter or buffer (state-dict order) with a NaN or ±∞, or null when all are finite.</summary>
    public static NonFiniteEntry? FindNonFinite(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        foreach (var (name, tensor) in model.state_dict())
        {
            if (!tensor.is_floating_point() || tensor.numel() == 0) continue;
            using var noGrad = no_grad();
            if (tensor.isfinite().all().item<bool>()) continue;
            return new NonFiniteEntry(name, tensor.isnan().sum().item<long>(), tensor.isinf().sum().item<long>(), tensor.numel());
        }
        return null;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first parameter or buffer with a NaN or ±∞.</summary>
    public static void RequireFinite(nn.Module model, string what = "the weights")
    {
        if (FindNonFinite(model) is { } bad)
            throw new ArgumentException($"{what} contain {bad}; every loss and curvature value would be NaN");
    }

    /// <summary>
    /// Checks that <paramref name="model"/> accepts samples of shape <paramref name="sampleShape"/> (one sample, without
    /// the batch dimension) by following the shapes through the layers it knows — Flatten, Linear, Conv2d, adaptive
    /// average pooling, and the shape-preserving activations, norms and dropout — in a <see cref="Sequential"/> model
    /// (nested ones too). A model of another kind, or a layer it does not know, ends the walk; for those only the first
    /// Linear or Conv2d is checked (a Linear must see its in_features as the last dimension or as the flattened sample).
    /// </summary>
    /// <returns>The number of outputs per sample when the walk reached the end with a 1-dimensional shape, else null.</returns>
    /// <exception cref="ArgumentException">The model cannot take such samples; the message names the layer and both shapes.</exception>
    public static long? RequireInputShape(nn.Module model, IReadOnlyList<long> sampleShape)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sampleShape);
        if (sampleShape.Count == 0 || sampleShape.Any(d => d < 1))
            throw new ArgumentException($"a sample must have at least one dimension, each of size ≥ 1; got shape {Text(sampleShape)}");
        if (model is Sequential sequential)
        {
            var shape = Walk(sequential, sampleShape.ToArray(), "");
            return shape is { Length: 1 } ? shape[0] : null;
        }
        foreach (var (name, module) in model.named_modules())
        {
            switch (module)
            {
                case Linear linear:
                    long flat = sampleShape.Aggregate(1L, (a, b) => a * b);
                    if (sampleShape[^1] != linear.in_features && flat != linear.in_features)
                        throw Mismatch(name, $"Linear expects {linear.in_features} input features", sampleShape);
                    return null;
                case Conv2d conv:
                    RequireConvInput(name, conv, sampleShape.ToArray());
                    return null;
            }
        }
        return null;
    }

    /// <summary>The shape after <paramref name="sequential"/>, or null once a layer is not known.</summary>
    static long[]? Walk(Sequential sequential, long[] shape, string prefix)
    {
        foreach (var (childName, child) in sequential.named_children())
        {
            string name = prefix + childName;
            switch (child)
            {
                case Sequential inner:
                    var next = Walk(inner, shape, name + ".");
                    if (next is null) return null;
                    shape = next;
                    break;
                case Flatten flatten:
                    // Only the usual whole-sample flatten (PyTorch's default start_dim 1, end_dim -1) is followed.
                    if (flatten.start_dim != 1 || flatten.end_dim != -1) return null;
                    shape = [shape.Aggregate(1L, (a, b) => a * b)];
                    break;
                case Linear linear:
                    if (shape[^1] != linear.in_features) throw Mismatch(name, $"Linear expects {linear.in_features} input features", shape, inside: prefix.Length > 0 || name != "0");
                    shape = [.. shape[..^1], linear.out_features];
                    break;
                case Conv2d conv:
                    shape = RequireConvInput(name, conv, shape);
                    break;
                case AdaptiveAvgPool2d pool:
                    if (shape.Length != 3 || pool.output_size is not { Length: > 0 } size) return null;
                    shape = [shape[0], size[0], size[^1]];
                    break;
                case Tanh or ReLU or Sigmoid or GELU or SiLU or LeakyReLU or Identity or Dropout
                     or BatchNorm1d or BatchNorm2d or LayerNorm or GroupNorm or CenteredNorm or FeatureGroupNorm:
                    break;
                default:
                    return null;
            }
        }
        return shape;
    }

    /// <summary>Checks a Conv2d's input [C, H, W] and returns its output shape (PyTorch's formula, Conv2d docs):
    /// H' = ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1.</summary>
    static long[] RequireConvInput(string name, Conv2d conv, long[] shape)
    {
        if (shape.Length != 3 || shape[0] != conv.in_channels)
            throw Mismatch(name, $"Conv2d expects images [C = {conv.in_channels}, H, W]", shape);
        if (conv.padding_type is not null || conv.kernel_size is not { Length: 2 } kernel || conv.stride is not { Length: > 0 } stride
            || conv.padding is not { Length: > 0 } padding || conv.dilation is not { Length: > 0 } dilation)
            return [conv.out_channels, shape[1], shape[2]];
        var output = new long[3];
        output[0] = conv.out_channels;
        for (int i = 0; i < 2; i++)
        {
            long p = padding[Math.Min(i, padding.Length - 1)], s = stride[Math.Min(i, stride.Length - 1)], d = dilation[Math.Min(i, dilation.Length - 1)];
            long extent = shape[1 + i] + 2 * p - d * (kernel[i] - 1) - 1;
            if (extent < 0)
                throw Mismatch(name, $"Conv2d with kernel {kernel[0]}×{kernel[1]} needs images of at least {d * (kernel[i] - 1) + 1 - 2 * p} pixels per side", shape);
            output[1 + i] = extent / s + 1;
        }
        return output;
    }

    static ArgumentException Mismatch(string layer, string expectation, IReadOnlyList<long> shape, bool inside = false) =>
        new($"the model does not fit the data: layer '{layer}' ({expectation}) would receive {(inside ? "an input of shape" : "samples of shape")} {Text(shape)}"
            + (inside ? " from the layers before it" : "")
            + "; build the model for this data's sample shape");

    static string Text(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";
}
