using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Theory;

/// <summary>
/// Gradient descent on E(w) = (1/2p) Σ_u (y_u − wᵀx_u)² without R's eigenbasis (the lab's estimator path):
/// the gradient (1/p)Xᵀ(Xw − y) is taken through X (2pN flops a step), the excess loss is measured as
/// E(w_k) − E(ŵ) with ŵ the conjugate-gradient least-squares solution, and the prediction is the slowest-mode
/// bound from the Lanczos extremes (Efficient BackProp 1998, §5.1). The per-mode decay check needs every
/// eigenvector and is not done; the result says so.
/// </summary>
internal static class MatrixFreeGradientDescent
{
    /// <summary>Conjugate gradients stop once the bound ‖r‖²/(2λmin) on the error of E* is below this
    /// fraction of tol·E₀: the measured crossing of tol·E₀ can then move only if the loss at that step lies
    /// within 1e-12 (relative) of the threshold, while one GD step changes it by ~2/τ ≥ 1e-9 at any κ the
    /// step cap can reach.</summary>
    public const double MinimumLossRelative = 1e-12;

    /// <summary>CG step cap: 20√κ + 100. In exact arithmetic CG reduces the R-norm of the error by
    /// 2((√κ − 1)/(√κ + 1))^k (Saad 2003, §6.11.3), i.e. by 1e-15 (1e-30 in energy) after ≈ ½√κ·ln(2e15) ≈ 18√κ
    /// steps; the rest is slack for finite precision. Far below the ~½κ ln(1/tol) steps GD itself needs.</summary>
    static int ConjugateGradientCap(double kappa) => (int)Math.Min(int.MaxValue / 2, 20 * Math.Sqrt(kappa) + 100);

    /// <summary>Runs GD from w₀ = 0 on a validated float64 X [p, N] and y [p], given R's extreme non-zero
    /// eigenvalues (from Lanczos).</summary>
    public static GradientDescentResult Run(Tensor x, Tensor y, double lambdaMax, double lambdaMin, GradientDescentOptions options)
    {
        if (!(lambdaMax > 0) || !(lambdaMin > 0) || lambdaMin > lambdaMax)
            throw new ArgumentException($"need 0 < λmin ≤ λmax; got λmin = {lambdaMin:G6}, λmax = {lambdaMax:G6}");
        using var scope = NewDisposeScope();
        long p = x.shape[0], n = x.shape[1];
        double eta = options.Eta ?? options.EtaFactor / lambdaMax;
        Tensor Gradient(Tensor residual) => x.T.matmul(residual).div_(p);       // (1/p)Xᵀ(Xw − y)
        double Loss(Tensor residual) => residual.dot(residual).item<double>() / (2.0 * p);

        double lossAtZero = Loss(y);
        var (minimiser, errorBound) = LeastSquares(x, y, lambdaMin, lambdaMax, options.Tolerance);
        double minimumLoss = Loss(x.matmul(minimiser).sub_(y));
        double initial = Math.Max(lossAtZero - minimumLoss, 0.0);

        var w = zeros(n, dtype: ScalarType.Float64);
        var losses = new List<double>();
        int? measured = null, divergedAt = null;
        for (int step = 0; ; step++)
        {
            using var iteration = NewDisposeScope();
            var residual = x.matmul(w).sub_(y);
            double loss = Loss(residual) - minimumLoss;
            if (!double.IsFinite(loss)) { divergedAt = step; break; }
            losses.Add(loss);
            if (loss > GradientDescentOptions.DivergenceFactor * initial) { divergedAt = step; break; }
            if (loss <= options.Tolerance * initial) { measured = step; break; }
            if (step == options.MaxSteps) break;
            w.sub_(Gradient(residual).mul_(eta));
        }
        int stepsTaken = losses.Count - 1;

        double rho = Math.Max(Math.Abs(1 - eta * lambdaMax), Math.Abs(1 - eta * lambdaMin));
        double slowest = Math.Abs(1 - eta * lambdaMin);
        double? tau = slowest >= 1 ? null : slowest == 0 ? 0.0 : -1.0 / Math.Log(slowest);
        var bound = Enumerable.Range(0, stepsTaken + 1).Select(k => initial * Math.Pow(rho * rho, k)).ToArray();
        for (int i = 0; i < bound.Length; i++) if (!double.IsFinite(bound[i])) bound[i] = double.MaxValue;
        string outcome = divergedAt is not null ? "diverged" : measured is not null ? "converged" : "max_steps";
        return new GradientDescentResult(
            eta, eta * lambdaMax, options.Tolerance, options.MaxSteps, outcome, stepsTaken,
            new StepsToTolerance(measured, PredictedSteps(rho, options.Tolerance, initial)),
            tau, rho, rho > 1, divergedAt, initial, losses.ToArray(), bound, null, [], [])
        {
            Measurement = "gradient through X (2pN flops a step); E(w_k) − E* = (1/2p)‖Xw_k − y‖² − E(ŵ), ŵ by conjugate gradients on Rw = q",
            Prediction = "slowest-mode upper bound E₀ρ^{2k}, ρ = max(|1 − ηλmax|, |1 − ηλmin|) from the Lanczos extremes; predicted steps ⌈ln(tol)/(2 ln ρ)⌉ ≥ measured",
            PerModeCheckOmitted = "not done: the estimator path has no eigenvectors of R, so the eigen-coordinates c_j(k) cannot be measured",
            MinimumLossErrorBound = initial > 0 ? errorBound / initial : 0.0,
        };
    }

