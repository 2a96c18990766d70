using System.Diagnostics;
using Curvature.Benchmarks.Operators;
using Curvature.Estimators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Benchmarks.Reporting;

/// <summary>Context for the tables that BenchmarkDotNet cannot show: thread counts, the work each estimator
/// actually did (reorthogonalized steps, products), one timed run per case.</summary>
public static class Facts
{
    public static int Print(TextWriter o)
    {
        o.WriteLine($"torch intra-op threads: {get_num_threads()}, inter-op threads: {get_num_interop_threads()}, Environment.ProcessorCount: {Environment.ProcessorCount}");
        o.WriteLine();
        o.WriteLine("| operator | m | Selective: reorthogonalized steps | one Full run (s) | one Selective run (s) |");
        o.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var c in OperatorCases.LanczosOverhead())
        {
            var a = c.Create();
            using var start = randn(a.Size, dtype: ScalarType.Float64, generator: new Generator(OperatorCases.Seed));
            foreach (int m in new[] { 30, 90, 200 })
            {
                var sw = Stopwatch.StartNew();
                using (Lanczos.Run(a, start, new LanczosOptions(m, Reorthogonalization.Full))) { }
                double full = sw.Elapsed.TotalSeconds;
                sw.Restart();
                using var sel = Lanczos.Run(a, start, new LanczosOptions(m, Reorthogonalization.Selective));
                o.WriteLine($"| {c.Name} | {m} | {sel.Reorthogonalizations} | {full:F3} | {sw.Elapsed.TotalSeconds:F3} |");
            }
            (a as IDisposable)?.Dispose();
        }
        o.WriteLine();
        foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
        {
            var cov = OperatorCases.Covariance(OperatorCases.FashionSamples, OperatorCases.FashionInputs, dtype).Create();
            using var pairs = TopEigenpairs.Compute(cov, 10, EigenvalueOrder.LargestAlgebraic, new Generator(OperatorCases.Seed));
            var slq = StochasticLanczosQuadrature.Run(cov, new SlqOptions(10, 90), new Generator(OperatorCases.Seed));
            o.WriteLine($"{OperatorCases.Short(dtype)} covariance: Top10 used {pairs.Products} products ({pairs.Method}), all converged: {pairs.Converged.All(x => x)}; " +
                        $"SLQ steps per probe: {string.Join(",", slq.Steps.Distinct())}");
            (cov as IDisposable)?.Dispose();
        }
        return 0;
    }
}
