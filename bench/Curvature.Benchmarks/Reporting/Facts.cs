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
        o.WriteLine("Selective: how many of the m steps were reorthogonalized (deterministic: fixed start vector).");
        o.WriteLine();
        o.WriteLine("| operator | m = 30 | m = 90 | m = 200 |");
        o.WriteLine("|---|---:|---:|---:|");
        foreach (var c in OperatorCases.LanczosOverhead())
        {
            var a = c.Create();
            using var start = randn(a.Size, dtype: ScalarType.Float64, generator: new Generator(OperatorCases.Seed));
            var counts = new[] { 30, 90, 200 }.Select(m =>
            {
                using var r = Lanczos.Run(a, start, new LanczosOptions(m, Reorthogonalization.Selective));
                return r.Reorthogonalizations;
            }).ToArray();
            o.WriteLine($"| {c.Name} | {counts[0]} | {counts[1]} | {counts[2]} |");
            (a as IDisposable)?.Dispose();
        }
        o.WriteLine();
        o.WriteLine("One timed run at m = 90 (s), for a quick check outside BenchmarkDotNet; /proc/loadavg before and after.");
        o.WriteLine($"loadavg before: {LoadAverage()}");
        o.WriteLine();
        o.WriteLine("| operator | 90 products | Full | Selective | None |");
        o.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var c in OperatorCases.LanczosOverhead())
        {
            var a = c.Create();
            using var start = randn(a.Size, dtype: ScalarType.Float64, generator: new Generator(OperatorCases.Seed));
            var sw = Stopwatch.StartNew();
            for (int j = 0; j < 90; j++) a.Multiply(start).Dispose();
            double products = sw.Elapsed.TotalSeconds;
            var times = new[] { Reorthogonalization.Full, Reorthogonalization.Selective, Reorthogonalization.None }.Select(mode =>
            {
                sw.Restart();
                using (Lanczos.Run(a, start, new LanczosOptions(90, mode))) { }
                return sw.Elapsed.TotalSeconds;
            }).ToArray();
            o.WriteLine($"| {c.Name} | {products:F4} | {times[0]:F4} | {times[1]:F4} | {times[2]:F4} |");
            (a as IDisposable)?.Dispose();
        }
        o.WriteLine();
        o.WriteLine($"loadavg after: {LoadAverage()}");
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

    static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
}
