using BenchmarkDotNet.Attributes;
using Curvature.Benchmarks.Config;
using Curvature.Benchmarks.Operators;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Curvature.Benchmarks.Benchmarks;

/// <summary>
/// A reference point, not an HVP: the time of one full-batch gradient (forward + backward, cross-entropy) of an MLP
/// on 10 000 Fashion-MNIST-sized inputs, at P ≈ 1e5 (784-128-10, P = 101 770) and P ≈ 1e6 (784-1024-256-10,
/// P = 1 068 810). A reverse-over-reverse HVP costs about 2–8 gradients (issue 5), so this brackets what a product
/// with a network Hessian costs here, and hence how large the Lanczos overhead is next to it (docs/BENCHMARKS.md).
/// Network HVPs themselves are issue 5's to measure.
/// </summary>
[Config(typeof(MacroConfig))]
public class ReferenceGradientBenchmarks
{
    [Params("784-128-10", "784-1024-256-10")]
    public string Layers { get; set; } = "";

    [Params(ScalarType.Float32, ScalarType.Float64)]
    public ScalarType DType { get; set; }

    Sequential _model = null!;
    Tensor _x = null!, _y = null!;

    /// <summary>Parameter count of the model (for the tables).</summary>
    public long Parameters { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var widths = Layers.Split('-').Select(long.Parse).ToArray();
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int i = 0; i + 1 < widths.Length; i++)
        {
            layers.Add(($"linear{i}", nn.Linear(widths[i], widths[i + 1], dtype: DType)));
            if (i + 2 < widths.Length) layers.Add(($"relu{i}", nn.ReLU()));
        }
        _model = nn.Sequential(layers);
        Parameters = _model.parameters().Sum(p => p.numel());
        var gen = new Generator(OperatorCases.Seed);
        _x = randn(OperatorCases.FashionSamples, widths[0], dtype: DType, generator: gen);
        _y = randint(0, widths[^1], [OperatorCases.FashionSamples], dtype: ScalarType.Int64, generator: gen);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose();
        _y.Dispose();
        _model.Dispose();
    }

    [Benchmark]
    public double Gradient()
    {
        using var scope = NewDisposeScope();
        _model.zero_grad();
        var loss = nn.functional.cross_entropy(_model.forward(_x), _y);
        loss.backward();
        return loss.ToDouble();
    }
}
