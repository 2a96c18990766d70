using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Models;

/// <summary>One state-dict entry as PyTorch would write it: key, shape, dtype.</summary>
public sealed record LayoutEntry(string Key, long[] Shape, ScalarType DType)
{
    public override string ToString() => $"{Key} [{string.Join(", ", Shape)}] {DType}";
}

/// <summary>
/// Expected state-dict layouts of small zoo models, written out by hand from PyTorch's naming rules (a submodule's
/// keys are its attribute name or Sequential index, a dot, then the tensor name) and its tensor layouts (Linear
/// weight [out, in]; Conv2d weight [out, in, k, k]; BatchNorm weight, bias, running_mean, running_var [C] and
/// num_batches_tracked a 0-d int64; LayerNorm/GroupNorm weight, bias [C]). Independent of the code under test.
/// </summary>
public static class PyTorchLayouts
{
    public static IEnumerable<LayoutEntry> Linear(string prefix, long outputs, long inputs, ScalarType dtype) =>
    [
        new($"{prefix}.weight", [outputs, inputs], dtype),
        new($"{prefix}.bias", [outputs], dtype),
    ];

    public static IEnumerable<LayoutEntry> Conv(string prefix, long outputs, long inputs, long kernel, bool bias, ScalarType dtype) =>
        bias
            ? [new($"{prefix}.weight", [outputs, inputs, kernel, kernel], dtype), new($"{prefix}.bias", [outputs], dtype)]
            : [new($"{prefix}.weight", [outputs, inputs, kernel, kernel], dtype)];

    public static IEnumerable<LayoutEntry> BatchNorm(string prefix, long channels, ScalarType dtype) =>
    [
        new($"{prefix}.weight", [channels], dtype),
        new($"{prefix}.bias", [channels], dtype),
        new($"{prefix}.running_mean", [channels], dtype),
        new($"{prefix}.running_var", [channels], dtype),
        new($"{prefix}.num_batches_tracked", [], ScalarType.Int64),
    ];

    /// <summary>nn.LayerNorm(C) or nn.GroupNorm(G, C): an affine weight and bias.</summary>
    public static IEnumerable<LayoutEntry> AffineNorm(string prefix, long channels, ScalarType dtype) =>
    [
        new($"{prefix}.weight", [channels], dtype),
        new($"{prefix}.bias", [channels], dtype),
    ];

    public static IEnumerable<LayoutEntry> Centered(string prefix, long channels, ScalarType dtype) =>
    [
        new($"{prefix}.running_mean", [channels], dtype),
        new($"{prefix}.num_batches_tracked", [], ScalarType.Int64),
    ];

    /// <summary>MLP 784-[8, 8]-10 with batch norm:
    /// Sequential(Flatten, Linear, BatchNorm1d, Tanh, Linear, BatchNorm1d, Tanh, Linear) → indices 1, 2, 4, 5, 7.</summary>
    public static List<LayoutEntry> MlpBatch(ScalarType dtype) =>
    [
        .. Linear("1", 8, 784, dtype), .. BatchNorm("2", 8, dtype),
        .. Linear("4", 8, 8, dtype), .. BatchNorm("5", 8, dtype),
        .. Linear("7", 10, 8, dtype),
    ];

    /// <summary>MLP 784-[8, 8]-10 without norm: Sequential(Flatten, Linear, Tanh, Linear, Tanh, Linear) → 1, 3, 5.</summary>
    public static List<LayoutEntry> MlpPlain(ScalarType dtype) =>
        [.. Linear("1", 8, 784, dtype), .. Linear("3", 8, 8, dtype), .. Linear("5", 10, 8, dtype)];

    /// <summary>CNN 1×12×12, channels [4, 6], kernels [3, 3], strides [2, 1], padding [1, 0], batch norm, global
    /// average pool, 10 classes: Sequential(Conv2d, BatchNorm2d, ReLU, Conv2d, BatchNorm2d, ReLU,
    /// AdaptiveAvgPool2d, Flatten, Linear) → indices 0, 1, 3, 4, 8.</summary>
    public static List<LayoutEntry> CnnBatchPooled(ScalarType dtype) =>
    [
        .. Conv("0", 4, 1, 3, bias: true, dtype), .. BatchNorm("1", 4, dtype),
        .. Conv("3", 6, 4, 3, bias: true, dtype), .. BatchNorm("4", 6, dtype),
        .. Linear("8", 10, 6, dtype),
    ];

