using Curvature.Analysis;
using Curvature.Data;
using Curvature.Models;
using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Verification.Network;

/// <summary>The network operators on the zoo's own architectures (not test doubles), against central finite
/// differences and the dense spectrum.</summary>
public sealed class ZooHessianTests
{
    /// <summary>Central differences at h = ε^(1/3): O(h²) truncation ≈ 4e-11 relative for smooth (tanh) nets, so
    /// 1e-8 (the bound) holds with room; ReLU nets are excluded — their Hessian is not the limit of
    /// difference quotients across kinks.</summary>
    const double FiniteDifferenceTolerance = 1e-8;

    static NetworkData Images(int count, long channels, long size, int classes, ulong seed)
    {
        using var gen = new Generator(seed);
        using var x = randn(count, channels, size, size, dtype: ScalarType.Float64, generator: gen);
        using var y = randint(0, classes, [count], generator: gen);
        return new NetworkData(x, y, batchSize: count / 2);
    }

    static void AssertHvpMatchesFiniteDifferences(nn.Module<Tensor, Tensor> model, NetworkData data, BatchNormMode mode)
    {
        using var scope = NewDisposeScope();
        using var h = new HessianOperator(model, LossKind.CrossEntropy, data, mode);
        using var fd = new FiniteDifferenceHessianOperator(model, LossKind.CrossEntropy, data, mode);
        using var gen = new Generator(3);
        var v = randn(h.Size, 2, dtype: ScalarType.Float64, generator: gen);
        var exact = h.Multiply(v);
        double error = (exact - fd.Multiply(v)).norm().item<double>() / exact.norm().item<double>();
        Assert.True(error <= FiniteDifferenceTolerance, $"{mode}: relative error {error:G3}");
    }

    [Theory]
    [InlineData(BatchNormMode.Train)]
    [InlineData(BatchNormMode.Eval)]
    public void ZooMlpCnnAndResNetWithBatchNormMatchFiniteDifferences(BatchNormMode mode)
    {
        using var flat = Images(16, 1, 6, 4, 1);
        AssertHvpMatchesFiniteDifferences(new MlpSpec(36, [8, 6], 4, Activation.Tanh, NormKind.Batch).Build(ScalarType.Float64, 2), flat, mode);
        using var images = Images(8, 1, 8, 3, 4);
        AssertHvpMatchesFiniteDifferences(new CnnSpec(1, 8, 8, [3, 4], [3, 3], [2, 1], [1, 0], 3, Activation.Tanh, NormKind.Batch).Build(ScalarType.Float64, 5), images, mode);
        using var colour = Images(4, 3, 8, 3, 6);
        AssertHvpMatchesFiniteDifferences(new ResNetSpec(1, 3, NormKind.Batch, Activation.Tanh).Build(ScalarType.Float64, 7), colour, mode);
    }

    /// <summary>Issue 3's acceptance: an MLP of a few thousand parameters (784-4-10 with BatchNorm: 3,198) on real
    /// Fashion-MNIST, in both BatchNorm modes: Lanczos top-10 equal the dense eigenvalues to 1e-8 relative and the
    /// SLQ trace lies within 3 standard errors of the exact trace.</summary>
    [Theory]
    [InlineData(BatchNormMode.Train)]
    [InlineData(BatchNormMode.Eval)]
    public void ExactModeOnAFewThousandParametersOfRealData(BatchNormMode mode)
    {
        using var images = FashionMnist.LoadDefault(samples: 1000);
        var model = new MlpSpec(784, [4], 10, Activation.Tanh, NormKind.Batch).Build(ScalarType.Float64, 11);
        using var data = new NetworkData(images.Images, images.Labels);
        using var h = new HessianOperator(model, LossKind.CrossEntropy, data, mode);
        using var gen = new Generator(12);
        var report = CurvatureProbe.Run(h, "hessian", new CurvatureProbeOptions(TopK: 10, Probes: 20, LanczosSteps: 60, Exact: true), gen);
        Assert.Equal(3198, report.NumParams);
        Assert.All(report.Exact!.TopRelativeErrors, e => Assert.True(e <= 1e-8, $"relative error {e:G3}"));
        Assert.True(Math.Abs(report.Exact.TraceErrorInStderrs) <= 3, $"trace off by {report.Exact.TraceErrorInStderrs:F2} SE");
    }
}
