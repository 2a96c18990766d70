using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Estimators;

/// <summary>
/// Stochastic diagonal estimation (Bekas, Kokiopoulou &amp; Saad 2007, "An estimator for the diagonal of a
/// matrix"): diag(A) ≈ (1/k) Σᵢ zᵢ ⊙ Azᵢ for i.i.d. probes with E[zzᵀ] = I. Bekas et al. divide by
/// Σᵢ zᵢ ⊙ zᵢ; for Rademacher probes that is exactly k, and for Gaussian probes we keep the plain mean, which is
/// unbiased and has a simple standard error. Per-entry variance of one sample: Σ_{l≠j} A_jl² (Rademacher — so
/// a diagonal A is recovered exactly with zero variance), 2A_jj² + Σ_{l≠j} A_jl² (Gaussian).
/// Moments are accumulated per block with Chan et al.'s pairwise update (stable; constant samples give SE 0).
/// </summary>
public static class DiagonalEstimator
{
    /// <summary>Estimates diag(A) with <paramref name="probes"/> probes (one product each).</summary>
    /// <param name="op">The symmetric operator A.</param>
    /// <param name="probes">Number of probes k ≥ 1 (the SE needs ≥ 2).</param>
    /// <param name="generator">Source of randomness.</param>
    /// <param name="distribution">Probe distribution; Rademacher by default (exact for diagonal A).</param>
    /// <param name="blockSize">Probes per product block (default <see cref="Hutchinson.DefaultBlockSize"/>).</param>
    public static DiagonalEstimate Estimate(ILinearOperator op, int probes, Generator generator,
        ProbeDistribution distribution = ProbeDistribution.Rademacher, int blockSize = Hutchinson.DefaultBlockSize)
    {
        EstimatorArguments.CheckProbing(op, generator, distribution, blockSize, "probes per block");
        EstimatorArguments.CheckAtLeast(probes, 1, nameof(probes), "one probe per product");
        using var session = ProductSession.Begin(op);   // the network graphs are built once for all the products below

        using var scope = NewDisposeScope();
        long n = op.Size;
        var mean = zeros(n, dtype: ScalarType.Float64);
        var sumSquares = zeros(n, dtype: ScalarType.Float64);   // Σ (x − mean)² per entry
        int count = 0;
        while (count < probes)
        {
            using var inner = NewDisposeScope();
            int b = Math.Min(blockSize, probes - count);
            var z = RandomVectors.Draw(n, b, distribution, generator);
            var x = z.mul(EstimatorArguments.Product(op, z));          // [n, b] samples zᵢ ⊙ Azᵢ
            var blockMean = x.mean([1L]);
            var blockSumSquares = x.sub(blockMean.unsqueeze(1)).square().sum(1L);
            // Chan, Golub & LeVeque (1983) pairwise combination of (count, mean, M2).
            var delta = blockMean.sub(mean);
            double total = count + b;
            mean.add_(delta.mul(b / total));
            sumSquares.add_(blockSumSquares).add_(delta.square().mul((double)count * b / total));
            count += b;
        }
        var estimate = mean.data<double>().ToArray();
        var se = probes < 2
            ? Enumerable.Repeat(double.NaN, (int)n).ToArray()
            : sumSquares.div((double)(probes - 1) * probes).sqrt().data<double>().ToArray();
        return new DiagonalEstimate(estimate, se, probes, probes, distribution);
    }
}
