using Curvature.Models;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using static Curvature.Tests.Models.PyTorchLayouts;

namespace Curvature.Tests.Models;

public class ResNetSpecTests
{
    private static readonly ResNetSpec ResNet8 = new(1, 10, NormKind.Batch);

    [Fact]
    public void Batch_norm_keys_and_shapes_are_torchvisions()
    {
        using var model = ResNet8.Build(ScalarType.Float64, 1);
        AssertMatches(ResNet8(BatchNormOf(ScalarType.Float64), ScalarType.Float64), model);
    }

    [Fact]
    public void Without_norm_the_bn_modules_are_absent()
    {
        using var model = (ResNet8 with { Norm = NormKind.None }).Build(ScalarType.Float32, 1);
        AssertMatches(ResNet8(null, ScalarType.Float32), model);
    }

    [Theory]
    [InlineData(NormKind.Layer)]
    [InlineData(NormKind.Group)]
    public void Layer_and_group_norm_sit_under_the_bn_names(NormKind norm)
    {
        using var model = (ResNet8 with { Norm = norm }).Build(ScalarType.Float64, 1);
        AssertMatches(ResNet8((p, c) => AffineNorm(p, c, ScalarType.Float64), ScalarType.Float64), model);
    }

    [Fact]
    public void Centered_norm_sits_under_the_bn_names()
    {
        using var model = (ResNet8 with { Norm = NormKind.Centered }).Build(ScalarType.Float64, 1);
        AssertMatches(ResNet8((p, c) => Centered(p, c, ScalarType.Float64), ScalarType.Float64), model);
    }

    [Fact]
    public void Deeper_stages_repeat_blocks_with_a_projection_only_in_the_first()
    {
        using var model = new ResNetSpec(2, 10).Build(ScalarType.Float32, 1);
        var keys = model.state_dict().Keys.ToHashSet();
        Assert.Contains("layer1.1.conv2.weight", keys);
        Assert.Contains("layer3.1.bn2.num_batches_tracked", keys);
        Assert.Contains("layer2.0.downsample.0.weight", keys);
        Assert.DoesNotContain("layer2.1.downsample.0.weight", keys);
        Assert.DoesNotContain("layer1.0.downsample.0.weight", keys);
        Assert.Equal([32L, 32, 3, 3], model.state_dict()["layer2.1.conv1.weight"].shape);
        Assert.Equal(14, new ResNetSpec(2, 10).Layers);
    }

    [Theory]
    [InlineData(NormKind.None)]
    [InlineData(NormKind.Batch)]
    [InlineData(NormKind.Centered)]
    public void Parameter_count_is_the_closed_form(NormKind norm)
    {
        var spec = ResNet8 with { Norm = norm };
        // Convolutions (no bias): stem 3·9·16; stage 1: 2·(16·9·16); stage 2: 16·9·32 + 32·9·32 + 16·32 (projection);
        // stage 3: 32·9·64 + 64·9·64 + 32·64; fc 65·10. Norms: 2·C each, C summed over every norm layer.
        long convs = 3 * 9 * 16 + 2 * 16 * 9 * 16 + (16 * 9 * 32 + 32 * 9 * 32 + 16 * 32) + (32 * 9 * 64 + 64 * 9 * 64 + 32 * 64);
        long normChannels = 16 + 2 * 16 + 3 * 32 + 3 * 64;
        long expected = convs + 65 * 10 + (norm == NormKind.Batch ? 2 * normChannels : 0);
        using var model = spec.Build(ScalarType.Float32, 3);
        Assert.Equal(expected, ModelAssertions.ParameterCount(model));
        Assert.Equal(expected, spec.ParameterCount);
    }

    [Fact]
    public void Forward_maps_images_of_any_size_to_class_scores()
    {
        using var scope = NewDisposeScope();
        using var model = ResNet8.Build(ScalarType.Float64, 1);
        foreach (int size in new[] { 32, 7, 1 })
        {
            var x = rand(2, 3, size, size, dtype: ScalarType.Float64, generator: new Generator(3));
            ResNet8.ValidateInput(x, ScalarType.Float64);
            Assert.Equal([2L, 10L], model.forward(x).shape);
        }
    }

    [Fact]
    public void Group_norm_uses_the_documented_number_of_groups()
    {
        using var model = (ResNet8 with { Norm = NormKind.Group }).Build(ScalarType.Float64, 1);
        var groups = model.named_modules().Where(m => m.name is "bn1" or "layer2.0.bn1" or "layer3.0.bn1")
            .Select(m => (m.name, ((TorchSharp.Modules.GroupNorm)m.module).num_groups)).ToArray();
        Assert.Equal([("bn1", 8L), ("layer2.0.bn1", 16L), ("layer3.0.bn1", 32L)], groups);
    }

    [Fact]
    public void Same_seed_same_network_other_seed_other_network()
    {
        using var a = ResNet8.Build(ScalarType.Float64, 5);
        using var b = ResNet8.Build(ScalarType.Float64, 5);
        using var c = ResNet8.Build(ScalarType.Float64, 6);
        Assert.True(ModelAssertions.SameState(a, b));
        Assert.False(ModelAssertions.SameState(a, c));
    }

    [Fact]
    public void Invalid_specs_are_rejected_with_the_setting_named()
    {
        Assert.Contains("depth", Assert.Throws<ArgumentException>(() => new ResNetSpec(0, 10).Validate()).Message);
        Assert.Contains("classes", Assert.Throws<ArgumentException>(() => new ResNetSpec(1, 0).Validate()).Message);
        Assert.Contains("input channels", Assert.Throws<ArgumentException>(() => new ResNetSpec(1, 10, InputChannels: 0).Validate()).Message);
        using var x = zeros(2, 1, 8, 8, dtype: ScalarType.Float64);
        Assert.Contains("[B, 3, H, W]", Assert.Throws<ArgumentException>(() => ResNet8.ValidateInput(x, ScalarType.Float64)).Message);
    }

    [Fact]
    public void Build_and_forward_leak_nothing()
    {
        using var x = rand(2, 3, 8, 8, dtype: ScalarType.Float64);
        foreach (var norm in Enum.GetValues<NormKind>())
        {
            long leaked = LiveTensors.LeakedBy(() =>
            {
                using var model = (ResNet8 with { Norm = norm }).Build(ScalarType.Float64, 1);
                using var y = model.forward(x);
            });
            Assert.Equal(0, leaked);
        }
    }

    private static Func<string, long, IEnumerable<LayoutEntry>> BatchNormOf(ScalarType dtype) => (p, c) => BatchNorm(p, c, dtype);
}