    /// <summary>The same CNN without norm or pool: 12 → ⌊(12 + 2 − 3)/2⌋ + 1 = 6 → 6 − 3 + 1 = 4, so flat = 6·4·4 = 96;
    /// Sequential(Conv2d, ReLU, Conv2d, ReLU, Flatten, Linear) → indices 0, 2, 5.</summary>
    public static List<LayoutEntry> CnnPlain(ScalarType dtype) =>
        [.. Conv("0", 4, 1, 3, bias: true, dtype), .. Conv("2", 6, 4, 3, bias: true, dtype), .. Linear("5", 10, 96, dtype)];

    /// <summary>torchvision-named CIFAR ResNet-8 (n = 1), 3 input channels, 10 classes; <paramref name="norm"/> gives
    /// the entries of one norm layer (null: no norm layers at all).</summary>
    public static List<LayoutEntry> ResNet8(Func<string, long, IEnumerable<LayoutEntry>>? norm, ScalarType dtype)
    {
        IEnumerable<LayoutEntry> Norm(string prefix, long c) => norm is null ? [] : norm(prefix, c);
        return
        [
            .. Conv("conv1", 16, 3, 3, bias: false, dtype), .. Norm("bn1", 16),
            .. Conv("layer1.0.conv1", 16, 16, 3, bias: false, dtype), .. Norm("layer1.0.bn1", 16),
            .. Conv("layer1.0.conv2", 16, 16, 3, bias: false, dtype), .. Norm("layer1.0.bn2", 16),
            .. Conv("layer2.0.conv1", 32, 16, 3, bias: false, dtype), .. Norm("layer2.0.bn1", 32),
            .. Conv("layer2.0.conv2", 32, 32, 3, bias: false, dtype), .. Norm("layer2.0.bn2", 32),
            .. Conv("layer2.0.downsample.0", 32, 16, 1, bias: false, dtype), .. Norm("layer2.0.downsample.1", 32),
            .. Conv("layer3.0.conv1", 64, 32, 3, bias: false, dtype), .. Norm("layer3.0.bn1", 64),
            .. Conv("layer3.0.conv2", 64, 64, 3, bias: false, dtype), .. Norm("layer3.0.bn2", 64),
            .. Conv("layer3.0.downsample.0", 64, 32, 1, bias: false, dtype), .. Norm("layer3.0.downsample.1", 64),
            .. Linear("fc", 10, 64, dtype),
        ];
    }

    /// <summary>The model's state dict as layout entries, sorted by key.</summary>
    public static List<LayoutEntry> Of(nn.Module model) =>
        model.state_dict().Select(kv => new LayoutEntry(kv.Key, kv.Value.shape, kv.Value.dtype))
            .OrderBy(e => e.Key, StringComparer.Ordinal).ToList();

    /// <summary>Asserts the model's keys, shapes and dtypes equal <paramref name="expected"/> (order aside: PyTorch
    /// lists module by module, TorchSharp parameters before buffers; loading ignores order).</summary>
    public static void AssertMatches(IEnumerable<LayoutEntry> expected, nn.Module model)
    {
        var want = expected.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.ToString()).ToList();
        var got = Of(model).Select(e => e.ToString()).ToList();
        Assert.Equal(want.Count, want.Distinct().Count());
        Assert.Equal(want, got);
    }

    /// <summary>A state dict with the layout's keys and shapes, as a PyTorch user's checkpoint would hold: floats
    /// uniform in [−1, 1], running variances in [0.5, 1.5], int64 counters 7. The caller disposes the tensors.</summary>
    public static Dictionary<string, Tensor> RandomStateDict(IEnumerable<LayoutEntry> layout, Generator generator)
    {
        var dict = new Dictionary<string, Tensor>();
        foreach (var entry in layout)
        {
            Tensor t;
            if (entry.DType == ScalarType.Int64) t = full(entry.Shape, 7L, dtype: ScalarType.Int64);
            else if (entry.Key.EndsWith(".running_var", StringComparison.Ordinal))
                t = rand(entry.Shape, dtype: entry.DType, generator: generator).add_(0.5);
            else t = rand(entry.Shape, dtype: entry.DType, generator: generator).mul_(2).sub_(1);
            dict.Add(entry.Key, t);
        }
        return dict;
    }
}
