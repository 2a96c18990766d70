using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Theory;

/// <summary>
/// Gradient descent on the linear neuron's loss E(w) = (1/2p) Σ_u (y_u − wᵀx_u)², whose gradient is
/// Rw − q with R = (1/p)XᵀX and q = (1/p)Xᵀy, measured against the exact modal solution
/// c_j(k) = (1 − ηλ_j)^k c_j(0) (LeCun, Kanter &amp; Solla 1991; Efficient BackProp 1998, §5.1, eqs. for v_j(k)).
/// </summary>
public static class GradientDescentDynamics
{
    /// <summary>
    /// Runs GD from w_0 = 0 on samples X [p, N] and targets y [p] (float64 internally) and returns the measured
    /// loss curve and eigen-coordinates next to their predictions; see <see cref="GradientDescentResult"/>.
    /// Uses a dense eigendecomposition of R (limit <see cref="ExactSpectrum.MaxDenseDimension"/> on min(p, N)).
    /// </summary>
    public static GradientDescentResult Run(Tensor samples, Tensor targets, GradientDescentOptions? options = null)
    {
        options ??= new GradientDescentOptions();
        options.Validate();
        using var scope = NewDisposeScope();
        var x = SampleChecks.Samples(samples, nameof(samples));
        var y = SampleChecks.Targets(targets, x.shape[0], nameof(targets));
        using var eigen = CovarianceEigenbasis.Compute(x, withVectors: true);
        if (eigen.NonNullCount == 0)
            throw new ArgumentException("R = (1/p)XᵀX is zero (every input is zero), so E(w) is flat and GD has nothing to do", nameof(samples));
        return Run(x, y, eigen, options);
    }

    /// <summary>
    /// Excess loss predicted by the modal formula: ½ Σ_j λ_j c_j(0)² (1 − ηλ_j)^{2k}.
    /// </summary>
    public static double PredictedExcessLoss(IReadOnlyList<double> eigenvalues, IReadOnlyList<double> initialCoordinates, double eta, long step)
    {
        CheckModal(eigenvalues, initialCoordinates, eta);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        double sum = 0;
        for (int j = 0; j < eigenvalues.Count; j++)
        {
            double c = initialCoordinates[j], f = 1 - eta * eigenvalues[j];
            if (c != 0) sum += 0.5 * eigenvalues[j] * c * c * Math.Pow(f * f, step);
        }
        return sum;
    }

    /// <summary>
    /// First k with ½ Σ_j λ_j c_j(0)² (1 − ηλ_j)^{2k} ≤ tol · ½ Σ_j λ_j c_j(0)², by doubling then bisection (the sum
    /// is non-increasing in k when every |1 − ηλ_j| &lt; 1). Null when a mode with c_j(0) ≠ 0 has |1 − ηλ_j| ≥ 1
    /// (it never decays) or when k would exceed 2⁶⁰.
    /// </summary>
    public static long? PredictStepsToTolerance(IReadOnlyList<double> eigenvalues, IReadOnlyList<double> initialCoordinates, double eta, double tolerance)
    {
        CheckModal(eigenvalues, initialCoordinates, eta);
        if (!(tolerance > 0 && tolerance < 1))
            throw new ArgumentException($"the tolerance must lie in (0, 1); got {tolerance}", nameof(tolerance));
        double target = tolerance * PredictedExcessLoss(eigenvalues, initialCoordinates, eta, 0);
        if (target == 0) return 0;
        for (int j = 0; j < eigenvalues.Count; j++)
            if (initialCoordinates[j] != 0 && eigenvalues[j] != 0 && Math.Abs(1 - eta * eigenvalues[j]) >= 1) return null;
        bool Met(long k) => PredictedExcessLoss(eigenvalues, initialCoordinates, eta, k) <= target;
        if (Met(0)) return 0;
        long hi = 1;
        while (!Met(hi))
        {
            if (hi >= 1L << 60) return null;
            hi *= 2;
        }
        long lo = hi / 2; // Met(lo) is false (lo = 0 checked above)
        while (hi - lo > 1)
        {
            long mid = lo + (hi - lo) / 2;
            if (Met(mid)) hi = mid; else lo = mid;
        }
        return hi;
    }

