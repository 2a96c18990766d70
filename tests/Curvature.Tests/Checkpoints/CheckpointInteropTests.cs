using Curvature.Checkpoints;
using Curvature.Models;
using Curvature.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Checkpoints;

/// <summary>A PyTorch-layout state dict made in C# (keys and shapes written out by hand in
/// <see cref="PyTorchLayouts"/>), saved as a PyTorch .pt and as .safetensors, loads into each zoo architecture and the
/// model then computes exactly what PyTorch's layer definitions compute with those tensors.</summary>
public class CheckpointInteropTests
{
    /// <summary>The reference forward sums in another order than libtorch's fused kernels (x Wᵀ as matmul, not
    /// addmm; batch norm as separate ops): float64 round-off of a ~10-layer network on O(1) values, a few hundred ulps.</summary>
    private const double ReferenceTolerance = 1e-12;

    public static TheoryData<string> Architectures() => new() { "mlp", "cnn", "resnet" };

    private static (nn.Module<Tensor, Tensor> Model, List<LayoutEntry> Layout, Func<Tensor, IReadOnlyDictionary<string, Tensor>, Tensor> Reference, Tensor Input)
        Case(string arch, ScalarType modelDtype, ScalarType fileDtype, Generator generator) => arch switch
    {
        "mlp" => (new MlpSpec(784, [8, 8], 10, Activation.Tanh, NormKind.Batch).Build(modelDtype, 99),
            PyTorchLayouts.MlpBatch(fileDtype), ReferenceForward.MlpBatch,
            rand(4, 1, 28, 28, dtype: modelDtype, generator: generator)),
        "cnn" => (new CnnSpec(1, 12, 12, [4, 6], [3, 3], [2, 1], [1, 0], 10, Activation.Relu, NormKind.Batch, true).Build(modelDtype, 99),
            PyTorchLayouts.CnnBatchPooled(fileDtype), ReferenceForward.CnnBatchPooled,
            rand(4, 1, 12, 12, dtype: modelDtype, generator: generator)),
        _ => (new ResNetSpec(1, 10, NormKind.Batch).Build(modelDtype, 99),
            PyTorchLayouts.ResNet8(( p, c) => PyTorchLayouts.BatchNorm(p, c, fileDtype), fileDtype), ReferenceForward.ResNet8Batch,
            rand(4, 3, 8, 8, dtype: modelDtype, generator: generator)),
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void A_pytorch_state_dict_loads_from_both_formats_and_computes_pytorchs_forward(string arch)
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        using var generator = new Generator(7);
        var (fromPt, layout, reference, x) = Case(arch, ScalarType.Float64, ScalarType.Float64, generator);
        var (fromSafetensors, _, _, _) = Case(arch, ScalarType.Float64, ScalarType.Float64, generator);
        var stateDict = PyTorchLayouts.RandomStateDict(layout, generator);
        ForeignFiles.Write(dir.File("weights.pt"), stateDict);
        ForeignFiles.Write(dir.File("weights.safetensors"), stateDict);

        Checkpoint.Load(fromPt, dir.File("weights.pt"));
        Checkpoint.Load(fromSafetensors, dir.File("weights.safetensors"));

        foreach (var model in new[] { fromPt, fromSafetensors })
        {
            var state = model.state_dict();
            foreach (var (key, value) in stateDict) ModelAssertions.AssertBitwiseEqual(value, state[key]);
            model.eval();
        }
        var y = fromPt.forward(x);
        ModelAssertions.AssertBitwiseEqual(y, fromSafetensors.forward(x));
        var expected = reference(x, stateDict);
        Assert.True(y.allclose(expected, rtol: ReferenceTolerance, atol: ReferenceTolerance),
            $"max deviation {(y - expected).abs().max().item<double>():e3}");
        fromPt.Dispose();
        fromSafetensors.Dispose();
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void A_float32_pytorch_checkpoint_loads_exactly_into_a_float64_model(string arch)
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        using var generator = new Generator(8);
        var (model, layout, _, _) = Case(arch, ScalarType.Float64, ScalarType.Float32, generator);
        var stateDict = PyTorchLayouts.RandomStateDict(layout, generator);
        foreach (var extension in new[] { ".pt", ".safetensors" })
        {
            ForeignFiles.Write(dir.File("w" + extension), stateDict);
            Checkpoint.Load(model, dir.File("w" + extension));
            var state = model.state_dict();
            foreach (var (key, value) in stateDict)
            {
                var expected = value.dtype == ScalarType.Float32 ? value.to(ScalarType.Float64) : value;
                ModelAssertions.AssertBitwiseEqual(expected, state[key]);
            }
        }
        model.Dispose();
    }

    [Fact]
    public void Loaded_parameters_keep_their_identity_and_gradients()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        using var generator = new Generator(9);
        var (model, layout, _, x) = Case("mlp", ScalarType.Float64, ScalarType.Float32, generator);
        var before = model.parameters().ToArray();
        ForeignFiles.Write(dir.File("w.pt"), PyTorchLayouts.RandomStateDict(layout, generator));
        Checkpoint.Load(model, dir.File("w.pt"));
        var after = model.parameters().ToArray();
        Assert.Equal(before.Length, after.Length);
        for (int i = 0; i < before.Length; i++)
        {
            Assert.Same(before[i], after[i]);
            Assert.True(after[i].requires_grad);
        }
        model.forward(x).sum().backward();
        Assert.All(after, p => Assert.NotNull(p.grad));
        model.Dispose();
    }
}
