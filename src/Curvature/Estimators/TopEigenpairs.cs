using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Estimators;

/// <summary>
/// The k extreme eigenpairs by Lanczos with full reorthogonalization, extended until the wanted Ritz pairs
/// meet the residual tolerance (in exact arithmetic Ritz values approach the extreme eigenvalues
/// monotonically — Kaniel–Paige–Saad bounds, Saad 2011 §6.6 — so extending the Krylov space is the simplest
/// correct strategy while the basis fits in memory; after a breakdown it continues in a fresh direction so
/// k larger than the start vector's reach still works).
/// </summary>
public static class TopEigenpairs
{
    /// <summary>Default first chunk: max(2k + 1, 20) steps — enough that the k wanted Ritz values are
    /// separated from the rest of T's spectrum (ARPACK's rule of thumb ncv ≥ 2k + 1).</summary>
    public static int InitialSteps(int k, long n) => (int)Math.Min(n, Math.Max(2 * k + 1, 20));

    /// <summary>Stage name under which <see cref="Compute"/> saves its state in an <see cref="IEstimatorCheckpoint"/>.</summary>
    public const string Stage = "top-eigenpairs";

    /// <summary>Computes the k eigenpairs of <paramref name="a"/> at the given end of the spectrum to residual
    /// ‖Av − λv‖ ≤ <paramref name="relativeTolerance"/>·‖A‖, using at most <paramref name="maxSteps"/>
    /// products (default min(n, max(10k, 300)): beyond that the basis costs more than a restart would).
    /// With a <paramref name="checkpoint"/> the run resumes from the state saved for <see cref="Stage"/> (restoring
    /// <paramref name="generator"/>) and saves at its start, every interval of products, on cancellation and at its end;
    /// the result is bit-identical to an uninterrupted run. <paramref name="cancellation"/> is checked between products
    /// (<see cref="OperationCanceledException"/> after the state is saved). <paramref name="basis"/> chooses where the
    /// basis lives (default float64 in memory; see <see cref="BasisStorage"/> — a float32 basis limits eigenvector
    /// residuals to ~1e-7·‖A‖, so pair it with a tolerance of at least 1e-6).</summary>
    public static Eigenpairs Compute(ILinearOperator a, int k, EigenvalueOrder order, Generator generator,
                                     double relativeTolerance = Tolerances.RitzResidualRelative, int? maxSteps = null,
                                     IEstimatorCheckpoint? checkpoint = null, CancellationToken cancellation = default,
                                     BasisStorage? basis = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(generator);
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), $"ask for at least one eigenpair; got k = {k}");
        if (k > a.Size) throw new ArgumentOutOfRangeException(nameof(k), $"asked for {k} eigenpairs of an operator of size {a.Size}");
        if (!(relativeTolerance > 0)) throw new ArgumentOutOfRangeException(nameof(relativeTolerance), $"tolerance must be positive; got {relativeTolerance}");
        int limit = maxSteps ?? (int)Math.Min(a.Size, Math.Max(10 * k, 300));
        if (limit < k) throw new ArgumentOutOfRangeException(nameof(maxSteps), $"maxSteps ({limit}) must be at least k ({k})");
        limit = (int)Math.Min(limit, a.Size);
        using var session = ProductSession.Begin(a);   // the network graphs are built once for all the products below

        var options = new LanczosOptions(limit, Reorthogonalization.Full, ContinueAfterBreakdown: true, Basis: basis);
        var schedule = new CheckpointSchedule(checkpoint, Stage, cancellation);
        LanczosProcess process;
        int nextCheck;
        if (schedule.Load() is { } loaded)
        {
            var saved = CheckpointSchedule.As<TopEigenpairsState>(loaded, Stage);
            CheckpointSchedule.RequireSame(Stage, "n", saved.Size, a.Size);
            CheckpointSchedule.RequireSame(Stage, "k", saved.K, k);
            CheckpointSchedule.RequireSame(Stage, "order", saved.Order, order);
            CheckpointSchedule.RequireSame(Stage, "tolerance", saved.RelativeTolerance, relativeTolerance);
            CheckpointSchedule.RequireSame(Stage, "step limit", saved.Limit, limit);
            GeneratorStates.Restore(generator, saved.GeneratorState);
            if (saved.Result is { } done) return FromData(done, a.Size, k);
            if (saved.Lanczos is null) throw new ArgumentException($"the checkpoint's '{Stage}' state has neither a recurrence nor a result");
            process = new LanczosProcess(a, saved.Lanczos, options, generator);
            nextCheck = saved.NextCheck;
        }
        else
        {
            using var start = randn(a.Size, dtype: ScalarType.Float64, generator: generator);
            process = new LanczosProcess(a, start, options, generator);
            nextCheck = InitialSteps(k, a.Size);
        }

        using (process)
        {
            TopEigenpairsState InProgress() => new(a.Size, k, order, relativeTolerance, limit, nextCheck, process.Capture(), null,
                                                   process.Steps, GeneratorStates.Capture(generator));
            if (process.Steps == 0) schedule.Save(InProgress);
            while (true)
            {
                process.Extend(nextCheck - process.Steps, () => schedule.StopIfCancelled(InProgress), () => schedule.Count(1, InProgress));
                using var result = Lanczos.Snapshot(process, a.Size, Reorthogonalization.Full, copyBasis: false);
                var wanted = Select(result.RitzValues, k, order);
                bool done = wanted.All(i => result.IsConverged(i, relativeTolerance));
                if (done || process.Stopped || process.Steps >= limit)
                {
                    var (vectors, residuals) = result.RitzVectors(a, wanted, process.CombineBasis);
                    double norm = result.NormEstimate;
                    var converged = residuals.Select(r => r <= relativeTolerance * norm).ToArray();
                    var pairs = new Eigenpairs(wanted.Select(i => result.RitzValues[i]).ToArray(), vectors, residuals, converged,
                                               process.Steps + k, $"lanczos-full-reorth ({process.Steps} steps)");
                    schedule.Save(() => new TopEigenpairsState(a.Size, k, order, relativeTolerance, limit, nextCheck, null, ToData(pairs),
                                                              pairs.Products, GeneratorStates.Capture(generator)));
                    return pairs;
                }
                nextCheck = process.Steps + Math.Min(limit - process.Steps, Math.Max(k, process.Steps / 2));
            }
        }
    }

    static EigenpairsData ToData(Eigenpairs pairs) =>
        new(pairs.Values, pairs.Vectors!.data<double>().ToArray(), pairs.Residuals, pairs.Converged, pairs.Products, pairs.Method);

    static Eigenpairs FromData(EigenpairsData data, long n, int k)
    {
        if (data.Values.Length != k || data.Residuals.Length != k || data.Converged.Length != k || data.Vectors.LongLength != n * k)
            throw new ArgumentException($"the checkpoint's '{Stage}' result does not hold {k} eigenpairs of size {n}");
        using var scope = NewDisposeScope();
        var vectors = tensor(data.Vectors, dtype: ScalarType.Float64).reshape(n, k).contiguous().MoveToOuterDisposeScope();
        return new Eigenpairs(data.Values, vectors, data.Residuals, data.Converged, data.Products, data.Method);
    }

    /// <summary>Indices of the k Ritz values wanted, in the order the caller asked for.</summary>
    internal static int[] Select(double[] ascending, int k, EigenvalueOrder order)
    {
        var idx = Enumerable.Range(0, ascending.Length);
        idx = order switch
        {
            EigenvalueOrder.LargestAlgebraic => idx.OrderByDescending(i => ascending[i]),
            EigenvalueOrder.SmallestAlgebraic => idx.OrderBy(i => ascending[i]),
            _ => idx.OrderByDescending(i => Math.Abs(ascending[i])),
        };
        return idx.Take(k).ToArray();
    }
}