    /// <summary>The run itself, for a validated float64 X, y and R's eigenbasis with at least one non-null mode.</summary>
    internal static GradientDescentResult Run(Tensor x, Tensor y, CovarianceEigenbasis eigen, GradientDescentOptions options)
    {
        using var scope = NewDisposeScope();
        long p = x.shape[0], n = x.shape[1];
        int r = eigen.NonNullCount;
        var lambdas = eigen.Eigenvalues[..r];
        double lambdaMax = lambdas[0], lambdaMin = lambdas[^1];
        double eta = options.Eta ?? options.EtaFactor / lambdaMax;
        var factors = lambdas.Select(l => 1 - eta * l).ToArray();
        double convergence = factors.Max(Math.Abs);

        var v = eigen.Vectors!;
        var lam = tensor(lambdas, dtype: ScalarType.Float64);
        var fac = tensor(factors, dtype: ScalarType.Float64);
        var q = x.T.matmul(y).div_(p);
        var wStar = v.matmul(v.T.matmul(q).div_(lam)); // minimum-norm least-squares minimiser
        var c0 = v.T.matmul(wStar).neg_();              // coordinates of w_0 − w* = −w*
        var initial = c0.data<double>().ToArray();
        double c0Scale = initial.Max(Math.Abs);

        // Gradient Rw − q: with R itself when p ≥ N (N² per step), through X when p < N (2pN < 2N² per step).
        bool dense = p >= n;
        var hessian = dense ? x.T.matmul(x).div_(p) : null;
        Tensor Curvature(Tensor w) => dense ? hessian!.matmul(w) : x.T.matmul(x.matmul(w)).div_(p);
        var rwStar = Curvature(wStar);

        int[] traced = TracedIndices(r, options.TracedModes);
        var tracedIndex = tensor(traced.Select(i => (long)i).ToArray(), dtype: ScalarType.Int64);
        var traces = zeros(options.MaxSteps + 1, traced.Length, dtype: ScalarType.Float64);
        var maxDeviation = zeros(r, dtype: ScalarType.Float64);
        var movable = c0.ne(0.0); // a zero coordinate's prediction is exactly 0, whatever the factor
        var w = zeros(n, dtype: ScalarType.Float64);
        var losses = new List<double>();
        double initialLoss = double.NaN;
        int? measured = null, divergedAt = null;
        int step = 0;
        for (; ; step++)
        {
            using var iteration = NewDisposeScope();
            var rw = Curvature(w);
            var e = w - wStar;
            double loss = 0.5 * e.dot(rw - rwStar).item<double>();
            if (!double.IsFinite(loss)) { divergedAt = step; break; }
            if (step == 0) initialLoss = loss;
            losses.Add(loss);
            var c = v.T.matmul(e);
            var predicted = c0.mul(fac.pow(step)).masked_fill_(movable.logical_not(), 0.0);
            maxDeviation.copy_(maxDeviation.maximum(c.sub(predicted).abs_()));
            if (traced.Length > 0) traces[step] = c.index_select(0, tracedIndex);
            if (loss > GradientDescentOptions.DivergenceFactor * initialLoss) { divergedAt = step; break; }
            if (loss <= options.Tolerance * initialLoss) { measured = step; break; }
            if (step == options.MaxSteps) break;
            w.sub_(rw.sub_(q).mul_(eta)); // w ← w − η(Rw − q)
        }
        int stepsTaken = losses.Count - 1;

        var deviations = maxDeviation.data<double>().ToArray();
        if (c0Scale > 0) for (int j = 0; j < r; j++) deviations[j] /= c0Scale;
        else Array.Fill(deviations, 0.0);
        double worst = deviations.Length == 0 ? 0 : deviations.Max();
        var checks = Enumerable.Range(0, r)
            .Select(j => new ModeDecay(j, lambdas[j], factors[j], initial[j], double.IsFinite(deviations[j]) ? deviations[j] : double.MaxValue))
            .ToArray();

        var traceValues = traces[TensorIndex.Slice(0, stepsTaken + 1), ..].contiguous().data<double>().ToArray();
        var modeTraces = new ModeTrace[traced.Length];
        for (int t = 0; t < traced.Length; t++)
        {
            int j = traced[t];
            var measuredTrace = new double[stepsTaken + 1];
            var predictedTrace = new double[stepsTaken + 1];
            for (int k = 0; k <= stepsTaken; k++)
            {
                measuredTrace[k] = traceValues[k * traced.Length + t];
                predictedTrace[k] = initial[j] == 0 ? 0 : initial[j] * Math.Pow(factors[j], k);
            }
            modeTraces[t] = new ModeTrace(j, lambdas[j], factors[j], Finite(measuredTrace), Finite(predictedTrace));
        }

        var predictedCurve = Enumerable.Range(0, stepsTaken + 1)
            .Select(k => PredictedExcessLoss(lambdas, initial, eta, k)).ToArray();
        double slowest = Math.Abs(1 - eta * lambdaMin);
        double? tau = slowest >= 1 ? null : slowest == 0 ? 0.0 : -1.0 / Math.Log(slowest);
        string outcome = divergedAt is not null ? "diverged" : measured is not null ? "converged" : "max_steps";
        return new GradientDescentResult(
            eta, eta * lambdaMax, options.Tolerance, options.MaxSteps, outcome, stepsTaken,
            new StepsToTolerance(measured, PredictStepsToTolerance(lambdas, initial, eta, options.Tolerance)),
            tau, convergence, convergence > 1, divergedAt, initialLoss,
            losses.ToArray(), Finite(predictedCurve), double.IsFinite(worst) ? worst : null, checks, modeTraces);
    }

    /// <summary>Evenly spaced indices from 0 to r − 1, at most <paramref name="count"/> and distinct.</summary>
    static int[] TracedIndices(int r, int count)
    {
        if (count == 0 || r == 0) return [];
        if (count == 1) return [0];
        return Enumerable.Range(0, count)
            .Select(i => (int)Math.Round(i * (r - 1) / (double)(count - 1)))
            .Distinct().ToArray();
    }

    /// <summary>Replaces overflowed values (possible only in a diverging run's predictions) by ±double.MaxValue,
    /// so records stay JSON-safe.</summary>
    static double[] Finite(double[] values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!double.IsFinite(values[i])) values[i] = double.IsNaN(values[i]) ? 0 : Math.CopySign(double.MaxValue, values[i]);
        return values;
    }

    static void CheckModal(IReadOnlyList<double> eigenvalues, IReadOnlyList<double> initialCoordinates, double eta)
    {
        ArgumentNullException.ThrowIfNull(eigenvalues);
        ArgumentNullException.ThrowIfNull(initialCoordinates);
        if (eigenvalues.Count != initialCoordinates.Count)
            throw new ArgumentException($"{eigenvalues.Count} eigenvalues but {initialCoordinates.Count} initial coordinates");
        if (!(eta > 0) || double.IsInfinity(eta))
            throw new ArgumentException($"the learning rate η must be positive and finite; got {eta}", nameof(eta));
        foreach (var l in eigenvalues)
            if (!(l >= 0) || double.IsInfinity(l))
                throw new ArgumentException($"eigenvalues must be non-negative and finite; got {l}", nameof(eigenvalues));
    }
}
