using Curvature.Models;
using Curvature.Operators;
using Curvature.Study;
using Curvature.Tests.Operators.Network;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Study;

public sealed class LayerCurvatureProbeTests
{
    /// <summary>Lanczos residual asked of the probe: tight enough that its error (≤ the residual, Parlett §11.5) is
    /// far below the finite-difference reference's.</summary>
    const double LanczosTolerance = 1e-10;

    /// <summary>The central-difference Hessian (h = ε^(1/3) ≈ 6e-6) differs from the exact one by O(h²·‖∇³L‖) +
    /// O(ε/h) ≈ 1e-10 relative on these smooth tanh nets — the operator tests bound it by 1e-8 for products; by Weyl's
    /// inequality an eigenvalue of the (symmetrised) block moves by at most ‖E‖₂ ≤ ‖E‖_F, so λ₁ agrees to 1e-8·‖H‖_F
    /// plus the Lanczos residual.</summary>
    const double FiniteDifferenceRelative = 1e-8;

    static (TorchSharp.Modules.Sequential Model, NetworkData Data, NetworkData Population) Mlp(bool batchNorm, ulong seed)
    {
        var model = TinyNetworks.Mlp(6, 5, 3, batchNorm, seed);
        return (model, TinyNetworks.Classification(24, [6], 3, seed + 1, batchSize: 12), TinyNetworks.Classification(40, [6], 3, seed + 2));
    }

    [Theory]
    [InlineData(false, BatchNormMode.Train)]
    [InlineData(true, BatchNormMode.Train)]
    [InlineData(true, BatchNormMode.Eval)]
    [InlineData(true, BatchNormMode.Population)]
    public void TopEigenvalueOfEachBlockMatchesTheFiniteDifferenceHessian(bool batchNorm, BatchNormMode mode)
    {
        using var scope = NewDisposeScope();
        var (model, data, population) = Mlp(batchNorm, seed: 60);
        using (data)
        using (population)
        {
            using var gen = new Generator(61);
            var layers = LayerCurvatureProbe.Run(model, LossKind.CrossEntropy, data, mode, population, LanczosTolerance, gen);

            using var fd = new FiniteDifferenceHessianOperator(model, LossKind.CrossEntropy, data, mode, population: population);
            var full = fd.ToDense();
            var names = fd.Parameters.Names.ToList();
            // Sequential: 0 flatten, 1 linear, [2 BatchNorm,] tanh, linear; the BatchNorm affine is not a layer.
            Assert.Equal(batchNorm ? ["1", "4"] : ["1", "3"], layers.Select(l => l.Layer));
            foreach (var layer in layers)
            {
                Assert.Equal([$"{layer.Layer}.weight", $"{layer.Layer}.bias"], layer.Parameters);
                long start = fd.Parameters.Offsets[names.IndexOf(layer.Parameters[0])];
                long end = fd.Parameters.Offsets[names.IndexOf(layer.Parameters[^1]) + 1];
                Assert.Equal(end - start, layer.Size);
                var block = full[TensorIndex.Slice(start, end), TensorIndex.Slice(start, end)];
                var symmetric = (block + block.T) / 2;
                double exact = linalg.eigvalsh(symmetric).max().item<double>();
                double bound = FiniteDifferenceRelative * symmetric.norm().item<double>() + layer.Residual;
                Assert.True(layer.Converged, $"{layer.Layer}: residual {layer.Residual:G3}");
                Assert.True(Math.Abs(layer.TopEigenvalue - exact) <= bound,
                    $"{mode} layer {layer.Layer}: λ₁ {layer.TopEigenvalue:R} vs finite differences {exact:R} (bound {bound:G3})");
                Assert.True(layer.Products >= 1);
            }
        }
    }

    [Theory]
    [InlineData(BatchNormMode.Train)]
    [InlineData(BatchNormMode.Population)]
    public void AnalysisLeavesTheModelByteIdentical(BatchNormMode mode)
    {
        using var scope = NewDisposeScope();
        var (model, data, population) = Mlp(batchNorm: true, seed: 62);
        using (data)
        using (population)
        {
            model.train();
            using (no_grad()) model.call(population.Inputs).Dispose();   // running statistics away from their defaults
            foreach (bool training in new[] { true, false })
            {
                model.train(training);
                string before = TinyNetworks.Fingerprint(model);
                using var gen = new Generator(63);
                LayerCurvatureProbe.Run(model, LossKind.CrossEntropy, data, mode, population, LanczosTolerance, gen);
                Assert.Equal(before, TinyNetworks.Fingerprint(model));
            }
        }
    }

