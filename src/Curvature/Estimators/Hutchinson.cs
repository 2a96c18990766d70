using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Estimators;

/// <summary>
/// Hutchinson's trace estimator (Hutchinson 1989; analysis: Avron &amp; Toledo 2011):
/// tr(A) ≈ (1/k) Σᵢ zᵢᵀAzᵢ for i.i.d. probes with E[zzᵀ] = I, with standard error s/√k where s is the sample
/// standard deviation of the k samples zᵢᵀAzᵢ. Per-probe variance: 2(‖A‖²_F − Σᵢ Aᵢᵢ²) for Rademacher probes,
/// 2‖A‖²_F for Gaussian ones. Probes run in blocks: one <see cref="ILinearOperator.Multiply"/> per [n, b] block
/// (b = block size), each column counting as one matvec. Probe vectors are float64.
/// </summary>
public static class Hutchinson
{
    /// <summary>Default probes per block: equal to <see cref="DefaultMinProbes"/>, so that in target mode the first
    /// standard-error check falls exactly where the SE starts to be trusted; small enough that an [n, b] block of
    /// a network-sized operator fits in memory (our choice).</summary>
    public const int DefaultBlockSize = 10;

    /// <summary>Default minimum number of probes before the target-SE rule may stop: the sample SE of k samples
    /// has a relative spread of about 1/√(2k) (≈ 22% at k = 10, Gaussian-like samples) and a rule that stops on
    /// a small SE favours runs whose SE was underestimated by chance; below ~10 probes both effects are large
    /// enough to stop far too early (our choice, the usual Monte-Carlo rule of thumb).</summary>
    public const int DefaultMinProbes = 10;

    /// <summary>Estimates tr(A) with exactly <paramref name="matvecs"/> probes (one product each).</summary>
    /// <param name="op">The symmetric operator A.</param>
    /// <param name="matvecs">Budget: number of probes = number of products with A (≥ 1; the SE needs ≥ 2).</param>
    /// <param name="generator">Source of randomness for the probes.</param>
    /// <param name="distribution">Probe distribution; Rademacher by default (minimum variance, Hutchinson 1989).</param>
    /// <param name="blockSize">Probes per product block (default <see cref="DefaultBlockSize"/>).</param>
    /// <returns>The estimate with <see cref="TraceStopReason.BudgetSpent"/>.</returns>
    public static TraceEstimate Estimate(ILinearOperator op, int matvecs, Generator generator,
        ProbeDistribution distribution = ProbeDistribution.Rademacher, int blockSize = DefaultBlockSize)
    {
        EstimatorArguments.CheckProbing(op, generator, distribution, blockSize, "probes per block");
        EstimatorArguments.CheckAtLeast(matvecs, 1, nameof(matvecs), "one probe per product");
        using var session = ProductSession.Begin(op);   // the network graphs are built once for all the products below

        var samples = new List<double>(matvecs);
        Sample(op, matvecs, distribution, generator, blockSize, null, samples);
        return Result(samples, matvecs, distribution, TraceStopReason.BudgetSpent);
    }

    /// <summary>Estimates tr(A) until SE ≤ <paramref name="targetRelativeStandardError"/>·|estimate|, checked
    /// after every block once at least <paramref name="minProbes"/> probes are in, or until
    /// <paramref name="maxMatvecs"/> products are spent (then <see cref="TraceStopReason.BudgetExhaustedBeforeTarget"/>).
    /// An estimate of exactly 0 never meets a relative target.</summary>
    /// <param name="op">The symmetric operator A.</param>
    /// <param name="targetRelativeStandardError">Target SE/|estimate| (&gt; 0).</param>
    /// <param name="maxMatvecs">Maximum products (≥ <paramref name="minProbes"/>).</param>
    /// <param name="generator">Source of randomness for the probes.</param>
    /// <param name="distribution">Probe distribution; Rademacher by default.</param>
    /// <param name="minProbes">Probes before the rule may stop (≥ 2; default <see cref="DefaultMinProbes"/>).</param>
    /// <param name="blockSize">Probes per product block (default <see cref="DefaultBlockSize"/>).</param>
    public static TraceEstimate EstimateToRelativeError(ILinearOperator op, double targetRelativeStandardError,
        int maxMatvecs, Generator generator, ProbeDistribution distribution = ProbeDistribution.Rademacher,
        int minProbes = DefaultMinProbes, int blockSize = DefaultBlockSize)
    {
        EstimatorArguments.CheckProbing(op, generator, distribution, blockSize, "probes per block");
        EstimatorArguments.CheckPositiveFinite(targetRelativeStandardError, nameof(targetRelativeStandardError));
        EstimatorArguments.CheckAtLeast(minProbes, 2, nameof(minProbes), "a sample standard error needs two samples");
        EstimatorArguments.CheckAtLeast(maxMatvecs, minProbes, nameof(maxMatvecs), $"the budget must allow minProbes = {minProbes} probes");
        using var session = ProductSession.Begin(op);   // the network graphs are built once for all the products below

        var samples = new List<double>();
        while (samples.Count < maxMatvecs)
        {
            Sample(op, Math.Min(blockSize, maxMatvecs - samples.Count), distribution, generator, blockSize, null, samples);
            if (samples.Count < minProbes) continue;
            var (mean, se) = SampleStatistics.MeanAndStandardError(samples);
            if (se <= targetRelativeStandardError * Math.Abs(mean))
                return Result(samples, samples.Count, distribution, TraceStopReason.TargetReached);
        }
        return Result(samples, samples.Count, distribution, TraceStopReason.BudgetExhaustedBeforeTarget);
    }

    /// <summary>Appends <paramref name="count"/> samples zᵀBz to <paramref name="samples"/>, where B = A, or
    /// B = PAP with P = I − QQᵀ when an orthonormal float64 <paramref name="basis"/> Q [n, r] is given (the
    /// Hutch++ residual: w = Pz, sample wᵀAw, one product per probe).</summary>
    internal static void Sample(ILinearOperator op, int count, ProbeDistribution distribution, Generator generator,
        int blockSize, Tensor? basis, List<double> samples)
    {
        for (int done = 0; done < count;)
        {
            using var scope = NewDisposeScope();
            int b = Math.Min(blockSize, count - done);
            var z = RandomVectors.Draw(op.Size, b, distribution, generator);
            if (basis is not null) z = z - basis.matmul(basis.T.matmul(z));
            var az = EstimatorArguments.Product(op, z);
            samples.AddRange(z.mul(az).sum(0L).data<double>().ToArray());
            done += b;
        }
    }

    static TraceEstimate Result(List<double> samples, int matvecs, ProbeDistribution distribution, TraceStopReason reason)
    {
        var (mean, se) = SampleStatistics.MeanAndStandardError(samples);
        return new TraceEstimate(mean, se, matvecs, samples.Count, "Hutchinson", distribution, 0.0, samples.ToArray(), reason);
    }
}
