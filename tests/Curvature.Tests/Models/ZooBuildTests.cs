using Curvature.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Models;

/// <summary>Properties every zoo architecture shares.</summary>
public class ZooBuildTests
{
    public static TheoryData<string, NormKind> Cases()
    {
        var data = new TheoryData<string, NormKind>();
        foreach (var arch in new[] { "mlp", "cnn", "resnet" })
            foreach (var norm in Enum.GetValues<NormKind>())
                data.Add(arch, norm);
        return data;
    }

    private static nn.Module<Tensor, Tensor> Build(string arch, NormKind norm, ScalarType dtype, ulong seed) => arch switch
    {
        "mlp" => new MlpSpec(12, [6, 4], 3, Activation.Tanh, norm).Build(dtype, seed),
        "cnn" => new CnnSpec(2, 6, 6, [4, 4], [3, 3], [1, 2], [1, 1], 3, Activation.Relu, norm).Build(dtype, seed),
        _ => new ResNetSpec(1, 3, norm, InputChannels: 2).Build(dtype, seed),
    };

    private static Tensor Input(string arch, Generator generator) => arch == "mlp"
        ? rand(4, 12, dtype: ScalarType.Float64, generator: generator)
        : rand(4, 2, 6, 6, dtype: ScalarType.Float64, generator: generator);

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_model_built_inside_a_callers_dispose_scope_outlives_it(string arch, NormKind norm)
    {
        nn.Module<Tensor, Tensor> model;
        using (NewDisposeScope())
            model = Build(arch, norm, ScalarType.Float64, 1);
        using (model)
        using (var scope = NewDisposeScope())
        {
            Assert.All(model.state_dict().Values, t => Assert.False(t.IsInvalid));
            var y = model.forward(Input(arch, new Generator(2)));
            Assert.True(y.isfinite().all().item<bool>());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Norm_layers_start_at_pytorchs_defaults(string arch, NormKind norm)
    {
        using var scope = NewDisposeScope();
        using var model = Build(arch, norm, ScalarType.Float32, 1);
        foreach (var (name, module) in model.named_modules())
        {
            foreach (var (key, value) in module.named_parameters(recurse: false).Select(p => (p.name, (Tensor)p.parameter))
                         .Concat(module.named_buffers(recurse: false).Select(b => (b.name, b.buffer))))
            {
                bool isNorm = module is not (TorchSharp.Modules.Linear or TorchSharp.Modules.Conv2d);
                if (!isNorm) continue;
                double expected = key is "weight" or "running_var" ? 1 : 0;
                Assert.True(value.eq(expected).all().item<bool>(), $"{name}.{key} should start at {expected}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Counters_are_int64_scalars_like_pytorchs(string arch, NormKind norm)
    {
        using var model = Build(arch, norm, ScalarType.Float64, 1);
        foreach (var (key, value) in model.state_dict())
        {
            if (!key.EndsWith("num_batches_tracked", StringComparison.Ordinal))
            {
                Assert.Equal(ScalarType.Float64, value.dtype);
                continue;
            }
            Assert.Equal(ScalarType.Int64, value.dtype);
            Assert.Empty(value.shape);
        }
    }
}
