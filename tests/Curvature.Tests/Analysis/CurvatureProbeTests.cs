using Curvature.Analysis;
using Curvature.Data;
using Curvature.Operators;
using Curvature.Tests.Operators.Network;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Curvature.Tests.Analysis;

public sealed class CurvatureProbeTests
{
    /// <summary>An MLP 784-1-10 with BatchNorm (807 parameters) on the first 128 embedded Fashion-MNIST test
    /// images: real data, small enough to materialise in the fast suite (the verification project repeats this at
    /// 3,198 parameters and 1,000 images).</summary>
    static (TorchSharp.Modules.Sequential Model, NetworkData Data) RealMlp()
    {
        using var images = FashionMnist.LoadDefault(samples: 128);
        var model = Sequential(("0", Flatten()), ("1", Linear(784, 1)), ("2", BatchNorm1d(1)), ("3", Tanh()), ("4", Linear(1, 10)));
        model.to(ScalarType.Float64);
        TinyNetworks.Seeded(model, 5, scale: 0.1);
        return (model, new NetworkData(images.Images, images.Labels, batchSize: 64));
    }

    [Theory]
    [InlineData(BatchNormMode.Train)]
    [InlineData(BatchNormMode.Eval)]
    public void ExactModeConfirmsLanczosAndSlqOnRealData(BatchNormMode mode)
    {
        var (model, data) = RealMlp();
        using (data)
        {
            using var h = new HessianOperator(model, LossKind.CrossEntropy, data, mode);
            using var gen = new Generator(7);
            var report = CurvatureProbe.Run(h, "hessian", new CurvatureProbeOptions(TopK: 10, LanczosSteps: 60, Probes: 20, Exact: true), gen);
            var exact = report.Exact!;
            Assert.Equal(807, report.NumParams);
            Assert.All(report.Converged, Assert.True);
            Assert.All(exact.TopRelativeErrors, e => Assert.True(e <= 1e-8, $"top-10 relative error {e:G3}"));
            Assert.True(Math.Abs(exact.TraceErrorInStderrs) <= 3, $"SLQ trace off by {exact.TraceErrorInStderrs:F2} SE");
            Assert.True(exact.Asymmetry < 1e-10, $"materialised Hessian asymmetry {exact.Asymmetry:G3}");
            Assert.Equal(exact.ExactGradientOverlapTopk, report.GradientOverlapTopk, 6);
            Assert.Equal(report.TopEigenvalues[0] / report.TopEigenvalues[9], report.Lambda1OverLambdak, 12);
            Assert.InRange(report.GradientOverlapTopk, 0, 1 + 1e-12);
            Assert.True(report.HvpCount > 0);
        }
    }

    [Fact]
    public void GradientCurvatureIsTheRayleighQuotientOfTheGradient()
    {
        var model = TinyNetworks.Mlp(5, 4, 3, batchNorm: true, seed: 8);
        using var data = TinyNetworks.Classification(30, [5], 3, seed: 9, batchSize: 10);
        using var h = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        using var gen = new Generator(10);
        var report = CurvatureProbe.Run(h, "hessian", new CurvatureProbeOptions(TopK: 3, LanczosSteps: 20, Probes: 4, Exact: true), gen);
        using var dense = h.ToDense();
        var (loss, g) = h.LossAndGradient();
        double expected = g.dot(dense.matmul(g)).item<double>() / g.dot(g).item<double>();
        Assert.Equal(expected, report.GradientCurvature, 10);
        Assert.Equal(loss, report.Loss, 12);
        Assert.Equal(3, report.TopEigenvalues.Length);
        Assert.Equal(report.Exact!.ExactNegativeMass, report.Exact.ExactEigenvalues.Where(x => x < 0).Sum(x => -x), 12);
    }

    [Fact]
    public void RejectsImpossibleRequests()
    {
        var model = TinyNetworks.Mlp(3, 2, 2, batchNorm: false, seed: 11);
        using var data = TinyNetworks.Classification(8, [3], 2, seed: 12);
        using var h = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Eval);
        using var gen = new Generator(13);
        Assert.Throws<ArgumentOutOfRangeException>(() => CurvatureProbe.Run(h, "hessian", new CurvatureProbeOptions(TopK: 100), gen));
        Assert.Throws<ArgumentOutOfRangeException>(() => CurvatureProbe.Run(h, "hessian", new CurvatureProbeOptions(LanczosSteps: 0), gen));
        Assert.Throws<ArgumentOutOfRangeException>(() => CurvatureProbe.Run(h, "hessian", new CurvatureProbeOptions(Probes: 0), gen));
        Assert.Equal(0, LiveTensors.LeakedBy(() => CurvatureProbe.Run(h, "hessian", new CurvatureProbeOptions(TopK: 2, LanczosSteps: 5, Probes: 2), gen)));
    }
}