    [Fact]
    public void RunLeavesNoLiveTensors()
    {
        var (model, data, population) = Mlp(batchNorm: true, seed: 64);
        using (data)
        using (population)
        {
            using var gen = new Generator(65);
            Assert.Equal(0, LiveTensors.LeakedBy(() =>
                LayerCurvatureProbe.Run(model, LossKind.CrossEntropy, data, BatchNormMode.Population, population, LanczosTolerance, gen)));
        }
    }

    [Fact]
    public void ZooCnnLayersAreItsConvolutionsAndItsLinear()
    {
        var spec = new CnnSpec(1, 8, 8, [2, 3], [3, 3], [2, 1], [1, 0], 4, Activation.Tanh, NormKind.Batch);
        using var model = spec.Build(ScalarType.Float64, 66);
        var layers = LayerCurvatureProbe.WeightLayers(model);
        // Sequential: 0 conv, 1 bn, 2 act, 3 conv, 4 bn, 5 act, 6 flatten, 7 linear.
        Assert.Equal(["0", "3", "7"], layers.Select(l => l.Layer));
        Assert.All(layers, l => Assert.Equal([$"{l.Layer}.weight", $"{l.Layer}.bias"], l.Parameters));

        using var data = TinyNetworks.Classification(10, [1, 8, 8], 4, seed: 67);
        using var gen = new Generator(68);
        var result = LayerCurvatureProbe.Run(model, LossKind.CrossEntropy, data, BatchNormMode.Train, null, LanczosTolerance, gen);
        Assert.Equal([2 * 9 + 2, 3 * 2 * 9 + 3, (3 * 2 * 2 + 1) * 4], result.Select(r => r.Size));
        Assert.All(result, r => Assert.True(r.Converged && r.TopEigenvalue > 0, $"{r.Layer}: λ₁ {r.TopEigenvalue}, residual {r.Residual}"));
    }

    [Fact]
    public void ResNetLayersAreNamedByModulePath()
    {
        using var model = new ResNetSpec(1, 10, NormKind.Batch, InputChannels: 1).Build(ScalarType.Float32, 69);
        var layers = LayerCurvatureProbe.WeightLayers(model);
        Assert.Equal(["conv1", "layer1.0.conv1", "layer1.0.conv2", "layer2.0.conv1", "layer2.0.conv2", "layer2.0.downsample.0",
                      "layer3.0.conv1", "layer3.0.conv2", "layer3.0.downsample.0", "fc"], layers.Select(l => l.Layer));
        Assert.Equal(["layer1.0.conv1.weight"], layers[1].Parameters);   // convolutions without bias
        Assert.Equal(["fc.weight", "fc.bias"], layers[^1].Parameters);
        var all = model.named_parameters().Select(p => p.name).ToHashSet();
        Assert.All(layers.SelectMany(l => l.Parameters), name => Assert.Contains(name, all));
        Assert.DoesNotContain(layers.SelectMany(l => l.Parameters), name => name.Contains("bn"));
    }

    [Fact]
    public void RejectsBadArguments()
    {
        var (model, data, population) = Mlp(batchNorm: true, seed: 70);
        using (data)
        using (population)
        {
            using var gen = new Generator(71);
            foreach (double bad in new[] { 0, -1e-8, double.NaN, double.PositiveInfinity })
                Assert.Throws<ArgumentOutOfRangeException>(() => LayerCurvatureProbe.Run(model, LossKind.CrossEntropy, data, BatchNormMode.Train, null, bad, gen));
            Assert.Throws<ArgumentException>(() => LayerCurvatureProbe.Run(model, LossKind.CrossEntropy, data, BatchNormMode.Population, null, LanczosTolerance, gen));
            var noWeights = torch.nn.Sequential(("0", torch.nn.Flatten()), ("1", torch.nn.Tanh()));
            Assert.Empty(LayerCurvatureProbe.WeightLayers(noWeights));
            var bare = LayerCurvatureProbe.WeightLayers(torch.nn.Linear(3, 2));   // the model itself is the layer
            Assert.Equal("", Assert.Single(bare).Layer);
            Assert.Equal(["weight", "bias"], bare[0].Parameters);
            Assert.Contains("no Linear or convolution", Assert.Throws<ArgumentException>(() =>
                LayerCurvatureProbe.Run(noWeights, LossKind.CrossEntropy, data, BatchNormMode.Train, null, LanczosTolerance, gen)).Message);
        }
    }
}
