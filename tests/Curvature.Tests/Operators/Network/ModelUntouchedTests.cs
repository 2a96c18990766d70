using System.Text;
using Curvature.Analysis;
using Curvature.Models;
using Curvature.Operators;
using Curvature.Study;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Operators.Network;

/// <summary>
/// "Analysis never changes the model", byte for byte: for every network operator × BatchNorm mode × zoo model with
/// BatchNorm × state the model is in beforehand (train or eval flag; with or without a .grad on every parameter),
/// everything that touches the model — construction, products (vector and block), loss and gradient, mini-batch
/// gradients, accuracy, the curvature probe with density and trace, the per-layer probe and the smoothness probe —
/// must leave its serialised state identical: parameters, every buffer (running_mean, running_var,
/// num_batches_tracked), the .grad tensors (same bytes, or still undefined), every module's training flag and every
/// BatchNorm's momentum. The state before is deliberately unusual (running statistics and counters far from their
/// defaults, a non-default and a None momentum) so that a reset or a default left behind shows.
/// </summary>
public sealed class ModelUntouchedTests
{
    public enum Net { Mlp, Cnn, ResNet8 }

    /// <summary>The state the model is in before analysis.</summary>
    public enum Before { Train, Eval, TrainWithGrad, EvalWithGrad }

    public static TheoryData<Net, BatchNormMode, Before> Cases()
    {
        var data = new TheoryData<Net, BatchNormMode, Before>();
        foreach (var net in Enum.GetValues<Net>())
            foreach (var mode in Enum.GetValues<BatchNormMode>())
                foreach (var before in Enum.GetValues<Before>())
                    // The ResNet's ~80k parameters make each product ~20× an MLP's: it runs in the two states with the
                    // probes, which between them cover both flags and both .grad conditions.
                    if (net != Net.ResNet8 || before is Before.TrainWithGrad or Before.Eval)
                        data.Add(net, mode, before);
        return data;
    }

    /// <summary>Samples analysed: batches of 3, 3 and 2 under the fixed partition (train-mode BatchNorm needs ≥ 2 per
    /// batch; a short last batch exercises the |b|/N weights).</summary>
    const int Samples = 8, BatchSize = 3, Classes = 3;

    [Theory]
    [MemberData(nameof(Cases))]
    public void AnalysisLeavesTheModelByteIdentical(Net net, BatchNormMode mode, Before before)
    {
        using var scope = NewDisposeScope();
        var (model, sampleShape) = Build(net);
        Prepare(model, before);
        using var data = Data(sampleShape, seed: 3, Samples, BatchSize);
        using var population = Data(sampleShape, seed: 4, 2 * Samples, null);
        var expected = Serialise(model);

        foreach (var kind in new[] { "hessian", "ggn", "fisher", "finite-difference" })
        {
            using var op = Operator(kind, model, data, mode, population);
            AssertUnchanged(expected, model, $"{kind}: construction");
            long n = op.Size;
            op.Multiply(ones(n, dtype: ScalarType.Float64));
            AssertUnchanged(expected, model, $"{kind}: vector product");
            op.Multiply(ones(n, 2, dtype: ScalarType.Float64));
            AssertUnchanged(expected, model, $"{kind}: block product");
            using (ProductSession.Begin(op))
            {
                op.Multiply(ones(n, dtype: ScalarType.Float64));
                op.Multiply(ones(n, 2, dtype: ScalarType.Float64));
                op.LossAndGradient();   // a non-product call inside a session releases the graphs
                op.Multiply(ones(n, dtype: ScalarType.Float64));
            }
            AssertUnchanged(expected, model, $"{kind}: product session");
            op.LossAndGradient();
            AssertUnchanged(expected, model, $"{kind}: loss and gradient");
            op.BatchGradients();
            op.BatchGradients(batchSize: 4);
            AssertUnchanged(expected, model, $"{kind}: batch gradients");
            op.Accuracy();
            AssertUnchanged(expected, model, $"{kind}: accuracy");
            SmoothnessProbe.Run(op, [1e-3, 1e-1]);
            AssertUnchanged(expected, model, $"{kind}: smoothness probe");
            if (before != Before.TrainWithGrad) continue;
            using (var generator = new Generator(5))
                CurvatureProbe.Run(op, kind, ProbeOptions, generator);
            AssertUnchanged(expected, model, $"{kind}: curvature probe");
        }
        if (before != Before.Eval) return;
        using (var generator = new Generator(6))
            LayerCurvatureProbe.Run(model, LossKind.CrossEntropy, data, mode, population, LayerTolerance, generator);
        AssertUnchanged(expected, model, "layer curvature probe");
    }

