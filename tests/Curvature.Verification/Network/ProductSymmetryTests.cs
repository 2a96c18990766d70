using Curvature.Data;
using Curvature.Models;
using Curvature.Operators;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Curvature.Verification.Network;

/// <summary>The round-off asymmetry of real Hessian products — the zoo's MLP, CNN and ResNet-8 with BatchNorm in train mode on
/// 512 Fashion-MNIST images, float64 and float32 — against the tolerances the operators enforce
/// (<see cref="Tolerances.ProductSymmetryRelative64"/>, <see cref="Tolerances.ProductSymmetryRelative32"/>): the measured values
/// are printed, and each must sit at least 10× below its tolerance so that round-off is never mistaken for asymmetry.</summary>
public sealed class ProductSymmetryTests(ITestOutputHelper output)
{
    const double Margin = 10;

    [Theory]
    [InlineData("mlp", ScalarType.Float64)]
    [InlineData("mlp", ScalarType.Float32)]
    [InlineData("cnn", ScalarType.Float64)]
    [InlineData("cnn", ScalarType.Float32)]
    [InlineData("resnet", ScalarType.Float32)]
    public void Round_off_asymmetry_is_far_below_the_tolerance(string model, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var images = FashionMnist.LoadDefault(samples: 512, dtype: dtype);
        var x = images.Images.reshape(images.Count, 1, images.Height, images.Width);
        using var network = model switch
        {
            "mlp" => new MlpSpec(784, [100, 100], 10, Activation.Relu, NormKind.Batch).Build(dtype, 1),
            "cnn" => new CnnSpec(1, 28, 28, [8, 16], [3, 3], [2, 2], [0, 0], 10, Activation.Relu, NormKind.Batch).Build(dtype, 1),
            _ => new ResNetSpec(1, 10, NormKind.Batch, Activation.Relu, 1).Build(dtype, 1),
        };
        using var data = new NetworkData(x, images.Labels);
        using var op = new HessianOperator(network, LossKind.CrossEntropy, data, BatchNormMode.Train);
        using var generator = new Generator(11);
        double asymmetry = SymmetryProbe.Measure(op, generator);
        double tolerance = dtype == ScalarType.Float64 ? Tolerances.ProductSymmetryRelative64 : Tolerances.ProductSymmetryRelative32;
        output.WriteLine($"{model} {dtype}: relative asymmetry {asymmetry:G3} (tolerance {tolerance:G1})");
        Assert.True(asymmetry * Margin <= tolerance, $"{model} {dtype}: asymmetry {asymmetry:G3} is within {Margin}× of the tolerance {tolerance:G1}");
    }
}
