using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Curvature.Tests.Models;

/// <summary>Eval-mode forward passes written directly from a PyTorch-layout state dict and the PyTorch definitions of
/// each layer (Linear: x Wᵀ + b; BatchNorm eval: (x − μ_run)/√(σ²_run + ε)·γ + β with ε = 1e-5; Conv2d via the
/// functional op on the [out, in, k, k] weight) — the reference a loaded zoo model must reproduce.</summary>
public static class ReferenceForward
{
    private const double BatchNormEps = 1e-5;

    private static Tensor Linear(Tensor x, IReadOnlyDictionary<string, Tensor> sd, string p) =>
        x.matmul(sd[$"{p}.weight"].t()) + sd[$"{p}.bias"];

    private static Tensor BatchNorm(Tensor x, IReadOnlyDictionary<string, Tensor> sd, string p)
    {
        var shape = new long[x.dim()];
        Array.Fill(shape, 1L);
        shape[1] = x.shape[1];
        return (x - sd[$"{p}.running_mean"].view(shape)) / (sd[$"{p}.running_var"].view(shape) + BatchNormEps).sqrt()
               * sd[$"{p}.weight"].view(shape) + sd[$"{p}.bias"].view(shape);
    }

    private static Tensor Conv(Tensor x, IReadOnlyDictionary<string, Tensor> sd, string p, long stride, long padding) =>
        F.conv2d(x, sd[$"{p}.weight"], sd.GetValueOrDefault($"{p}.bias"), strides: [stride, stride], padding: [padding, padding]);

    /// <summary>MLP 784-[8, 8]-10, batch norm, tanh (layout <see cref="PyTorchLayouts.MlpBatch"/>).</summary>
    public static Tensor MlpBatch(Tensor x, IReadOnlyDictionary<string, Tensor> sd)
    {
        var h = x.flatten(1);
        h = BatchNorm(Linear(h, sd, "1"), sd, "2").tanh();
        h = BatchNorm(Linear(h, sd, "4"), sd, "5").tanh();
        return Linear(h, sd, "7");
    }

    /// <summary>The CNN of <see cref="PyTorchLayouts.CnnBatchPooled"/>, ReLU.</summary>
    public static Tensor CnnBatchPooled(Tensor x, IReadOnlyDictionary<string, Tensor> sd)
    {
        var h = BatchNorm(Conv(x, sd, "0", 2, 1), sd, "1").relu();
        h = BatchNorm(Conv(h, sd, "3", 1, 0), sd, "4").relu();
        return Linear(h.mean([2, 3]), sd, "8");
    }

    /// <summary>ResNet-8 with batch norm and ReLU (<see cref="PyTorchLayouts.ResNet8"/>): torchvision's BasicBlock.</summary>
    public static Tensor ResNet8Batch(Tensor x, IReadOnlyDictionary<string, Tensor> sd)
    {
        var h = BatchNorm(Conv(x, sd, "conv1", 1, 1), sd, "bn1").relu();
        h = Block(h, sd, "layer1.0", 1, downsample: false);
        h = Block(h, sd, "layer2.0", 2, downsample: true);
        h = Block(h, sd, "layer3.0", 2, downsample: true);
        return Linear(h.mean([2, 3]), sd, "fc");
    }

    private static Tensor Block(Tensor x, IReadOnlyDictionary<string, Tensor> sd, string p, long stride, bool downsample)
    {
        var h = BatchNorm(Conv(x, sd, $"{p}.conv1", stride, 1), sd, $"{p}.bn1").relu();
        h = BatchNorm(Conv(h, sd, $"{p}.conv2", 1, 1), sd, $"{p}.bn2");
        var shortcut = downsample ? BatchNorm(Conv(x, sd, $"{p}.downsample.0", stride, 0), sd, $"{p}.downsample.1") : x;
        return (h + shortcut).relu();
    }
}
