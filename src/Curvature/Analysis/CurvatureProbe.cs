using System.Diagnostics;
using Curvature.Estimators;
using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Analysis;

/// <summary>
/// The measurements of one curvature operator of a network: top-K eigenpairs with residuals, λ₁/λ_K, the
/// gradient's concentration in the top-K eigenspace f_K = ‖P_K g‖²/‖g‖² for the full-batch and the
/// mini-batch gradients, the curvature along the gradient gᵀHg/‖g‖², the SLQ density, trace, |λ| mass and
/// negative mass each with a standard error, and optionally every estimate against the exact dense spectrum.
/// Silent: progress goes to the caller's <see cref="IProgress{T}"/>.
/// </summary>
public static class CurvatureProbe
{
    /// <summary>Largest n for exact mode: ~8,000 parameters means n products and an n×n float64 matrix
    /// (512 MB) and an O(n³) eigendecomposition of a few minutes on 2 cores.</summary>
    public const int MaxExactParameters = 8000;

    /// <summary>Runs the probe. <paramref name="operatorName"/> is recorded ("hessian", "ggn", "fisher").</summary>
    /// <remarks>
    /// With a <paramref name="checkpoint"/> the long stages — top eigenpairs, SLQ, Hutch++ — resume from their saved
    /// states (they share <paramref name="generator"/> in that order, and each state carries its state) and save as they
    /// go, so an interrupted run continued with the same checkpoint gives a bit-identical report; its
    /// <see cref="CurvatureReport.HvpCount"/> counts the products of the saved part too, as the uninterrupted run would.
    /// The gradient stage (a few passes over the data), the products along the gradient and exact mode are recomputed
    /// on resume: they are cheap next to the Lanczos stages (exact mode is bounded by
    /// <see cref="MaxExactParameters"/>) and deterministic.
    /// <paramref name="cancellation"/> is checked between products; the run then saves its state (with a checkpoint) and
    /// throws <see cref="OperationCanceledException"/>.
    /// <paramref name="products"/>, when given, is the same matrix computed elsewhere (a data-parallel operator over the same
    /// model and data): every operator product goes to it, while the loss and the gradients still come from
    /// <paramref name="op"/>.
    /// </remarks>
    public static CurvatureReport Run(NetworkOperator op, string operatorName, CurvatureProbeOptions options, Generator generator,
                                      IProgress<ProbeProgress>? progress = null, IEstimatorCheckpoint? checkpoint = null,
                                      CancellationToken cancellation = default, ILinearOperator? products = null)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (products is not null && (products.Size != op.Size || products.DType != op.DType))
            throw new ArgumentException($"the product operator is {products.Size} × {products.Size} in {products.DType}; the network's is {op.Size} × {op.Size} in {op.DType}", nameof(products));
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(generator);
        long n = op.Size;
        if (options.TopK < 1 || options.TopK > n)
            throw new ArgumentOutOfRangeException(nameof(options), $"--top must be between 1 and the number of parameters ({n}); got {options.TopK}");
        if (options.LanczosSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"--lanczos-steps must be at least 1; got {options.LanczosSteps}");
        if (options.Probes < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"--probes must be at least 1; got {options.Probes}");
        if (options.ProbeBlock is { } block && (block < 1 || block > options.Probes))
            throw new ArgumentOutOfRangeException(nameof(options), $"--probe-block must be between 1 and --probes ({options.Probes}); got {block}");
        if (options.GradientBatchSize is < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"--gradient-batch-size must be at least 1; got {options.GradientBatchSize}");
        if (options.Trace && !options.Density && options.TraceProducts < 4)
            throw new ArgumentOutOfRangeException(nameof(options), $"the Hutch++ trace needs at least 4 products; got {options.TraceProducts}");
        if (options.MaxStoredVectors is not null && options.Reorthogonalization != Reorthogonalization.Selective)
            throw new ArgumentOutOfRangeException(nameof(options), $"--max-stored-vectors bounds selective reorthogonalization; this run uses {options.Reorthogonalization}");
        if (options.Exact && n > MaxExactParameters)
            throw new ArgumentOutOfRangeException(nameof(options), $"exact mode materialises the {n}×{n} matrix; it is limited to {MaxExactParameters} parameters");