    /// <summary>The comparison can fail: each kind of change analysis could make is seen and named.</summary>
    [Fact]
    public void EveryKindOfChangeIsSeen()
    {
        using var scope = NewDisposeScope();
        var (model, sampleShape) = Build(Net.Mlp);
        Prepare(model, Before.Eval);
        using var data = Data(sampleShape, seed: 3, Samples, BatchSize);
        var norm = model.named_modules().Select(m => m.module).OfType<TorchSharp.Modules.NormBase>().First();
        var first = model.named_parameters().First().parameter;
        var changes = new (string Named, Action Change, Action Undo)[]
        {
            ("buffer 2.running_mean", () => { using (no_grad()) { model.train(); model.call(data.Inputs); model.eval(); } }, () => Prepare(model, Before.Eval)),
            ("training 2", () => norm.train(), () => norm.eval()),
            ("norm 2", () => norm.momentum = 0.1, () => norm.momentum = 0.3),
            ("grad 1.weight", () => first.grad = zeros_like(first), () => first.grad = null),
            ("parameter 1.weight", () => { using (no_grad()) first.view(-1)[0].add_(1e-3); }, () => { }),
        };
        foreach (var (named, change, undo) in changes)
        {
            var expected = Serialise(model);
            change();
            var error = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertUnchanged(expected, model, "a change"));
            Assert.Contains(named, error.Message);
            undo();
        }
    }

    /// <summary>The curvature and per-layer probes cost ~25 products per operator and ~20 per weight layer (their Lanczos
    /// starts with 20 steps whatever the budget) — ~330 products on the ResNet, most of this test's time. They reach the
    /// model only through the operator members checked in every state, so each runs in one state per model, mode (and
    /// operator), the two states covering both flags and both .grad conditions: the curvature probe in train with .grad,
    /// the per-layer probe in eval without.
    /// The curvature probe with every part that runs products (top eigenpair, f_K, gᵀHg, SLQ density and
    /// trace) at the smallest budget: what is checked is the model afterwards, not the estimates.</summary>
    static readonly CurvatureProbeOptions ProbeOptions = new(TopK: 1, Density: true, Trace: true, LanczosSteps: 3, Probes: 1, MaxEigenSteps: 3);

    /// <summary>A loose Ritz tolerance keeps the per-layer Lanczos short; its accuracy is tested elsewhere.</summary>
    const double LayerTolerance = 0.5;

    static NetworkOperator Operator(string kind, nn.Module<Tensor, Tensor> model, NetworkData data, BatchNormMode mode, NetworkData population) => kind switch
    {
        "hessian" => new HessianOperator(model, LossKind.CrossEntropy, data, mode, population: population),
        "ggn" => new GaussNewtonOperator(model, LossKind.CrossEntropy, data, mode, population: population),
        "fisher" => new EmpiricalFisherOperator(model, LossKind.CrossEntropy, data, mode, population: population),
        _ => new FiniteDifferenceHessianOperator(model, LossKind.CrossEntropy, data, mode, population: population),
    };

    /// <summary>Tiny zoo models with BatchNorm: an MLP (float64), a CNN (float32, so the float32 path is covered) and
    /// the smallest CIFAR ResNet, n = 1 (ResNet-8, float32) on 4×4 single-channel images.</summary>
    static (nn.Module<Tensor, Tensor> Model, long[] SampleShape) Build(Net net) => net switch
    {
        Net.Mlp => (new MlpSpec(6, [5, 4], Classes, Activation.Tanh, NormKind.Batch).Build(ScalarType.Float64, 1), [6]),
        Net.Cnn => (new CnnSpec(1, 6, 6, [2, 2], [3, 2], [2, 1], [0, 0], Classes, Activation.Tanh, NormKind.Batch).Build(ScalarType.Float32, 1), [1, 6, 6]),
        _ => (new ResNetSpec(1, Classes, NormKind.Batch, Activation.Relu, InputChannels: 1).Build(ScalarType.Float32, 1), [1, 4, 4]),
    };

    static NetworkData Data(long[] sampleShape, ulong seed, int count, int? batchSize)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(seed);
        var x = randn([count, .. sampleShape], dtype: ScalarType.Float64, generator: generator);
        var y = randint(0, Classes, [count], generator: generator);
        return new NetworkData(x, y, batchSize);
    }

    /// <summary>Puts the model in the given state, far from any default: running statistics drawn at random,
    /// num_batches_tracked 7, the first BatchNorm's momentum 0.3 and the last's None (cumulative average), every
    /// parameter's .grad a known tensor or undefined, and the train or eval flag.</summary>
    static void Prepare(nn.Module<Tensor, Tensor> model, Before before)
    {
        using var generator = new Generator(2);
        using (no_grad())
            foreach (var (name, buffer) in model.named_buffers())
            {
                if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal)) buffer.fill_(7);
                else if (name.EndsWith("running_var", StringComparison.Ordinal)) buffer.copy_(rand(buffer.shape, dtype: buffer.dtype, generator: generator).add_(0.5));
                else buffer.copy_(randn(buffer.shape, dtype: buffer.dtype, generator: generator));
            }
        var norms = model.named_modules().Select(m => m.module).OfType<TorchSharp.Modules.NormBase>().ToList();
        Assert.True(norms.Count >= 2, "every model here has at least two BatchNorm layers");
        norms[0].momentum = 0.3;
        norms[^1].momentum = null;
        if (before is Before.TrainWithGrad or Before.EvalWithGrad)
            foreach (var (_, p) in model.named_parameters())
                p.grad = randn(p.shape, dtype: p.dtype, generator: generator);
        if (before is Before.Train or Before.TrainWithGrad) model.train();
        else model.eval();
    }

    /// <summary>The model's state as named byte strings: each parameter (dtype, shape, requires_grad, bytes), its
    /// .grad (bytes or "undefined"), each buffer, each module's training flag (the root included), each norm's
    /// momentum, eps and track_running_stats.</summary>
    static SortedDictionary<string, byte[]> Serialise(nn.Module model)
    {
        var state = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (name, p) in model.named_parameters())
        {
            state["parameter " + name] = [.. TensorBytes(p), (byte)(p.requires_grad ? 1 : 0)];
            state["grad " + name] = p.grad is { } g ? TensorBytes(g) : Encoding.ASCII.GetBytes("undefined");
        }
        foreach (var (name, buffer) in model.named_buffers())
            state["buffer " + name] = TensorBytes(buffer);
        foreach (var (name, module) in model.named_modules().Prepend(("<root>", model)))
        {
            state["training " + name] = [(byte)(module.training ? 1 : 0)];
            if (module is TorchSharp.Modules.NormBase norm)
                state["norm " + name] = Encoding.ASCII.GetBytes(
                    $"momentum={(norm.momentum is { } m ? BitConverter.DoubleToInt64Bits(m).ToString("x16") : "None")} " +
                    $"eps={BitConverter.DoubleToInt64Bits(norm.eps):x16} track={norm.track_running_stats}");
        }
        return state;
    }

    static byte[] TensorBytes(Tensor t) =>
        [.. Encoding.ASCII.GetBytes($"{t.dtype}[{string.Join(",", t.shape)}]:"), .. t.detach().contiguous().bytes.ToArray()];

    static void AssertUnchanged(SortedDictionary<string, byte[]> expected, nn.Module model, string after)
    {
        var actual = Serialise(model);
        Assert.True(expected.Keys.SequenceEqual(actual.Keys), $"after {after}: the set of parameters, buffers or modules changed");
        var changed = expected.Keys.Where(k => !expected[k].AsSpan().SequenceEqual(actual[k])).ToList();
        Assert.True(changed.Count == 0, $"after {after}: changed {string.Join(", ", changed)}");
    }
}
