using BenchmarkDotNet.Attributes;
using Curvature.Benchmarks.Config;
using Curvature.Benchmarks.Operators;
using Curvature.Estimators;
using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Benchmarks.Benchmarks;

/// <summary>
/// Whole spectral estimates on the 784 × 784 covariance R = (1/p)XᵀX of random data at Fashion-MNIST size
/// (p = 10 000): SLQ with 10 probes × 90 steps (the defaults: Ghorbani et al. 2019) and the top 10 eigenpairs,
/// against the 900 single-vector products SLQ makes (<see cref="Products900"/>, the baseline). Each invocation
/// draws from a fresh generator with the same seed, so every iteration does identical work.
/// </summary>
[Config(typeof(MacroConfig))]
public class SpectrumBenchmarks
{
    [Params(ScalarType.Float64, ScalarType.Float32)]
    public ScalarType DType { get; set; }

    ILinearOperator _a = null!;
    Tensor _vector = null!;
    readonly SlqOptions _slq = new(Probes: 10, Steps: 90);

    [GlobalSetup]
    public void Setup()
    {
        _a = OperatorCases.Covariance(OperatorCases.FashionSamples, OperatorCases.FashionInputs, DType).Create();
        _vector = randn(_a.Size, dtype: ScalarType.Float64, generator: new Generator(OperatorCases.Seed));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _vector.Dispose();
        (_a as IDisposable)?.Dispose();
    }

    /// <summary>The products of one SLQ run alone: probes × steps single float64 vectors.</summary>
    [Benchmark(Baseline = true)]
    public double Products900() =>
        OperatorCases.RepeatedProducts(_a, _vector, _slq.Probes * _slq.Steps);

    [Benchmark]
    public double Slq() => StochasticLanczosQuadrature.Run(_a, _slq, new Generator(OperatorCases.Seed)).Trace.Estimate;

    [Benchmark]
    public double Top10()
    {
        using var pairs = TopEigenpairs.Compute(_a, 10, EigenvalueOrder.LargestAlgebraic, new Generator(OperatorCases.Seed));
        return pairs.Values[0];
    }
}
