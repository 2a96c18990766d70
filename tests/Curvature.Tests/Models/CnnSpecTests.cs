using Curvature.Models;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using static Curvature.Tests.Models.PyTorchLayouts;

namespace Curvature.Tests.Models;

public class CnnSpecTests
{
    private static readonly CnnSpec Pooled =
        new(1, 12, 12, [4, 6], [3, 3], [2, 1], [1, 0], 10, Activation.Relu, NormKind.Batch, GlobalAveragePool: true);

    private static readonly CnnSpec Plain = Pooled with { Norm = NormKind.None, GlobalAveragePool = false };

    [Fact]
    public void Batch_norm_pooled_keys_and_shapes_are_pytorchs()
    {
        using var model = Pooled.Build(ScalarType.Float64, 1);
        AssertMatches(CnnBatchPooled(ScalarType.Float64), model);
        Assert.Equal(["Conv2d", "BatchNorm2d", "ReLU", "Conv2d", "BatchNorm2d", "ReLU", "AdaptiveAvgPool2d", "Flatten", "Linear"],
            model.children().Select(m => m.GetType().Name));
    }

    [Fact]
    public void Plain_keys_use_the_flattened_feature_map()
    {
        using var model = Plain.Build(ScalarType.Float32, 1);
        AssertMatches(CnnPlain(ScalarType.Float32), model);
        Assert.Equal(96, Plain.FlatFeatures);
        Assert.Equal([(4, 6, 6), (6, 4, 4)], Plain.FeatureMaps());
    }

    [Theory]
    [InlineData(NormKind.Layer, 1)]
    [InlineData(NormKind.Group, 2)]
    public void Layer_and_group_norm_are_group_norms(NormKind norm, int groupsOfFourChannels)
    {
        using var model = (Pooled with { Norm = norm }).Build(ScalarType.Float64, 1);
        AssertMatches([.. Conv("0", 4, 1, 3, bias: true, ScalarType.Float64), .. AffineNorm("1", 4, ScalarType.Float64),
            .. Conv("3", 6, 4, 3, bias: true, ScalarType.Float64), .. AffineNorm("4", 6, ScalarType.Float64),
            .. Linear("8", 10, 6, ScalarType.Float64)], model);
        var first = (TorchSharp.Modules.GroupNorm)model.children().ElementAt(1);
        // Layer norm over (C, H, W) is GroupNorm(1, C); group norm with C = 4 takes min(32, 4/2) = 2 groups.
        using var scope = NewDisposeScope();
        var x = randn(2, 4, 3, 3, dtype: ScalarType.Float64, generator: new Generator(1));
        var expected = nn.functional.group_norm(x, groupsOfFourChannels, null, null, 1e-5);
        Assert.True(first.forward(x).allclose(expected, rtol: 0, atol: 1e-14));
    }

    [Theory]
    [InlineData(NormKind.None, false)]
    [InlineData(NormKind.Batch, false)]
    [InlineData(NormKind.Group, true)]
    [InlineData(NormKind.Centered, true)]
    public void Parameter_count_is_the_closed_form(NormKind norm, bool pool)
    {
        var spec = Pooled with { Norm = norm, GlobalAveragePool = pool };
        // Σ (c_in·k² + 1)·c_out over the convolutions, 2·c per affine norm, (flat + 1)·classes for the Linear.
        long affine = norm is NormKind.Batch or NormKind.Group ? 2 * (4 + 6) : 0;
        long expected = (1 * 9 + 1) * 4 + (4 * 9 + 1) * 6 + affine + ((pool ? 6 : 96) + 1) * 10;
        using var model = spec.Build(ScalarType.Float32, 2);
        Assert.Equal(expected, ModelAssertions.ParameterCount(model));
        Assert.Equal(expected, spec.ParameterCount);
    }

    [Fact]
    public void Forward_maps_images_to_class_scores()
    {
        using var scope = NewDisposeScope();
        foreach (var spec in new[] { Pooled, Plain })
        {
            using var model = spec.Build(ScalarType.Float64, 1);
            var x = rand(3, 1, 12, 12, dtype: ScalarType.Float64, generator: new Generator(4));
            spec.ValidateInput(x, ScalarType.Float64);
            Assert.Equal([3L, 10L], model.forward(x).shape);
        }
    }

    [Fact]
    public void Same_seed_same_network_other_seed_other_network()
    {
        using var a = Pooled.Build(ScalarType.Float64, 21);
        using var b = Pooled.Build(ScalarType.Float64, 21);
        using var c = Pooled.Build(ScalarType.Float64, 22);
        Assert.True(ModelAssertions.SameState(a, b));
        Assert.False(ModelAssertions.SameState(a, c));
    }

    [Fact]
    public void Init_scale_multiplies_conv_and_linear_weights()
    {
        using var scope = NewDisposeScope();
        using var plain = Plain.Build(ScalarType.Float64, 4);
        using var scaled = (Plain with { InitScale = 2 }).Build(ScalarType.Float64, 4);
        var reference = plain.state_dict();
        foreach (var (key, value) in scaled.state_dict())
            ModelAssertions.AssertBitwiseEqual(key.EndsWith(".weight") ? reference[key] * 2 : reference[key], value);
    }

    [Fact]
    public void A_convolution_that_shrinks_below_one_pixel_is_rejected()
    {
        var spec = new CnnSpec(1, 5, 5, [2, 2], [3, 5], [2, 1], [0, 0], 10);
        var e = Assert.Throws<ArgumentException>(() => spec.Validate());
        Assert.Contains("layer 2", e.Message);
        Assert.Contains("2×2", e.Message);
        Assert.Contains("-2×-2", e.Message);
    }

    [Fact]
    public void Lists_of_different_lengths_are_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => (Plain with { Strides = [1] }).Validate());
        Assert.Contains("strides", e.Message);
        Assert.Contains("channels is empty", Assert.Throws<ArgumentException>(() => (Plain with { Channels = [], Kernels = [], Strides = [], Padding = [] }).Validate()).Message);
        Assert.Contains("padding", Assert.Throws<ArgumentException>(() => (Plain with { Padding = [1, -1] }).Validate()).Message);
        Assert.Contains("stride", Assert.Throws<ArgumentException>(() => (Plain with { Strides = [0, 1] }).Validate()).Message);
    }

    [Fact]
    public void Input_check_names_the_expected_shape()
    {
        using var x = zeros(2, 1, 12, 11, dtype: ScalarType.Float64);
        var e = Assert.Throws<ArgumentException>(() => Plain.ValidateInput(x, ScalarType.Float64));
        Assert.Contains("[B, 1, 12, 12]", e.Message);
        Assert.Contains("[2, 1, 12, 11]", e.Message);
    }

    [Fact]
    public void Specs_compare_by_value()
    {
        Assert.Equal(new CnnSpec(1, 12, 12, [4, 6], [3, 3], [2, 1], [1, 0], 10, Activation.Relu, NormKind.Batch, true), Pooled);
        Assert.NotEqual(Pooled with { Kernels = [3, 5] }, Pooled);
    }

    [Fact]
    public void Build_and_forward_leak_nothing()
    {
        using var x = rand(2, 1, 12, 12, dtype: ScalarType.Float64);
        foreach (var norm in Enum.GetValues<NormKind>())
        {
            long leaked = LiveTensors.LeakedBy(() =>
            {
                using var model = (Pooled with { Norm = norm }).Build(ScalarType.Float64, 1);
                using var y = model.forward(x);
            });
            Assert.Equal(0, leaked);
        }
    }
}
