using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Curvature.Models;

/// <summary>The building blocks shared by the zoo: activations, normalisation layers and the dtype check.</summary>
internal static class ZooLayers
{
    /// <summary>Throws unless the dtype is one a zoo model can be built in.</summary>
    public static void CheckDtype(ScalarType dtype)
    {
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"zoo models are built in float32 or float64; got {dtype}", nameof(dtype));
    }

    public static nn.Module<Tensor, Tensor> Activation(Activation activation) => activation switch
    {
        Models.Activation.Tanh => nn.Tanh(),
        Models.Activation.Relu => nn.ReLU(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation"),
    };

    /// <summary>The norm layer after a Linear with <paramref name="features"/> outputs (input [B, C]); null for None.</summary>
    public static nn.Module<Tensor, Tensor>? Norm1d(NormKind kind, int features, ScalarType dtype, int maxGroups) => kind switch
    {
        NormKind.None => null,
        NormKind.Batch => WithIntegerCounter(nn.BatchNorm1d(features, dtype: dtype)),
        NormKind.Layer => nn.LayerNorm(features, dtype: dtype),
        NormKind.Group => new FeatureGroupNorm(GroupNormRule.Groups(features, maxGroups), features, dtype),
        NormKind.Centered => new CenteredNorm(features, dtype),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown norm"),
    };

    /// <summary>The norm layer after a Conv2d with <paramref name="channels"/> outputs (input [B, C, H, W]); null for None.
    /// Layer norm over (C, H, W) with a per-channel affine is GroupNorm(1, C).</summary>
    public static nn.Module<Tensor, Tensor>? Norm2d(NormKind kind, int channels, ScalarType dtype, int maxGroups) => kind switch
    {
        NormKind.None => null,
        NormKind.Batch => WithIntegerCounter(nn.BatchNorm2d(channels, dtype: dtype)),
        NormKind.Layer => nn.GroupNorm(1, channels, dtype: dtype),
        NormKind.Group => nn.GroupNorm(GroupNormRule.Groups(channels, maxGroups), channels, dtype: dtype),
        NormKind.Centered => new CenteredNorm(channels, dtype),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown norm"),
    };

    /// <summary>TorchSharp 0.107 creates num_batches_tracked in the layer's dtype when one is passed; PyTorch keeps
    /// it int64, and a PyTorch checkpoint carries an int64. Replace it with a 0-dimensional int64 zero.</summary>
    private static BatchNorm WithIntegerCounter(BatchNorm norm)
    {
        var old = norm.num_batches_tracked;
        if (old is not null && old.dtype == ScalarType.Int64) return norm;
        norm.num_batches_tracked = tensor(0L).DetachFromDisposeScope();
        old?.Dispose();
        return norm;
    }

    /// <summary>Rejects non-finite or non-positive init scales.</summary>
    public static void CheckInitScale(double initScale)
    {
        if (!(initScale > 0) || double.IsInfinity(initScale))
            throw new ArgumentException($"the init scale must be positive and finite; got {initScale}");
    }

    /// <summary>Rejects a group bound below 1.</summary>
    public static void CheckMaxGroups(int maxGroups)
    {
        if (maxGroups < 1)
            throw new ArgumentException($"the group-norm bound on the number of groups must be at least 1; got {maxGroups}");
    }
}