        var clock = Stopwatch.StartNew();
        // Every product passes this counter, so the report counts them wherever they are computed.
        var matrix = new CountingOperator(products ?? op, _ => { });
        var resumed = checkpoint is null ? null : new ResumeAccounting(checkpoint);
        using var scope = NewDisposeScope();

        progress?.Report(new ProbeProgress("gradient", 0, 1));
        var (loss, gradient) = op.LossAndGradient();
        var batchGradients = op.BatchGradients(options.GradientBatchSize);
        double gradientNormSquared = gradient.dot(gradient).item<double>();
        progress?.Report(new ProbeProgress("gradient", 1, 1));
        cancellation.ThrowIfCancellationRequested();

        int eigenBudget = options.MaxEigenSteps ?? (int)Math.Min(n, Math.Max(10 * options.TopK, 300));
        var counted = new CountingOperator(matrix, c => progress?.Report(new ProbeProgress("top eigenpairs", (int)Math.Min(c + (resumed?.Skipped ?? 0), eigenBudget), eigenBudget)));
        using var pairs = TopEigenpairs.Compute(counted, options.TopK, EigenvalueOrder.LargestAlgebraic, generator,
                                                options.Tolerance, options.MaxEigenSteps, resumed, cancellation, options.Basis);
        var top = pairs.Values;
        var vectors = pairs.Vectors!;
        double overlap = Overlap(vectors, gradient, gradientNormSquared);
        var batchOverlaps = batchGradients.Select(b => Overlap(vectors, b, b.dot(b).item<double>())).ToArray();
        var batchMoment = SpectralMoment.FromSamples(batchOverlaps);
        cancellation.ThrowIfCancellationRequested();
        double curvature = gradientNormSquared > 0 ? gradient.dot(matrix.Multiply(gradient)).item<double>() / gradientNormSquared : double.NaN;

        SlqResult? slq = null;
        double trace = double.NaN, traceStderr = double.NaN, absShare = double.NaN, negative = double.NaN, negativeShare = double.NaN;
        string traceMethod = "not computed";
        if (options.Density)
        {
            var slqOptions = SlqOptionsFor(n, options);
            int steps = slqOptions.Steps;
            int total = options.Probes * steps;
            long skippedBefore = resumed?.Skipped ?? 0;
            var slqCounted = new CountingOperator(matrix, c => progress?.Report(new ProbeProgress("spectral density (SLQ)", (int)Math.Min(c + (resumed?.Skipped ?? 0) - skippedBefore, total), total)));
            slq = StochasticLanczosQuadrature.Run(slqCounted, slqOptions, generator, resumed, cancellation);
            trace = slq.Trace.Estimate;
            traceStderr = slq.Trace.StandardError;
            traceMethod = $"SLQ ({options.Probes} Rademacher probes × {steps} Lanczos steps)";
            double nuclear = slq.Nuclear.Estimate;
            absShare = top.Sum(Math.Abs) / nuclear;
            negative = slq.TraceOf(x => x < 0 ? -x : 0).Estimate;
            negativeShare = negative / nuclear;
        }
        else if (options.Trace)
        {
            // Without the density, Hutch++ is the cheaper trace: the top of the spectrum that dominates a Hessian's
            // trace is captured exactly by its low-rank part (Meyer et al. 2021).
            var traceCounted = new CountingOperator(matrix, c => progress?.Report(new ProbeProgress("trace (Hutch++)", (int)Math.Min(c, options.TraceProducts), options.TraceProducts)));
            var estimate = HutchPlusPlus.Estimate(traceCounted, options.TraceProducts, generator, checkpoint: resumed, cancellation: cancellation);
            trace = estimate.Estimate;
            traceStderr = estimate.StandardError;
            traceMethod = $"Hutch++ ({options.TraceProducts} products)";
        }

        ExactComparison? exact = options.Exact ? Compare(matrix, options, top, vectors, gradient, gradientNormSquared, trace, traceStderr, progress, cancellation) : null;

