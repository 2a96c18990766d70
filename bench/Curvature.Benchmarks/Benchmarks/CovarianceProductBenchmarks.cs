using BenchmarkDotNet.Attributes;
using Curvature.Benchmarks.Config;
using Curvature.Benchmarks.Operators;
using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Benchmarks.Benchmarks;

/// <summary>
/// <see cref="CovarianceOperator"/> products at Fashion-MNIST size (p × N = 10 000 × 784): one vector [N] against a
/// block [N, k]. R·V = (1/p) Xᵀ(X V) reads X twice whatever k is, so a block amortises the memory traffic; the
/// per-vector cost is T_block/k. Inputs are in the operator's dtype, so no conversion is timed.
/// </summary>
[Config(typeof(MicroConfig))]
public class CovarianceProductBenchmarks
{
    [Params(ScalarType.Float64, ScalarType.Float32)]
    public ScalarType DType { get; set; }

    CovarianceOperator _a = null!;
    Tensor _vector = null!;
    readonly Dictionary<int, Tensor> _blocks = new();

    [GlobalSetup]
    public void Setup()
    {
        _a = (CovarianceOperator)OperatorCases.Covariance(OperatorCases.FashionSamples, OperatorCases.FashionInputs, DType).Create();
        var gen = new Generator(OperatorCases.Seed + 1);
        _vector = randn(_a.Size, dtype: DType, generator: gen);
        foreach (int k in new[] { 1, 4, 10 })
            _blocks[k] = randn(_a.Size, k, dtype: DType, generator: gen);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _vector.Dispose();
        foreach (var b in _blocks.Values) b.Dispose();
        _blocks.Clear();
        _a.Dispose();
    }

    [Benchmark(Baseline = true)]
    public long Vector()
    {
        using var y = _a.Multiply(_vector);
        return y.shape[0];
    }

    [Benchmark]
    [Arguments(1)]
    [Arguments(4)]
    [Arguments(10)]
    public long Block(int k)
    {
        using var y = _a.Multiply(_blocks[k]);
        return y.shape[1];
    }
}
