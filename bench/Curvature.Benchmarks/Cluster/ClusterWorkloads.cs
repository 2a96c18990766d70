using Curvature.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Benchmarks.Cluster;

/// <summary>A network of the cluster benchmark: the zoo spec the run manifest names (so the shards rebuild it), the dtype
/// of its products, the shape of one sample and the timed calls per block width.</summary>
/// <param name="Key">Selector of <c>--workloads</c>.</param>
/// <param name="Name">Table heading.</param>
/// <param name="Spec">An <see cref="MlpSpec"/> or a <see cref="ResNetSpec"/>.</param>
/// <param name="DType">Products' dtype (the manifest's).</param>
/// <param name="SampleShape">One input sample.</param>
/// <param name="Repetitions1">Timed k = 1 calls (after the warm-up call that activates shards and builds the graphs).</param>
/// <param name="Repetitions8">Timed k = 8 calls.</param>
/// <param name="Configs">The configurations it runs in (keys of <see cref="ClusterConfig.All"/>).</param>
public sealed record ClusterWorkload(string Key, string Name, object Spec, ScalarType DType, long[] SampleShape, int Repetitions1, int Repetitions8,
                                     IReadOnlyList<string> Configs)
{
    /// <summary>n, the operator's dimension.</summary>
    public long Parameters => Spec switch
    {
        MlpSpec m => m.ParameterCount,
        ResNetSpec r => r.ParameterCount,
        _ => throw new InvalidOperationException($"no parameter count for {Spec}"),
    };

    /// <summary>The network with seeded initial weights.</summary>
    public nn.Module<Tensor, Tensor> Build(ulong seed) => Spec switch
    {
        MlpSpec m => m.Build(DType, seed),
        ResNetSpec r => r.Build(DType, seed),
        _ => throw new InvalidOperationException($"no builder for {Spec}"),
    };
}

/// <summary>The workloads of issue 7's benchmark, on Fashion-MNIST images (1×28×28). Their default repetitions and
/// configurations keep the default verb under 10 minutes on 2 cores: a k = 8 call takes ~3–9 s on the wide MLP and
/// ~15–20 s on ResNet-8, so those get fewer k = 8 calls and fewer configurations; the small MLP's calls take milliseconds,
/// so it gets more (a stray scheduler delay then moves neither the minimum nor the median).</summary>
public static class ClusterWorkloads
{
    /// <summary>Every configuration.</summary>
    static readonly string[] Every = ["local", "pool", "w0", "w1", "w1s2", "w2", "w2t1"];

    /// <summary>The workloads, with <paramref name="reps1"/>, <paramref name="reps8"/> and <paramref name="configs"/>
    /// overriding every workload's defaults when given.</summary>
    public static IReadOnlyList<ClusterWorkload> All(int? reps1, int? reps8, IReadOnlyList<string>? configs) =>
    [
        SmallMlp() with { Repetitions1 = reps1 ?? 20, Repetitions8 = reps8 ?? 10, Configs = configs ?? Every },
        WideMlp() with { Repetitions1 = reps1 ?? 10, Repetitions8 = reps8 ?? 2, Configs = configs ?? ["local", "pool", "w0", "w1", "w2", "w2t1"] },
        ResNet8() with { Repetitions1 = reps1 ?? 5, Repetitions8 = reps8 ?? 2, Configs = configs ?? ["local", "w0", "w1", "w2"] },
    ];

    /// <summary>The CLI's default model: MLP 784-64-32-10, tanh, no norm (52,650 parameters), float64.</summary>
    public static ClusterWorkload SmallMlp() =>
        new("mlp", "MLP 784-64-32-10 tanh (float64)", new MlpSpec(784, [64, 32], 10, Activation.Tanh, NormKind.None),
            ScalarType.Float64, [784], 10, 5, Every);

    /// <summary>A wide MLP 784-1024-1024-10, ReLU, BatchNorm after each hidden Linear (1,867,786 parameters), float64: a
    /// vector of 15 MB, so transfer and summation weigh against products that are still fast.</summary>
    public static ClusterWorkload WideMlp() =>
        new("mlp-bn", "MLP 784-1024-1024-10 ReLU BatchNorm (float64)", new MlpSpec(784, [1024, 1024], 10, Activation.Relu, NormKind.Batch),
            ScalarType.Float64, [784], 10, 5, Every);

    /// <summary>ResNet-8 as in <see cref="Network.NetworkWorkloads.ResNet8"/> (77,754 parameters), float32 products: the
    /// expensive product, where transfer is negligible.</summary>
    public static ClusterWorkload ResNet8() =>
        new("resnet", "ResNet-8 1x28x28 BatchNorm (float32)", new ResNetSpec(1, 10, NormKind.Batch, Activation.Relu, InputChannels: 1),
            ScalarType.Float32, [1, 28, 28], 5, 2, Every);
}
