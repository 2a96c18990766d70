using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Estimators;

/// <summary>
/// Hutch++ (Meyer, Musco, Musco &amp; Woodruff 2021, "Hutch++: Optimal Stochastic Trace Estimation", Algorithm 1).
/// With a budget of m products: draw S [n, s], s = ⌊m/3⌋; Q = orthonormal basis of A·S (Householder QR);
/// compute tr(QᵀAQ) exactly (r = min(n, s) products); estimate the rest by Hutchinson on
/// (I − QQᵀ)A(I − QQᵀ) with the remaining g = m − s − r ≥ m/3 probes:
/// tr(A) ≈ tr(QᵀAQ) + (1/g) Σᵢ wᵢᵀAwᵢ, wᵢ = (I − QQᵀ)zᵢ.
/// The low-rank part removes the top of the spectrum, so for PSD A the error falls as O(1/m) instead of
/// Hutchinson's O(1/√m) (ibid., Theorem 1.1); when rank(A) ≤ s the residual is zero up to round-off.
/// <para>Standard error: the sample SE of the g residual samples, i.e. conditional on Q. Because the
/// conditional mean is tr(A) for every Q (tr(A) = tr(QᵀAQ) + tr(PAP), P = I − QQᵀ), the unconditional variance
/// is the mean of the conditional one, so the conditional SE is also honest over repeated runs.</para>
/// </summary>
public static class HutchPlusPlus
{
    /// <summary>Default first-round budget of the target mode: 30 products leave ≥ 10 residual probes, the
    /// <see cref="Hutchinson.DefaultMinProbes"/> below which the sample SE is not trusted (our choice).</summary>
    public const int DefaultInitialMatvecs = 30;

    /// <summary>Stage name under which <see cref="Estimate"/> saves its state in an <see cref="IEstimatorCheckpoint"/>.</summary>
    public const string Stage = "hutch-plus-plus";

    /// <summary>Estimates tr(A) with exactly <paramref name="matvecs"/> products (Algorithm 1).</summary>
    /// <param name="op">The symmetric operator A.</param>
    /// <param name="matvecs">Budget m ≥ 3 (a third for S, up to a third for Q, the rest for the residual;
    /// the SE needs ≥ 2 residual probes, i.e. m ≥ 4).</param>
    /// <param name="generator">Source of randomness for S and the residual probes.</param>
    /// <param name="distribution">Probe distribution for S and the residual probes; Rademacher by default.</param>
    /// <param name="blockSize">Columns per product block (default <see cref="Hutchinson.DefaultBlockSize"/>).</param>
    /// <returns>The estimate with <see cref="TraceEstimate.DeterministicPart"/> = tr(QᵀAQ) and
    /// <see cref="TraceStopReason.BudgetSpent"/>.</returns>
    /// <param name="checkpoint">Optional: the run saves the generator's state when it starts and its result when it ends
    /// (stage <see cref="Stage"/>); resumed, a finished run returns its result and an unfinished one is repeated from its
    /// start — it costs only its budget — with the same random draws, so the result is bit-identical.</param>
    /// <param name="cancellation">Checked before every product (<see cref="OperationCanceledException"/>).</param>
    public static TraceEstimate Estimate(ILinearOperator op, int matvecs, Generator generator,
        ProbeDistribution distribution = ProbeDistribution.Rademacher, int blockSize = Hutchinson.DefaultBlockSize,
        IEstimatorCheckpoint? checkpoint = null, CancellationToken cancellation = default)
    {
        EstimatorArguments.CheckProbing(op, generator, distribution, blockSize, "columns per block");
        EstimatorArguments.CheckAtLeast(matvecs, 3, nameof(matvecs), "Hutch++ splits its budget in thirds");
        using var session = ProductSession.Begin(op);   // the network graphs are built once for all the products below
        var schedule = new CheckpointSchedule(checkpoint, Stage, cancellation);
        var loaded = schedule.Load();
        if (loaded is not null)
        {
            var saved = CheckpointSchedule.As<HutchPlusPlusState>(loaded, Stage);
            CheckpointSchedule.RequireSame(Stage, "n", saved.Size, op.Size);
            CheckpointSchedule.RequireSame(Stage, "matvecs", saved.Matvecs, matvecs);
            CheckpointSchedule.RequireSame(Stage, "distribution", saved.Distribution, distribution);
            CheckpointSchedule.RequireSame(Stage, "blockSize", saved.BlockSize, blockSize);
            GeneratorStates.Restore(generator, saved.GeneratorState);
            if (saved.Result is { } done) return done;
        }
        else
            schedule.Save(() => new HutchPlusPlusState(op.Size, matvecs, distribution, blockSize, null, 0, GeneratorStates.Capture(generator)));
        var target = cancellation.CanBeCanceled ? new CancellableOperator(op, cancellation) : op;
        var result = Run(target, matvecs, generator, distribution, blockSize, matvecs, TraceStopReason.BudgetSpent);
        schedule.Save(() => new HutchPlusPlusState(op.Size, matvecs, distribution, blockSize, result, result.Matvecs, GeneratorStates.Capture(generator)));
        return result;
    }

