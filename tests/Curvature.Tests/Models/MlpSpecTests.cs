using Curvature.Models;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using static Curvature.Tests.Models.PyTorchLayouts;

namespace Curvature.Tests.Models;

public class MlpSpecTests
{
    private static readonly MlpSpec Small = new(784, [8, 8], 10, Activation.Tanh, NormKind.Batch);

    [Fact]
    public void Batch_norm_keys_and_shapes_are_pytorchs()
    {
        using var model = Small.Build(ScalarType.Float64, 1);
        AssertMatches(MlpBatch(ScalarType.Float64), model);
    }

    [Fact]
    public void Without_norm_the_indices_close_up()
    {
        using var model = (Small with { Norm = NormKind.None }).Build(ScalarType.Float32, 1);
        AssertMatches(MlpPlain(ScalarType.Float32), model);
    }

    [Theory]
    [InlineData(NormKind.Layer)]
    [InlineData(NormKind.Group)]
    public void Layer_and_group_norm_hold_weight_and_bias(NormKind norm)
    {
        using var model = (Small with { Norm = norm }).Build(ScalarType.Float64, 1);
        AssertMatches([.. Linear("1", 8, 784, ScalarType.Float64), .. AffineNorm("2", 8, ScalarType.Float64),
            .. Linear("4", 8, 8, ScalarType.Float64), .. AffineNorm("5", 8, ScalarType.Float64),
            .. Linear("7", 10, 8, ScalarType.Float64)], model);
    }

    [Fact]
    public void Centered_norm_holds_running_mean_and_counter()
    {
        using var model = (Small with { Norm = NormKind.Centered }).Build(ScalarType.Float64, 1);
        AssertMatches([.. Linear("1", 8, 784, ScalarType.Float64), .. Centered("2", 8, ScalarType.Float64),
            .. Linear("4", 8, 8, ScalarType.Float64), .. Centered("5", 8, ScalarType.Float64),
            .. Linear("7", 10, 8, ScalarType.Float64)], model);
    }

    [Fact]
    public void Modules_are_the_pytorch_ones_in_order()
    {
        using var model = Small.Build(ScalarType.Float64, 1);
        var types = model.children().Select(m => m.GetType().Name).ToArray();
        Assert.Equal(["Flatten", "Linear", "BatchNorm1d", "Tanh", "Linear", "BatchNorm1d", "Tanh", "Linear"], types);
        using var relu = (Small with { Activation = Activation.Relu }).Build(ScalarType.Float64, 1);
        Assert.Equal("ReLU", relu.children().ElementAt(3).GetType().Name);
        using var group = (Small with { Norm = NormKind.Group }).Build(ScalarType.Float64, 1);
        Assert.Equal("GroupNorm", group.children().ElementAt(2).GetName());
    }

    [Theory]
    [InlineData(NormKind.None)]
    [InlineData(NormKind.Batch)]
    [InlineData(NormKind.Layer)]
    [InlineData(NormKind.Group)]
    [InlineData(NormKind.Centered)]
    public void Parameter_count_is_the_closed_form(NormKind norm)
    {
        var spec = new MlpSpec(784, [16, 8], 10, Activation.Relu, norm);
        // Σ (d_in + 1)·d_out over the three Linears, plus weight and bias (2·h) per affine norm.
        long expected = 785 * 16 + 17 * 8 + 9 * 10 + (norm is NormKind.Batch or NormKind.Layer or NormKind.Group ? 2 * (16 + 8) : 0);
        using var model = spec.Build(ScalarType.Float32, 3);
        Assert.Equal(expected, ModelAssertions.ParameterCount(model));
        Assert.Equal(expected, spec.ParameterCount);
    }

    [Fact]
    public void Forward_maps_a_batch_of_images_to_class_scores()
    {
        using var scope = NewDisposeScope();
        using var model = Small.Build(ScalarType.Float64, 1);
        var images = rand(5, 1, 28, 28, dtype: ScalarType.Float64, generator: new Generator(2));
        Small.ValidateInput(images, ScalarType.Float64);
        Assert.Equal([5L, 10L], model.forward(images).shape);
    }

    [Fact]
    public void A_linear_model_has_no_hidden_layer()
    {
        var spec = new MlpSpec(6, [], 3);
        using var model = spec.Build(ScalarType.Float64, 1);
        AssertMatches(Linear("1", 3, 6, ScalarType.Float64), model);
        Assert.Equal(21, spec.ParameterCount);
    }

    [Fact]
    public void Same_seed_same_network_other_seed_other_network()
    {
        using var a = Small.Build(ScalarType.Float64, 11);
        using var b = Small.Build(ScalarType.Float64, 11);
        using var c = Small.Build(ScalarType.Float64, 12);
        Assert.True(ModelAssertions.SameState(a, b));
        Assert.False(ModelAssertions.SameState(a, c));
        using var generator = new Generator(11);
        using var d = Small.Build(ScalarType.Float64, generator);
        Assert.True(ModelAssertions.SameState(a, d));
    }