        return new CurvatureReport(
            operatorName, op.Mode.ToString().ToLowerInvariant(), n, loss, Math.Sqrt(gradientNormSquared),
            top, pairs.Residuals, pairs.Converged,
            top[^1] > 0 ? top[0] / top[^1] : double.NaN,
            overlap, batchMoment.Estimate, batchMoment.StandardError, curvature,
            trace, traceStderr, traceMethod, absShare, negative, negativeShare,
            options.Density ? slq!.Density(DensitySmoothing.PapyanKappa, logScale: true) : null,
            options.Density ? slq!.Density(options.Smoothing) : null,
            slq?.Nodes, slq?.Weights, exact,
            matrix.Count + (resumed?.Skipped ?? 0), clock.Elapsed.TotalSeconds, slq?.ProbeBlock);
    }

    /// <summary>The SLQ options of the density stage for an operator of size <paramref name="n"/>: the probes, the Lanczos
    /// steps capped at n, Rademacher probes, full reorthogonalization and the probe block (so a caller can tell the block
    /// width the run will use: <see cref="StochasticLanczosQuadrature.ProbeBlockOf"/>).</summary>
    public static SlqOptions SlqOptionsFor(long n, CurvatureProbeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new SlqOptions(options.Probes, (int)Math.Min(options.LanczosSteps, n), Reorthogonalization: options.Reorthogonalization,
                              ProbeBlock: options.ProbeBlock, Basis: options.Basis, MaxStoredVectors: options.MaxStoredVectors);
    }

    /// <summary>Passes a checkpoint through and adds up the products the states it hands out stand for: those products
    /// are not repeated, yet belong in the run's count.</summary>
    sealed class ResumeAccounting(IEstimatorCheckpoint inner) : IEstimatorCheckpoint
    {
        public long Skipped { get; private set; }
        public int Interval => inner.Interval;
        public void Save(string stage, EstimatorState state) => inner.Save(stage, state);

        public EstimatorState? TryLoad(string stage)
        {
            var state = inner.TryLoad(stage);
            Skipped += state?.Products ?? 0;
            return state;
        }
    }

    /// <summary>f = ‖Vᵀg‖²/‖g‖² for orthonormal columns V.</summary>
    static double Overlap(Tensor vectors, Tensor g, double normSquared)
    {
        if (!(normSquared > 0)) return double.NaN;
        using var projection = vectors.T.matmul(g);
        return projection.dot(projection).item<double>() / normSquared;
    }

    static ExactComparison Compare(ILinearOperator op, CurvatureProbeOptions options, double[] top, Tensor vectors, Tensor gradient,
                                   double gradientNormSquared, double trace, double traceStderr, IProgress<ProbeProgress>? progress,
                                   CancellationToken cancellation)
    {
        using var scope = NewDisposeScope();
        long n = op.Size;
        var counted = new CountingOperator(new CancellableOperator(op, cancellation), c => progress?.Report(new ProbeProgress("exact: materialising", (int)c, (int)n)));
        var dense = counted.ToDense(blockSize: 64);
        double scale = dense.abs().max().item<double>();
        double asymmetry = (dense - dense.T).abs().max().item<double>() / Math.Max(scale, double.Epsilon);
        var (values, eigenvectors) = linalg.eigh((dense + dense.T) / 2);
        var descending = values.flip(0);
        var exactValues = descending.data<double>().ToArray();
        int k = top.Length;
        var errors = Enumerable.Range(0, k).Select(i => Math.Abs(top[i] - exactValues[i]) / Math.Abs(exactValues[i])).ToArray();
        double exactTrace = exactValues.Sum();
        var exactTop = eigenvectors.flip(1)[.., TensorIndex.Slice(0, k)];
        double exactOverlap = Overlap(exactTop, gradient, gradientNormSquared);
        double absTotal = exactValues.Sum(Math.Abs);
        return new ExactComparison(exactValues, errors, exactTrace, trace - exactTrace, (trace - exactTrace) / traceStderr,
                                   exactOverlap, exactValues.Take(k).Sum(Math.Abs) / absTotal,
                                   exactValues.Where(x => x < 0).Sum(x => -x), asymmetry);
    }
}
