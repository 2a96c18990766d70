using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Curvature.Models;

/// <summary>
/// A plain convolutional network, built as the PyTorch module
/// <code>
/// nn.Sequential(nn.Conv2d(c_in, c1, k1, stride=s1, padding=p1), [norm2d(c1)], act(),
///               nn.Conv2d(c1, c2, k2, stride=s2, padding=p2), [norm2d(c2)], act(), …,
///               [nn.AdaptiveAvgPool2d(1)], nn.Flatten(), nn.Linear(flat, classes))
/// </code>
/// Square kernels, convolutions with bias, zero padding. Each convolution maps H to ⌊(H + 2p − k)/s⌋ + 1 (PyTorch
/// Conv2d docs, dilation 1); flat = c_last·H_last·W_last, or c_last with the global average pool. State keys are the
/// Sequential indices: 0.weight, 0.bias, [1.weight, 1.bias, 1.running_mean, …], then the next conv, …. See
/// docs/MODELS.md.
/// </summary>
/// <param name="InputChannels">c_in (≥ 1).</param>
/// <param name="Height">Input height H (≥ 1).</param>
/// <param name="Width">Input width W (≥ 1).</param>
/// <param name="Channels">Output channels of each convolution (at least one layer; each ≥ 1).</param>
/// <param name="Kernels">Kernel size of each convolution (one per layer; each ≥ 1).</param>
/// <param name="Strides">Stride of each convolution (one per layer; each ≥ 1).</param>
/// <param name="Padding">Zero padding of each convolution (one per layer; each ≥ 0).</param>
/// <param name="Classes">Number of outputs (≥ 1).</param>
/// <param name="Activation">Nonlinearity after each convolution (and its norm).</param>
/// <param name="Norm">Normalisation after each convolution (PyTorch equivalents in <see cref="NormKind"/>).</param>
/// <param name="GlobalAveragePool">Average each channel over space before the Linear (nn.AdaptiveAvgPool2d(1)).</param>
public sealed record CnnSpec(int InputChannels, int Height, int Width,
    IReadOnlyList<int> Channels, IReadOnlyList<int> Kernels, IReadOnlyList<int> Strides, IReadOnlyList<int> Padding,
    int Classes, Activation Activation = Activation.Relu, NormKind Norm = NormKind.None, bool GlobalAveragePool = false)
{
    /// <summary>s: every Conv2d and Linear weight is multiplied by s after the default initialisation (biases are
    /// not); 1 (PyTorch's initialisation unchanged) by default.</summary>
    public double InitScale { get; init; } = 1.0;

    /// <summary>Upper bound on the number of groups of a <see cref="NormKind.Group"/> layer (rule in
    /// <see cref="GroupNormRule.Groups"/>); default <see cref="GroupNormRule.DefaultMaxGroups"/>.</summary>
    public int GroupNormMaxGroups { get; init; } = GroupNormRule.DefaultMaxGroups;

    /// <summary>Throws <see cref="ArgumentException"/> with a one-line message naming the first bad setting,
    /// including a convolution whose output would be smaller than 1×1.</summary>
    public void Validate() => _ = FeatureMaps();

    /// <summary>The output shape (channels, height, width) of each convolution, in order.</summary>
    /// <exception cref="ArgumentException">An invalid spec.</exception>
    public IReadOnlyList<(int Channels, int Height, int Width)> FeatureMaps()
    {
        if (InputChannels < 1) throw new ArgumentException($"cnn: the input channels must be at least 1; got {InputChannels}");
        if (Height < 1 || Width < 1) throw new ArgumentException($"cnn: the input must be at least 1×1; got {Height}×{Width}");
        if (Channels is null || Channels.Count == 0) throw new ArgumentException("cnn: at least one convolution is needed (channels is empty)");
        int layers = Channels.Count;
        CheckCount(Kernels, "kernels", layers);
        CheckCount(Strides, "strides", layers);
        CheckCount(Padding, "padding", layers);
        if (Classes < 1) throw new ArgumentException($"cnn: the number of classes must be at least 1; got {Classes}");
        if (!Enum.IsDefined(Activation)) throw new ArgumentException($"cnn: unknown activation {Activation}");
        if (!Enum.IsDefined(Norm)) throw new ArgumentException($"cnn: unknown norm {Norm}");
        ZooLayers.CheckInitScale(InitScale);
        ZooLayers.CheckMaxGroups(GroupNormMaxGroups);

        var maps = new List<(int, int, int)>(layers);
        int h = Height, w = Width;
        for (int i = 0; i < layers; i++)
        {
            int c = Channels[i], k = Kernels[i], s = Strides[i], p = Padding[i];
            if (c < 1) throw new ArgumentException($"cnn: layer {i + 1} must have at least 1 channel; got {c}");
            if (k < 1) throw new ArgumentException($"cnn: layer {i + 1} kernel size must be at least 1; got {k}");
            if (s < 1) throw new ArgumentException($"cnn: layer {i + 1} stride must be at least 1; got {s}");
            if (p < 0) throw new ArgumentException($"cnn: layer {i + 1} padding must be non-negative; got {p}");
            int outH = OutputSize(h, k, s, p), outW = OutputSize(w, k, s, p);
            if (outH < 1 || outW < 1)
                throw new ArgumentException(
                    $"cnn: layer {i + 1} (kernel {k}, stride {s}, padding {p}) turns a {h}×{w} input into {outH}×{outW}; it must stay at least 1×1");
            h = outH;
            w = outW;
            maps.Add((c, h, w));
        }
        return maps;
    }

    /// <summary>The number of inputs of the final Linear: c_last·H_last·W_last, or c_last with the global average pool.</summary>
    public int FlatFeatures
    {
        get
        {
            var last = FeatureMaps()[^1];
            long flat = GlobalAveragePool ? last.Channels : (long)last.Channels * last.Height * last.Width;
            if (flat > int.MaxValue) throw new ArgumentException($"cnn: the flattened feature map has {flat} values, too many");
            return (int)flat;
        }
    }

    /// <summary>The number of trainable parameters: Σ_convs (c_in·k² + 1)·c_out, plus 2·c_out per batch, layer or
    /// group norm, plus (flat + 1)·classes.</summary>
    public long ParameterCount
    {
        get
        {
            var maps = FeatureMaps();
            long count = 0, c = InputChannels;
            for (int i = 0; i < maps.Count; i++)
            {
                long k = Kernels[i], outC = maps[i].Channels;
                count += (c * k * k + 1) * outC + (Norm is NormKind.Batch or NormKind.Layer or NormKind.Group ? 2 * outC : 0);
                c = outC;
            }
            return count + ((long)FlatFeatures + 1) * Classes;
        }
    }

    /// <summary>Builds the network with a generator seeded by <paramref name="seed"/> (see
    /// <see cref="Build(ScalarType, Generator)"/>).</summary>
    public Sequential Build(ScalarType dtype, ulong seed)
    {
        using var generator = new Generator(seed);
        return Build(dtype, generator);
    }

    /// <summary>Builds the network in <paramref name="dtype"/> (Float32 or Float64), in train mode, with PyTorch's
    /// default initialisation drawn from <paramref name="generator"/> (Conv2d and Linear weight and bias
    /// ~ U(±1/√fan_in), fan_in = c_in·k² for a convolution; norm layers weight 1, bias 0), then weights ×
    /// <see cref="InitScale"/>.</summary>
    /// <exception cref="ArgumentException">An invalid spec or dtype.</exception>
    public Sequential Build(ScalarType dtype, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        // Frees the temporaries TorchSharp's constructors leave behind (Conv2d leaves one); module parameters and
        // buffers are never owned by a dispose scope, so the model survives it.
        using var scope = NewDisposeScope();
        var maps = FeatureMaps();
        ZooLayers.CheckDtype(dtype);
        var layers = new List<nn.Module<Tensor, Tensor>>();
        int c = InputChannels;
        for (int i = 0; i < maps.Count; i++)
        {
            layers.Add(nn.Conv2d(c, Channels[i], Kernels[i], stride: Strides[i], padding: Padding[i], dtype: dtype));
            if (ZooLayers.Norm2d(Norm, Channels[i], dtype, GroupNormMaxGroups) is { } norm) layers.Add(norm);
            layers.Add(ZooLayers.Activation(Activation));
            c = Channels[i];
        }
        if (GlobalAveragePool) layers.Add(nn.AdaptiveAvgPool2d(1));
        layers.Add(nn.Flatten());
        layers.Add(nn.Linear(FlatFeatures, Classes, dtype: dtype));
        var model = nn.Sequential(layers);
        DefaultInit.Apply(model, generator, InitScale);
        model.train();
        return model;
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="input"/> is [B, c_in, H, W] in the given
    /// dtype — a check to run before a forward pass, since a shape error inside libtorch is reported by native code.</summary>
    public void ValidateInput(Tensor input, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() != 4 || input.shape[1] != InputChannels || input.shape[2] != Height || input.shape[3] != Width)
            throw new ArgumentException(
                $"cnn: expects input [B, {InputChannels}, {Height}, {Width}]; got [{string.Join(", ", input.shape)}]");
        if (input.dtype != dtype)
            throw new ArgumentException($"cnn: the model is {dtype}; got a {input.dtype} input");
    }

    private static int OutputSize(int size, int kernel, int stride, int padding) =>
        (int)Math.Floor((size + 2.0 * padding - kernel) / stride) + 1;

    private static void CheckCount(IReadOnlyList<int>? list, string name, int layers)
    {
        if (list is null || list.Count != layers)
            throw new ArgumentException($"cnn: {name} needs one value per convolution ({layers}); got {list?.Count ?? 0}");
    }

    /// <inheritdoc/>
    public bool Equals(CnnSpec? other) =>
        other is not null && InputChannels == other.InputChannels && Height == other.Height && Width == other.Width
        && SpecText.SameList(Channels, other.Channels) && SpecText.SameList(Kernels, other.Kernels)
        && SpecText.SameList(Strides, other.Strides) && SpecText.SameList(Padding, other.Padding)
        && Classes == other.Classes && Activation == other.Activation && Norm == other.Norm
        && GlobalAveragePool == other.GlobalAveragePool && InitScale.Equals(other.InitScale)
        && GroupNormMaxGroups == other.GroupNormMaxGroups;

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(HashCode.Combine(InputChannels, Height, Width, Classes, Activation, Norm, GlobalAveragePool),
            SpecText.ListHash(Channels), SpecText.ListHash(Kernels), SpecText.ListHash(Strides),
            SpecText.ListHash(Padding), InitScale, GroupNormMaxGroups);
}