    [Fact]
    public void Float32_build_is_the_float64_build_rounded()
    {
        using var scope = NewDisposeScope();
        using var wide = Small.Build(ScalarType.Float64, 5);
        using var narrow = Small.Build(ScalarType.Float32, 5);
        var wideState = wide.state_dict();
        foreach (var (key, value) in narrow.state_dict())
        {
            if (value.dtype == ScalarType.Int64) continue;
            Assert.Equal(ScalarType.Float32, value.dtype);
            ModelAssertions.AssertBitwiseEqual(wideState[key].to(ScalarType.Float32), value);
        }
    }

    [Fact]
    public void Init_scale_multiplies_weights_not_biases()
    {
        using var scope = NewDisposeScope();
        using var plain = Small.Build(ScalarType.Float64, 4);
        using var scaled = (Small with { InitScale = 0.25 }).Build(ScalarType.Float64, 4);
        var reference = plain.state_dict();
        foreach (var (key, value) in scaled.state_dict())
        {
            bool linearWeight = key is "1.weight" or "4.weight" or "7.weight";
            // ×0.25 is exact in binary floating point, so equality is bitwise.
            var expected = linearWeight ? reference[key] * 0.25 : reference[key];
            ModelAssertions.AssertBitwiseEqual(expected, value);
        }
    }

    [Fact]
    public void Default_init_is_uniform_within_one_over_root_fan_in()
    {
        using var scope = NewDisposeScope();
        var spec = new MlpSpec(400, [300], 10);
        using var model = spec.Build(ScalarType.Float64, 9);
        var weight = model.state_dict()["1.weight"];
        var bias = model.state_dict()["1.bias"];
        double bound = 1 / Math.Sqrt(400);
        Assert.True(weight.abs().max().item<double>() <= bound);
        Assert.True(bias.abs().max().item<double>() <= bound);
        // U(−b, b) has mean 0 and variance b²/3; over n = 120,000 draws the sample mean has standard error
        // b/√(3n) and the sample variance σ²·√(4/(5n)) (the fourth moment of a uniform is 9σ⁴/5).
        long n = weight.numel();
        double variance = bound * bound / 3;
        Assert.InRange(weight.mean().item<double>(), -4 * Math.Sqrt(variance / n), 4 * Math.Sqrt(variance / n));
        Assert.InRange(weight.var().item<double>(), variance * (1 - 4 * Math.Sqrt(0.8 / n)), variance * (1 + 4 * Math.Sqrt(0.8 / n)));
    }

    [Fact]
    public void Built_in_train_mode()
    {
        using var model = Small.Build(ScalarType.Float64, 1);
        Assert.True(model.training);
        Assert.All(model.modules(), m => Assert.True(m.training));
    }

    [Theory]
    [InlineData(0, 10, "inputs")]
    [InlineData(784, 0, "classes")]
    public void Invalid_sizes_are_rejected(int inputs, int classes, string word)
    {
        var e = Assert.Throws<ArgumentException>(() => new MlpSpec(inputs, [8], classes).Validate());
        Assert.Contains(word, e.Message);
    }

    [Fact]
    public void Invalid_options_are_rejected_with_the_setting_named()
    {
        Assert.Contains("hidden width 2", Assert.Throws<ArgumentException>(() => new MlpSpec(4, [3, 0], 2).Validate()).Message);
        Assert.Contains("init scale", Assert.Throws<ArgumentException>(() => (Small with { InitScale = 0 }).Validate()).Message);
        Assert.Contains("init scale", Assert.Throws<ArgumentException>(() => (Small with { InitScale = double.NaN }).Validate()).Message);
        Assert.Contains("group", Assert.Throws<ArgumentException>(() => (Small with { GroupNormMaxGroups = 0 }).Validate()).Message);
        Assert.Contains("activation", Assert.Throws<ArgumentException>(() => (Small with { Activation = (Activation)9 }).Validate()).Message);
        Assert.Contains("Float16", Assert.Throws<ArgumentException>(() => Small.Build(ScalarType.Float16, 1)).Message);
    }

    [Fact]
    public void Input_check_names_both_shapes()
    {
        using var x = zeros(2, 783, dtype: ScalarType.Float64);
        var e = Assert.Throws<ArgumentException>(() => Small.ValidateInput(x, ScalarType.Float64));
        Assert.Contains("784", e.Message);
        Assert.Contains("[2, 783]", e.Message);
        using var y = zeros(2, 784);
        Assert.Contains("Float32", Assert.Throws<ArgumentException>(() => Small.ValidateInput(y, ScalarType.Float64)).Message);
    }

    [Fact]
    public void Specs_compare_by_value()
    {
        Assert.Equal(new MlpSpec(784, [8, 8], 10, Activation.Tanh, NormKind.Batch), Small);
        Assert.Equal(Small.GetHashCode(), new MlpSpec(784, new List<int> { 8, 8 }, 10, Activation.Tanh, NormKind.Batch).GetHashCode());
        Assert.NotEqual(Small with { Hidden = [8, 9] }, Small);
    }

    [Fact]
    public void Build_and_forward_leak_nothing()
    {
        using var x = rand(3, 784, dtype: ScalarType.Float64);
        foreach (var norm in Enum.GetValues<NormKind>())
        {
            long leaked = LiveTensors.LeakedBy(() =>
            {
                using var model = (Small with { Norm = norm }).Build(ScalarType.Float64, 1);
                using var y = model.forward(x);
            });
            Assert.Equal(0, leaked);
        }
    }
}
