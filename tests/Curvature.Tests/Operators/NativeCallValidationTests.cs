using Curvature.Checkpoints;
using Curvature.Models;
using Curvature.Operators;
using Curvature.Tests.Support;
using Curvature.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Operators;

/// <summary>
/// Validate before native calls (issue 6): on this platform a libtorch error inside a forward or backward pass (a
/// Linear fed the wrong width, a label out of range in cross_entropy, a gradient of the wrong shape) can abort the
/// process — measured here: a float32 matmul shape mismatch and an autograd shape error end in "terminate called
/// after throwing an instance of 'c10::Error'" (exit 134). The common mistakes must therefore become .NET exceptions
/// with readable messages before any native call. Each test below makes one mistake through the public API; the
/// checks run in C# before libtorch is reached, so a missing check would abort this test host (the run fails loudly),
/// and a check that throws the wrong thing or an unreadable message fails the assertion. The command-line versions of
/// these mistakes run in child processes in <see cref="Cli.ProcessBadInputWeightsTests"/>.
/// </summary>
public sealed class NativeCallValidationTests
{
    static TorchSharp.Modules.Sequential Mlp(int inputs, int classes = 10, ScalarType dtype = ScalarType.Float64) =>
        new MlpSpec(inputs, [4], classes, Activation.Tanh, NormKind.None).Build(dtype, 1);

    static NetworkData Data(long[] sampleShape, int classes, int count = 8, ulong seed = 3)
    {
        using var gen = new Generator(seed);
        using var x = randn([count, .. sampleShape], dtype: ScalarType.Float64, generator: gen);
        using var y = randint(0, classes, [count], generator: gen);
        return new NetworkData(x, y);
    }

    [Fact]
    public void MultiplyWithTheWrongLengthIsAnArgumentException()
    {
        using var a = new DenseOperator(eye(5, dtype: ScalarType.Float64));
        using var x = ones(4, dtype: ScalarType.Float64);
        var e = Assert.Throws<ArgumentException>(() => a.Multiply(x));
        Assert.Contains("operator has size 5 but the argument has shape [4]", e.Message);
    }

    [Fact]
    public void MultiplyWithABlockOfTheWrongRowCountIsAnArgumentException()
    {
        using var a = new DenseOperator(eye(5, dtype: ScalarType.Float64));
        using var x = ones(6, 3, dtype: ScalarType.Float64);
        var e = Assert.Throws<ArgumentException>(() => a.Multiply(x));
        Assert.Contains("[6, 3]", e.Message);
    }

    [Fact]
    public void MultiplyWithAnIntegerDtypeIsAnArgumentException()
    {
        using var a = new DenseOperator(eye(5, dtype: ScalarType.Float64));
        using var x = ones(5, dtype: ScalarType.Int64);
        var e = Assert.Throws<ArgumentException>(() => a.Multiply(x));
        Assert.Contains("floating-point", e.Message);
    }

    [Fact]
    public void MultiplyWithAThreeDimensionalTensorIsAnArgumentException()
    {
        using var a = new DenseOperator(eye(4, dtype: ScalarType.Float64));
        using var x = ones(4, 2, 2, dtype: ScalarType.Float64);
        Assert.Contains("[4, 2, 2]", Assert.Throws<ArgumentException>(() => a.Multiply(x)).Message);
    }

