using BenchmarkDotNet.Attributes;
using Curvature.Benchmarks.Config;
using Curvature.Benchmarks.Operators;
using Curvature.Estimators;
using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Benchmarks.Benchmarks;

/// <summary>
/// Hutchinson against Hutch++ at an equal budget of products (time only; their accuracy is tested statistically in
/// the test suites), on the Fashion-MNIST-sized covariance in float64, both with the default block size of 10
/// columns per product. The baseline is the same number of products as [N, 10] blocks alone.
/// </summary>
[Config(typeof(MicroConfig))]
public class TraceBenchmarks
{
    const int Block = Hutchinson.DefaultBlockSize;

    [Params(30, 90, 300)]
    public int Matvecs { get; set; }

    ILinearOperator _a = null!;
    Tensor _block = null!;

    [GlobalSetup]
    public void Setup()
    {
        _a = OperatorCases.Covariance(OperatorCases.FashionSamples, OperatorCases.FashionInputs, ScalarType.Float64).Create();
        _block = randn(_a.Size, Block, dtype: ScalarType.Float64, generator: new Generator(OperatorCases.Seed));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _block.Dispose();
        (_a as IDisposable)?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public long Products()
    {
        long sink = 0;
        for (int done = 0; done < Matvecs; done += Block)
        {
            using var y = _a.Multiply(_block);
            sink += y.shape[1];
        }
        return sink;
    }

    [Benchmark]
    public double HutchinsonTrace() => Hutchinson.Estimate(_a, Matvecs, new Generator(OperatorCases.Seed)).Estimate;

    [Benchmark]
    public double HutchPlusPlusTrace() => HutchPlusPlus.Estimate(_a, Matvecs, new Generator(OperatorCases.Seed)).Estimate;
}
