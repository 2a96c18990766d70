using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Curvature.Models;

/// <summary>
/// PyTorch's default initialisation of Linear and Conv2d (their <c>reset_parameters</c>), redrawn from a passed
/// generator because TorchSharp 0.107's <c>init.kaiming_uniform_</c> takes none: weight ~ kaiming_uniform(a = √5),
/// i.e. U(−b, b) with b = gain·√(3/fan_in), gain = √(2/(1 + a²)) (He et al. 2015, "Delving deep into rectifiers", §2.2, with PyTorch's
/// leaky-ReLU gain), which is b = 1/√fan_in; bias ~ U(−1/√fan_in, 1/√fan_in). fan_in = in_features for a Linear
/// and in_channels·k_h·k_w for a Conv2d. Normalisation layers get PyTorch's deterministic defaults: weight 1, bias 0,
/// running mean 0, running variance 1, num_batches_tracked 0 — set here explicitly because TorchSharp 0.107's GroupNorm
/// leaves its affine parameters uninitialised when constructed with a dtype.
/// </summary>
/// <remarks>Values are drawn in float64 and rounded into the module's dtype, so one seed gives the same network
/// in float32 and float64 up to rounding. Modules are visited in registration order, each weight then its bias.
/// The module constructors themselves still draw from torch's global generator before this overwrites their
/// values; nothing here reads or seeds it.</remarks>
internal static class DefaultInit
{
    /// <summary>a = √5: the negative slope PyTorch passes to kaiming_uniform_ in Linear/Conv reset_parameters.</summary>
    private static readonly double KaimingA = Math.Sqrt(5);

    /// <summary>Redraws every Linear and Conv2d in <paramref name="model"/> and multiplies the weights (not the biases)
    /// by <paramref name="initScale"/>.</summary>
    public static void Apply(nn.Module model, Generator generator, double initScale)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var module in model.modules())
        {
            ResetNorm(module);
            var (weight, bias) = module switch
            {
                Linear linear => (linear.weight, linear.bias),
                Conv2d conv => (conv.weight, conv.bias),
                _ => (null, null),
            };
            if (weight is null) continue;
            long fanIn = weight.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            double gain = Math.Sqrt(2.0 / (1 + KaimingA * KaimingA));
            double weightBound = gain * Math.Sqrt(3.0 / fanIn);
            weight.copy_(Draw(weight.shape, weightBound, generator).mul_(initScale));
            if (bias is not null)
                bias.copy_(Draw(bias.shape, 1.0 / Math.Sqrt(fanIn), generator));
        }
    }

    private static void ResetNorm(nn.Module module)
    {
        switch (module)
        {
            case BatchNorm batch:
                batch.weight?.fill_(1);
                batch.bias?.zero_();
                batch.running_mean?.zero_();
                batch.running_var?.fill_(1);
                batch.num_batches_tracked?.zero_();
                break;
            case GroupNorm group:
                group.weight?.fill_(1);
                group.bias?.zero_();
                break;
            case LayerNorm layer:
                layer.weight?.fill_(1);
                layer.bias?.zero_();
                break;
        }
    }

    // Tensor.uniform_, not nn.init.uniform_: the latter ignores its generator argument in TorchSharp 0.107.
    private static Tensor Draw(long[] shape, double bound, Generator generator) =>
        empty(shape, dtype: ScalarType.Float64).uniform_(-bound, bound, generator);
}
