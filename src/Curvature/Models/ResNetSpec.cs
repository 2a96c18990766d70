using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Models;

/// <summary>
/// The CIFAR ResNet-(6n+2) of He et al. 2016 (Deep Residual Learning, §4.2): a 3×3 convolution to 16 channels,
/// three stages of n basic blocks with 16, 32 and 64 channels (3×3 convolutions; stride 2 in the first block of
/// stages 2 and 3), global average pooling and a Linear to the classes. State keys follow torchvision's ResNet:
/// conv1.weight, bn1.*, layer1.0.conv1.weight, layer1.0.bn1.*, layer1.0.conv2.weight, layer1.0.bn2.*,
/// layer2.0.downsample.0.weight, layer2.0.downsample.1.*, …, fc.weight, fc.bias. The PyTorch code is in
/// docs/MODELS.md.
/// </summary>
/// <remarks>
/// <para>Shortcuts: where the shape changes (first block of stages 2 and 3) the shortcut is a projection, 1×1
/// convolution with the stride plus a norm (He et al.'s option B, torchvision's <c>downsample</c>); He et al. used
/// parameter-free zero-padding shortcuts (option A) for their CIFAR runs. We take B so the keys are torchvision's.</para>
/// <para>Convolutions have no bias, as in torchvision. Norms: Batch → BatchNorm2d; Layer → GroupNorm(1, C) (layer norm
/// over C, H, W with a per-channel affine); Group → GroupNorm(G, C) (<see cref="GroupNormRule"/>); Centered →
/// <see cref="CenteredNorm"/>; all stored under the torchvision "bn" names. With <see cref="NormKind.None"/> the bn
/// modules are absent (no bn keys; downsample is Sequential(conv) alone, key downsample.0.weight) — torchvision has
/// no such option, so such a checkpoint loads in PyTorch only into the same module with the norms removed.</para>
/// <para>Initialisation is PyTorch's module default (<c>reset_parameters</c>), not torchvision's ResNet re-init
/// (Kaiming-normal fan-out convolutions).</para>
/// </remarks>
/// <param name="Depth">n, the number of basic blocks per stage (≥ 1); the network has 6n + 2 weight layers.</param>
/// <param name="Classes">Number of outputs (≥ 1).</param>
/// <param name="Norm">Normalisation after every convolution.</param>
/// <param name="Activation">Nonlinearity (ReLU in He et al.).</param>
/// <param name="InputChannels">Channels of the input images (3 for CIFAR-10).</param>
public sealed record ResNetSpec(int Depth, int Classes, NormKind Norm = NormKind.Batch,
    Activation Activation = Activation.Relu, int InputChannels = 3)
{
    /// <summary>Channels of the three stages, 16, 32, 64 (He et al. 2016 §4.2).</summary>
    public static IReadOnlyList<int> StageWidths { get; } = [16, 32, 64];

    /// <summary>s: every Conv2d and Linear weight is multiplied by s after the default initialisation (biases are
    /// not); 1 by default.</summary>
    public double InitScale { get; init; } = 1.0;

    /// <summary>Upper bound on the number of groups of a <see cref="NormKind.Group"/> layer (rule in
    /// <see cref="GroupNormRule.Groups"/>: 8, 16, 32 groups for 16, 32, 64 channels with the default 32).</summary>
    public int GroupNormMaxGroups { get; init; } = GroupNormRule.DefaultMaxGroups;

    /// <summary>6n + 2, the number of weight layers (convolutions on the main path plus the Linear).</summary>
    public int Layers => 6 * Depth + 2;

    /// <summary>Throws <see cref="ArgumentException"/> with a one-line message naming the first bad setting.</summary>
    public void Validate()
    {
        if (Depth < 1) throw new ArgumentException($"resnet: the depth n (blocks per stage) must be at least 1; got {Depth}");
        if (Depth > MaxDepth) throw new ArgumentException($"resnet: the depth n must be at most {MaxDepth}; got {Depth}");
        if (Classes < 1) throw new ArgumentException($"resnet: the number of classes must be at least 1; got {Classes}");
        if (InputChannels < 1) throw new ArgumentException($"resnet: the input channels must be at least 1; got {InputChannels}");
        if (!Enum.IsDefined(Activation)) throw new ArgumentException($"resnet: unknown activation {Activation}");
        if (!Enum.IsDefined(Norm)) throw new ArgumentException($"resnet: unknown norm {Norm}");
        ZooLayers.CheckInitScale(InitScale);
        ZooLayers.CheckMaxGroups(GroupNormMaxGroups);
    }

    /// <summary>Largest n accepted, 200 (ResNet-1202, the deepest of He et al. §4.2, has n = 200): a guard against
    /// typos.</summary>
    public const int MaxDepth = 200;

    /// <summary>The number of trainable parameters: the stem 9·c_in·16; per block 9·c·w + 9·w·w; a 1×1 projection
    /// c·w in the first block of stages 2 and 3; 2·w per batch, layer or group norm; the Linear 65·classes.</summary>
    public long ParameterCount
    {
        get
        {
            Validate();
            long normPerChannel = Norm is NormKind.Batch or NormKind.Layer or NormKind.Group ? 2 : 0;
            long count = 9L * InputChannels * StageWidths[0] + normPerChannel * StageWidths[0];
            long c = StageWidths[0];
            foreach (long w in StageWidths)
            {
                for (int b = 0; b < Depth; b++)
                {
                    count += 9 * c * w + 9 * w * w + 2 * normPerChannel * w;
                    if (c != w) count += c * w + normPerChannel * w;
                    c = w;
                }
            }
            return count + (c + 1) * Classes;
        }
    }

    /// <summary>Builds the network with a generator seeded by <paramref name="seed"/> (see
    /// <see cref="Build(ScalarType, Generator)"/>).</summary>
    public nn.Module<Tensor, Tensor> Build(ScalarType dtype, ulong seed)
    {
        using var generator = new Generator(seed);
        return Build(dtype, generator);
    }

    /// <summary>Builds the network in <paramref name="dtype"/> (Float32 or Float64), in train mode, with PyTorch's
    /// default initialisation drawn from <paramref name="generator"/> (Conv2d and Linear weights
    /// ~ U(±1/√fan_in), the Linear bias likewise; norm layers weight 1, bias 0), then weights ×
    /// <see cref="InitScale"/>. Input [B, c_in, H, W] with any H, W ≥ 1; output [B, classes].</summary>
    /// <exception cref="ArgumentException">An invalid spec or dtype.</exception>
    public nn.Module<Tensor, Tensor> Build(ScalarType dtype, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        // Frees the temporaries TorchSharp's constructors leave behind (Conv2d leaves one); module parameters and
        // buffers are never owned by a dispose scope, so the model survives it.
        using var scope = NewDisposeScope();
        Validate();
        ZooLayers.CheckDtype(dtype);
        var model = new CifarResNet(this, dtype);
        DefaultInit.Apply(model, generator, InitScale);
        model.train();
        return model;
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="input"/> is [B, c_in, H, W] in the given
    /// dtype — a check to run before a forward pass, since a shape error inside libtorch is reported by native code.</summary>
    public void ValidateInput(Tensor input, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() != 4 || input.shape[1] != InputChannels || input.shape[2] < 1 || input.shape[3] < 1)
            throw new ArgumentException(
                $"resnet: expects input [B, {InputChannels}, H, W]; got [{string.Join(", ", input.shape)}]");
        if (input.dtype != dtype)
            throw new ArgumentException($"resnet: the model is {dtype}; got a {input.dtype} input");
    }
}