    [Fact]
    public void ANetworkProductWithTheWrongLengthIsAnArgumentException()
    {
        using var model = Mlp(4, 3);
        using var data = Data([4], 3);
        using var h = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Eval);
        using var x = ones(h.Size + 1, dtype: ScalarType.Float64);
        Assert.Contains($"operator has size {h.Size}", Assert.Throws<ArgumentException>(() => h.Multiply(x)).Message);
    }

    /// <summary>An MLP for 784 inputs (Fashion-MNIST) given CIFAR-shaped data [3, 32, 32] = 3072 values.</summary>
    [Fact]
    public void MlpForOtherInputsIsRefusedBeforeTheForwardPass()
    {
        using var model = Mlp(784);
        using var data = Data([3, 32, 32], 10);
        var e = Assert.Throws<ArgumentException>(() => new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train));
        Assert.Contains("Linear expects 784 input features", e.Message);
        Assert.Contains("[3072]", e.Message);
    }

    [Fact]
    public void CnnForOtherChannelsIsRefused()
    {
        using var model = new CnnSpec(1, 28, 28, [4], [5], [2], [0], 10).Build(ScalarType.Float64, 1);
        using var data = Data([3, 28, 28], 10);
        var e = Assert.Throws<ArgumentException>(() => new GaussNewtonOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train));
        Assert.Contains("Conv2d expects images [C = 1, H, W]", e.Message);
        Assert.Contains("[3, 28, 28]", e.Message);
    }

    /// <summary>A CNN built for 28×28 images given 32×32: the convolutions accept it, the Linear after the flatten does
    /// not (4·14·14 = 784 features expected, 4·16·16 = 1024 arrive) — found by following the shapes, not by libtorch.</summary>
    [Fact]
    public void CnnForOtherImageSizeIsRefusedAtTheLinear()
    {
        using var model = new CnnSpec(1, 28, 28, [4], [2], [2], [0], 10).Build(ScalarType.Float64, 1);
        using var data = Data([1, 32, 32], 10);
        var e = Assert.Throws<ArgumentException>(() => new EmpiricalFisherOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train));
        Assert.Contains("Linear expects 784 input features", e.Message);
        Assert.Contains("[1024]", e.Message);
    }

    [Fact]
    public void ResNetForOtherChannelsIsRefused()
    {
        using var model = new ResNetSpec(1, 10, InputChannels: 3).Build(ScalarType.Float64, 1);
        using var data = Data([1, 8, 8], 10, count: 4);
        var e = Assert.Throws<ArgumentException>(() => new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Eval));
        Assert.Contains("Conv2d expects images [C = 3, H, W]", e.Message);
    }

    [Fact]
    public void PopulationDataOfAnotherShapeIsRefused()
    {
        using var model = new MlpSpec(4, [4], 3, Activation.Tanh, NormKind.Batch).Build(ScalarType.Float64, 1);
        using var data = Data([4], 3);
        using var population = Data([6], 3);
        var e = Assert.Throws<ArgumentException>(() => new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Population, null, population));
        Assert.Contains("Linear expects 4 input features", e.Message);
    }

    [Fact]
    public void LabelOutOfRangeIsRefused()
    {
        using var model = Mlp(4, classes: 3);
        using var x = randn(8, 4, dtype: ScalarType.Float64);
        using var y = full(8, 7L, dtype: ScalarType.Int64);
        using var data = new NetworkData(x, y);
        var e = Assert.Throws<ArgumentException>(() => new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train));
        Assert.Contains("class label 7 is out of range for a model with 3 outputs", e.Message);
    }

    [Fact]
    public void NegativeLabelIsRefused()
    {
        using var model = Mlp(4, classes: 3);
        using var x = randn(8, 4, dtype: ScalarType.Float64);
        using var y = full(8, -1L, dtype: ScalarType.Int64);
        using var data = new NetworkData(x, y);
        Assert.Contains("got -1", Assert.Throws<ArgumentException>(() => new HessianOperator(model, LossKind.MeanSquaredError, data, BatchNormMode.Train)).Message);
    }

    [Fact]
    public void RegressionTargetsOfTheWrongWidthAreRefused()
    {
        using var model = Mlp(4, classes: 3);
        using var x = randn(8, 4, dtype: ScalarType.Float64);
        using var y = randn(8, 5, dtype: ScalarType.Float64);
        using var data = new NetworkData(x, y);
        var e = Assert.Throws<ArgumentException>(() => new HessianOperator(model, LossKind.MeanSquaredError, data, BatchNormMode.Train));
        Assert.Contains("the targets have 5 columns but the model has 3 outputs", e.Message);
    }

    [Fact]
    public void LossOfMismatchedOutputsAndTargetsIsAnArgumentException()
    {
        using var output = randn(4, 3, dtype: ScalarType.Float64);
        using var labels = tensor(new long[] { 0, 1, 2 });
        Assert.Contains("4 outputs", Assert.Throws<ArgumentException>(() => Losses.Mean(LossKind.CrossEntropy, output, labels)).Message);
        using var big = tensor(new long[] { 0, 1, 2, 3 });
        Assert.Contains("class label 3", Assert.Throws<ArgumentException>(() => Losses.PerSample(LossKind.MeanSquaredError, output, big)).Message);
    }

    [Fact]
    public void TrainerRefusesDataOfAnotherShape()
    {
        using var model = Mlp(784);
        using var x = randn(8, 3, 32, 32, dtype: ScalarType.Float64);
        using var y = randint(0, 10, [8]);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(model, new TrainingOptions(0.1, 3), x, y));
        Assert.StartsWith("training: the model does not fit the data", e.Message);
    }

    [Fact]
    public void TrainerRefusesLabelsOutOfRange()
    {
        using var model = Mlp(4, classes: 3);
        using var x = randn(8, 4, dtype: ScalarType.Float64);
        using var y = full(8, 7L, dtype: ScalarType.Int64);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(model, new TrainingOptions(0.1, 3), x, y));
        Assert.Contains("class label 7", e.Message);
    }

    [Fact]
    public void TrainerRefusesHeldOutDataOfAnotherShape()
    {
        using var model = Mlp(4, classes: 3);
        using var x = randn(8, 4, dtype: ScalarType.Float64);
        using var y = randint(0, 3, [8]);
        using var hx = randn(8, 5, dtype: ScalarType.Float64);
        Assert.Throws<ArgumentException>(() => new Trainer(model, new TrainingOptions(0.1, 3), x, y, hx, y));
    }

    /// <summary>A float32 model and float64 data: the operator converts the data per batch (no native dtype error).</summary>
    [Fact]
    public void Float32ModelOnFloat64DataWorks()
    {
        using var model = Mlp(4, classes: 3, dtype: ScalarType.Float32);
        using var data = Data([4], 3);
        using var h = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        using var v = ones(h.Size, dtype: ScalarType.Float64);
        using var hv = h.Multiply(v);
        Assert.Equal(ScalarType.Float64, hv.dtype);
    }

    [Fact]
    public void CheckpointOfAnotherArchitectureIsRefusedAndTheModelUnchanged()
    {
        string file = Path.Combine(Path.GetTempPath(), $"curvature-arch-{Guid.NewGuid():N}.safetensors");
        try
        {
            using (var mlp = Mlp(16, 10)) Checkpoint.Save(mlp, file);
            using var cnn = new CnnSpec(1, 4, 4, [2], [3], [1], [0], 10).Build(ScalarType.Float64, 1);
            var before = cnn.parameters().Select(p => p.data<double>().ToArray()).ToArray();
            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(cnn, file));
            Assert.Contains("is in the model but not in the file", e.Message);
            Assert.Equal(before, cnn.parameters().Select(p => p.data<double>().ToArray()).ToArray());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void WeightsWithNaNAreNamed()
    {
        using var model = Mlp(4, classes: 3);
        using (no_grad()) model.named_parameters().Single(p => p.name == "3.bias").parameter[1] = double.NaN;
        using var data = Data([4], 3);
        var e = Assert.Throws<ArgumentException>(() => new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train));
        Assert.Contains("NaN in 3.bias (1 of 3 values)", e.Message);
        Assert.Equal("NaN in 3.bias (1 of 3 values)", ModelChecks.FindNonFinite(model)!.ToString());
    }

    [Fact]
    public void InputsWithInfinityAreNamed()
    {
        using var model = Mlp(4, classes: 3);
        using var x = randn(8, 4, dtype: ScalarType.Float64);
        x[5, 2] = double.PositiveInfinity;
        using var y = randint(0, 3, [8]);
        using var data = new NetworkData(x, y);
        var e = Assert.Throws<ArgumentException>(() => new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train));
        Assert.Contains("first in sample 5", e.Message);
    }

    /// <summary>Finite weights whose loss overflows: the operator says where the non-finite value appeared (the loss),
    /// for every operator, instead of the old "two products differ (max |Δ| = NaN)".</summary>
    [Fact]
    public void LossOverflowIsNamedForEveryOperator()
    {
        using var model = Mlp(4, classes: 3);
        using (no_grad()) model.named_parameters().Single(p => p.name == "3.weight").parameter.fill_(1e300);
        using var data = Data([4], 3);
        Func<NetworkOperator>[] operators =
        [
            () => new HessianOperator(model, LossKind.MeanSquaredError, data, BatchNormMode.Train),
            () => new GaussNewtonOperator(model, LossKind.MeanSquaredError, data, BatchNormMode.Train),
            () => new EmpiricalFisherOperator(model, LossKind.MeanSquaredError, data, BatchNormMode.Train),
        ];
        foreach (var make in operators)
            Assert.Contains("the loss is +∞", Assert.Throws<ArgumentException>(() => make()).Message);
    }

    /// <summary>The shape walk agrees with libtorch: for zoo CNNs of several kernels, strides, paddings and pools, the
    /// output count it predicts is the width of a real forward pass (a valid one), and the MLP's is its class count.</summary>
    [Theory]
    [InlineData(1, 28, 28, 5, 2, 0, false)]
    [InlineData(3, 32, 32, 3, 1, 1, false)]
    [InlineData(1, 9, 7, 3, 2, 1, false)]
    [InlineData(2, 12, 12, 4, 3, 0, true)]
    public void TheShapeWalkAgreesWithARealForwardPass(int c, int h, int w, int kernel, int stride, int padding, bool pool)
    {
        using var model = new CnnSpec(c, h, w, [3, 2], [kernel, 2], [stride, 1], [padding, 0], 7, GlobalAveragePool: pool).Build(ScalarType.Float64, 1);
        Assert.Equal(7, ModelChecks.RequireInputShape(model, [c, h, w]));
        using var x = randn(2, c, h, w, dtype: ScalarType.Float64);
        using var y = model.call(x);
        Assert.Equal([2L, 7], y.shape);
        using var mlp = Mlp(12, 5);
        Assert.Equal(5, ModelChecks.RequireInputShape(mlp, [3, 4]));
    }

    [Fact]
    public void ChecksLeaveNoTensors()
    {
        using var model = Mlp(4, classes: 3);
        using var x = randn(8, 4, dtype: ScalarType.Float64);
        using var y = randint(0, 3, [8]);
        Assert.Equal(0, LiveTensors.LeakedBy(() => ModelChecks.RequireInputShape(model, [4])));
        Assert.Equal(0, LiveTensors.LeakedBy(() => ModelChecks.RequireFinite(model)));
        Assert.Equal(0, LiveTensors.LeakedBy(() => Losses.RequireTargets(LossKind.CrossEntropy, y, 3)));
        using var data = new NetworkData(x, y);
        Assert.Equal(0, LiveTensors.LeakedBy(() => new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train).Dispose()));
    }
}