    /// <summary>Estimates tr(A) until SE ≤ <paramref name="targetRelativeStandardError"/>·|estimate|.
    /// Rule: independent Hutch++ runs with budgets m₀, 2m₀, 4m₀, …; a run that meets the target is returned.
    /// The next budget is min(2m, remaining); if that is not larger than the last run's m (a smaller run cannot be
    /// expected to do better) the last run is returned with <see cref="TraceStopReason.BudgetExhaustedBeforeTarget"/>.
    /// Total spending ≤ <paramref name="maxMatvecs"/> and, with doubling, at most about twice the final run's.
    /// The returned record is the final run's; its <see cref="TraceEstimate.Matvecs"/> counts all runs.</summary>
    /// <param name="op">The symmetric operator A.</param>
    /// <param name="targetRelativeStandardError">Target SE/|estimate| (&gt; 0).</param>
    /// <param name="maxMatvecs">Maximum total products over all runs (≥ <paramref name="initialMatvecs"/>).</param>
    /// <param name="generator">Source of randomness.</param>
    /// <param name="distribution">Probe distribution; Rademacher by default.</param>
    /// <param name="initialMatvecs">Budget of the first run (≥ 6, so it has ≥ 2 residual probes for an SE;
    /// default <see cref="DefaultInitialMatvecs"/>).</param>
    /// <param name="blockSize">Columns per product block (default <see cref="Hutchinson.DefaultBlockSize"/>).</param>
    public static TraceEstimate EstimateToRelativeError(ILinearOperator op, double targetRelativeStandardError,
        int maxMatvecs, Generator generator, ProbeDistribution distribution = ProbeDistribution.Rademacher,
        int initialMatvecs = DefaultInitialMatvecs, int blockSize = Hutchinson.DefaultBlockSize)
    {
        EstimatorArguments.CheckProbing(op, generator, distribution, blockSize, "columns per block");
        EstimatorArguments.CheckPositiveFinite(targetRelativeStandardError, nameof(targetRelativeStandardError));
        EstimatorArguments.CheckAtLeast(initialMatvecs, 6, nameof(initialMatvecs), "the first run needs two residual probes for a standard error");
        EstimatorArguments.CheckAtLeast(maxMatvecs, initialMatvecs, nameof(maxMatvecs), $"the budget must allow the first run of {initialMatvecs} products");
        using var session = ProductSession.Begin(op);   // the network graphs are built once for all the products below

        int spent = 0, m = initialMatvecs;
        while (true)
        {
            spent += m;
            var run = Run(op, m, generator, distribution, blockSize, spent, TraceStopReason.TargetReached);
            if (run.StandardError <= targetRelativeStandardError * Math.Abs(run.Estimate)) return run;
            int next = (int)Math.Min(2L * m, maxMatvecs - spent);
            if (next <= m) return run with { StopReason = TraceStopReason.BudgetExhaustedBeforeTarget };
            m = next;
        }
    }

    static TraceEstimate Run(ILinearOperator op, int m, Generator generator, ProbeDistribution distribution,
        int blockSize, int reportedMatvecs, TraceStopReason reason)
    {
        using var scope = NewDisposeScope();
        long n = op.Size;
        int s = m / 3;
        var sketch = RandomVectors.Draw(n, s, distribution, generator);
        var q = linalg.qr(Blockwise(op, sketch, blockSize)).Q;   // reduced: [n, min(n, s)], orthonormal columns
        int r = (int)q.shape[1];

        // tr(QᵀAQ) = Σⱼ qⱼᵀAqⱼ, in blocks of columns.
        double lowRank = 0;
        for (int start = 0; start < r; start += blockSize)
        {
            using var inner = NewDisposeScope();
            var qb = q[.., TensorIndex.Slice(start, Math.Min(r, start + blockSize))];
            lowRank += qb.mul(EstimatorArguments.Product(op, qb)).sum().item<double>();
        }

        var samples = new List<double>(m - s - r);
        Hutchinson.Sample(op, m - s - r, distribution, generator, blockSize, q, samples);
        var (mean, se) = SampleStatistics.MeanAndStandardError(samples);
        return new TraceEstimate(lowRank + mean, se, reportedMatvecs, samples.Count, "Hutch++", distribution,
            lowRank, samples.ToArray(), reason);
    }

    /// <summary>A·X computed in column blocks (bounds the operator's working memory).</summary>
    static Tensor Blockwise(ILinearOperator op, Tensor x, int blockSize)
    {
        long k = x.shape[1];
        if (k <= blockSize) return EstimatorArguments.Product(op, x);
        var parts = new List<Tensor>();
        for (long start = 0; start < k; start += blockSize)
            parts.Add(EstimatorArguments.Product(op, x[.., TensorIndex.Slice(start, Math.Min(k, start + blockSize))]));
        return cat(parts, 1);
    }
}
