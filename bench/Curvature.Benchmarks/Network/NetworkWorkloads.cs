using Curvature.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Benchmarks.Network;

/// <summary>A network of the issue-5 benchmark: a name, how to build it, and the input shape of one sample.</summary>
public sealed record NetworkWorkload(string Name, long Parameters, long[] SampleShape, Func<ScalarType, ulong, nn.Module<Tensor, Tensor>> Build);

/// <summary>The three networks of issue 5's first deliverable, all on Fashion-MNIST images (1×28×28), BatchNorm.</summary>
public static class NetworkWorkloads
{
    /// <summary>MLP 784-100-100-10, ReLU, BatchNorm after each hidden Linear.</summary>
    public static NetworkWorkload Mlp()
    {
        var spec = new MlpSpec(784, [100, 100], 10, Activation.Relu, NormKind.Batch);
        return new("MLP 784-100-100-10", spec.ParameterCount, [784], (d, s) => spec.Build(d, s));
    }

    /// <summary>CNN 1×28×28 → conv 16 (3×3, stride 2, pad 1) → conv 32 (3×3, stride 2, pad 1) → Linear(32·7·7, 10), BatchNorm, ReLU.</summary>
    public static NetworkWorkload Cnn()
    {
        var spec = new CnnSpec(1, 28, 28, [16, 32], [3, 3], [2, 2], [1, 1], 10, Activation.Relu, NormKind.Batch);
        return new("CNN 16-32 s2", spec.ParameterCount, [1, 28, 28], (d, s) => spec.Build(d, s));
    }

    /// <summary>CIFAR ResNet-8 (depth 1: one basic block per stage, 16/32/64 channels), BatchNorm, on 1×28×28 inputs.</summary>
    public static NetworkWorkload ResNet8()
    {
        var spec = new ResNetSpec(1, 10, NormKind.Batch, Activation.Relu, InputChannels: 1);
        return new("ResNet-8 (1x28x28)", spec.ParameterCount, [1, 28, 28], (d, s) => spec.Build(d, s));
    }

    /// <summary>CIFAR ResNet-20 (depth 3: three basic blocks per stage), BatchNorm, on 1×28×28 inputs.</summary>
    public static NetworkWorkload ResNet20()
    {
        var spec = new ResNetSpec(3, 10, NormKind.Batch, Activation.Relu, InputChannels: 1);
        return new("ResNet-20 (1x28x28)", spec.ParameterCount, [1, 28, 28], (d, s) => spec.Build(d, s));
    }

    /// <summary>The MLP and the CNN without BatchNorm (the same layers otherwise): separates the cost of BatchNorm's
    /// train-mode double backward from that of the linear and convolution layers (select with <c>--models nonorm</c>).</summary>
    public static IReadOnlyList<NetworkWorkload> WithoutNorm()
    {
        var mlp = new MlpSpec(784, [100, 100], 10, Activation.Relu, NormKind.None);
        var cnn = new CnnSpec(1, 28, 28, [16, 32], [3, 3], [2, 2], [1, 1], 10, Activation.Relu, NormKind.None);
        return [new("NoNorm MLP 784-100-100-10", mlp.ParameterCount, [784], (d, s) => mlp.Build(d, s)),
                new("NoNorm CNN 16-32 s2", cnn.ParameterCount, [1, 28, 28], (d, s) => cnn.Build(d, s))];
    }

    /// <summary>All workloads: those of issue 5, in order of cost, then the controls without BatchNorm.</summary>
    public static IReadOnlyList<NetworkWorkload> All() => [Mlp(), Cnn(), ResNet8(), ResNet20(), .. WithoutNorm()];
}