    /// <summary>⌈ln(tol) / (2 ln ρ)⌉, the first k with ρ^{2k} ≤ tol; 1 when ρ = 0 (one step solves every mode),
    /// 0 when there is nothing to reduce, null when ρ ≥ 1 (some mode does not decay).</summary>
    internal static long? PredictedSteps(double rho, double tolerance, double initial)
    {
        if (initial == 0) return 0;
        if (rho >= 1) return null;
        if (rho == 0) return 1;
        double k = Math.Ceiling(Math.Log(tolerance) / (2 * Math.Log(rho)));
        return k > 1L << 60 ? null : (long)k;
    }

    /// <summary>
    /// Conjugate gradients on Rw = q, q = (1/p)Xᵀy, from w = 0 (Hestenes &amp; Stiefel 1952; Saad 2003, Alg. 6.18):
    /// the iterates stay in the Krylov space of q, inside R's range, so they approach the minimum-norm
    /// least-squares solution even when R is singular. Stops when ‖r‖²/(2λmin), a bound on E(ŵ) − E*, drops
    /// below <see cref="MinimumLossRelative"/>·tol·(E(0) − E(ŵ)), or at the cap. Returns ŵ and that bound,
    /// computed from the true residual q − Rŵ.
    /// </summary>
    static (Tensor Minimiser, double ErrorBound) LeastSquares(Tensor x, Tensor y, double lambdaMin, double lambdaMax, double tolerance)
    {
        using var scope = NewDisposeScope();
        long p = x.shape[0];
        Tensor Apply(Tensor v) => x.T.matmul(x.matmul(v)).div_(p);
        var q = x.T.matmul(y).div_(p);
        var w = zeros_like(q);
        var r = q.clone();
        var d = q.clone();
        double rr = r.dot(r).item<double>();
        double lossDrop = 0; // E(0) − E(w) = qᵀw − ½wᵀRw, tracked as Σ α_i rr_i / 2 (CG's energy identity)
        int cap = ConjugateGradientCap(lambdaMax / lambdaMin);
        for (int i = 0; i < cap && rr > 0; i++)
        {
            using var iteration = NewDisposeScope();
            var rd = Apply(d);
            double curvature = d.dot(rd).item<double>();
            if (!(curvature > 0)) break; // d in R's null space: only round-off is left
            double alpha = rr / curvature;
            w.add_(d, alpha);
            r.add_(rd, -alpha);
            lossDrop += 0.5 * alpha * rr;
            double rrNext = r.dot(r).item<double>();
            if (rrNext / (2 * lambdaMin) <= MinimumLossRelative * tolerance * lossDrop) break;
            d.mul_(rrNext / rr).add_(r);
            rr = rrNext;
        }
        var trueResidual = q - Apply(w);
        double bound = trueResidual.dot(trueResidual).item<double>() / (2 * lambdaMin);
        return (w.MoveToOuterDisposeScope(), bound);
    }
}
