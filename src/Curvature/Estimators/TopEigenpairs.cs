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

    /// <summary>Computes the k eigenpairs of <paramref name="a"/> at the given end of the spectrum to residual
    /// ‖Av − λv‖ ≤ <paramref name="relativeTolerance"/>·‖A‖, using at most <paramref name="maxSteps"/>
    /// products (default min(n, max(10k, 300)): beyond that the basis costs more than a restart would).</summary>
    public static Eigenpairs Compute(ILinearOperator a, int k, EigenvalueOrder order, Generator generator,
                                     double relativeTolerance = Tolerances.RitzResidualRelative, int? maxSteps = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(generator);
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), $"ask for at least one eigenpair; got k = {k}");
        if (k > a.Size) throw new ArgumentOutOfRangeException(nameof(k), $"asked for {k} eigenpairs of an operator of size {a.Size}");
        if (!(relativeTolerance > 0)) throw new ArgumentOutOfRangeException(nameof(relativeTolerance), $"tolerance must be positive; got {relativeTolerance}");
        int limit = maxSteps ?? (int)Math.Min(a.Size, Math.Max(10 * k, 300));
        if (limit < k) throw new ArgumentOutOfRangeException(nameof(maxSteps), $"maxSteps ({limit}) must be at least k ({k})");
        limit = (int)Math.Min(limit, a.Size);

        var options = new LanczosOptions(limit, Reorthogonalization.Full, ContinueAfterBreakdown: true);
        using var start = randn(a.Size, dtype: ScalarType.Float64, generator: generator);
        using var process = new LanczosProcess(a, start, options, generator);
        process.Extend(InitialSteps(k, a.Size));
        while (true)
        {
            using var result = Lanczos.Snapshot(process, a.Size, Reorthogonalization.Full);
            var wanted = Select(result.RitzValues, k, order);
            bool done = wanted.All(i => result.IsConverged(i, relativeTolerance));
            if (done || process.Stopped || process.Steps >= limit)
            {
                var (vectors, residuals) = result.RitzVectors(a, wanted);
                double norm = result.NormEstimate;
                var converged = residuals.Select(r => r <= relativeTolerance * norm).ToArray();
                return new Eigenpairs(wanted.Select(i => result.RitzValues[i]).ToArray(), vectors, residuals, converged,
                                      process.Steps + k, $"lanczos-full-reorth ({process.Steps} steps)");
            }
            process.Extend(Math.Min(limit - process.Steps, Math.Max(k, process.Steps / 2)));
        }
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
