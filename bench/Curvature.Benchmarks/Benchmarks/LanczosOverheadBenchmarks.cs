using BenchmarkDotNet.Attributes;
using Curvature.Benchmarks.Config;
using Curvature.Benchmarks.Operators;
using Curvature.Estimators;
using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Benchmarks.Benchmarks;

/// <summary>
/// Lanczos overhead: m steps of <see cref="Lanczos.Run(ILinearOperator, Tensor, LanczosOptions, Generator?)"/> in
/// each reorthogonalization mode against the m operator products alone (<see cref="Products"/>, the baseline).
/// Overhead per step = (T_lanczos − T_products)/m; overhead fraction = 1 − T_products/T_lanczos.
/// On the diagonal operators the products are nearly free, so the difference is the estimator's own work.
/// </summary>
[Config(typeof(LanczosConfig))]
public class LanczosOverheadBenchmarks
{
    public static IEnumerable<OperatorCase> Operators => OperatorCases.LanczosOverhead();

    [ParamsSource(nameof(Operators))]
    public OperatorCase Operator { get; set; } = null!;

    [Params(30, 90, 200)]
    public int Steps { get; set; }

    ILinearOperator _a = null!;
    Tensor _start = null!;

    [GlobalSetup]
    public void Setup()
    {
        _a = Operator.Create();
        _start = randn(_a.Size, dtype: ScalarType.Float64, generator: new Generator(OperatorCases.Seed));
        _start.div_(_start.norm());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _start.Dispose();
        (_a as IDisposable)?.Dispose();
    }

    /// <summary>The m products alone, on a float64 unit vector as Lanczos feeds them.</summary>
    [Benchmark(Baseline = true)]
    public double Products() =>
        OperatorCases.RepeatedProducts(_a, _start, Steps);

    [Benchmark]
    public int Full() => Run(Reorthogonalization.Full);

    [Benchmark]
    public int Selective() => Run(Reorthogonalization.Selective);

    [Benchmark]
    public int None() => Run(Reorthogonalization.None);

    int Run(Reorthogonalization mode)
    {
        using var result = Lanczos.Run(_a, _start, new LanczosOptions(Steps, mode));
        if (result.Steps != Steps) throw new InvalidOperationException($"Lanczos stopped after {result.Steps} of {Steps} steps");
        return result.Reorthogonalizations;
    }
}
