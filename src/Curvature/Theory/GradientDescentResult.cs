namespace Curvature.Theory;

/// <summary>Measured and predicted number of steps to reach E(w_k) − E* ≤ tol·(E(w_0) − E*).</summary>
/// <param name="Measured">First k at which the run's excess loss met the tolerance; null if it did not
/// within the steps taken (cap reached or divergence).</param>
/// <param name="Predicted">First k at which the exact modal formula ½ Σ_j λ_j c_j(0)² (1 − ηλ_j)^{2k} meets
/// it (not limited by the step cap); null when some mode does not decay (|1 − ηλ_j| ≥ 1).</param>
public sealed record StepsToTolerance(int? Measured, long? Predicted);

/// <summary>Decay check of one eigen-coordinate c_j(k) = u_jᵀ(w_k − w*).</summary>
/// <param name="Mode">Index into the descending eigenvalue list.</param>
/// <param name="Eigenvalue">λ_j.</param>
/// <param name="Factor">1 − ηλ_j, the predicted per-step factor.</param>
/// <param name="InitialCoordinate">c_j(0).</param>
/// <param name="MaxDeviation">max_k |c_j(k) − c_j(0)(1 − ηλ_j)^k| / max_i |c_i(0)| over the steps taken.</param>
public sealed record ModeDecay(int Mode, double Eigenvalue, double Factor, double InitialCoordinate, double MaxDeviation);

/// <summary>One eigen-coordinate step by step, measured and predicted (for plots).</summary>
/// <param name="Mode">Index into the descending eigenvalue list.</param>
/// <param name="Eigenvalue">λ_j.</param>
/// <param name="Factor">1 − ηλ_j.</param>
/// <param name="Measured">c_j(k) for k = 0 … steps taken.</param>
/// <param name="Predicted">c_j(0)(1 − ηλ_j)^k for the same k.</param>
public sealed record ModeTrace(int Mode, double Eigenvalue, double Factor, double[] Measured, double[] Predicted);

/// <summary>
/// A gradient-descent run w_{k+1} = w_k − η∇E(w_k) from w_0 = 0 on E(w) = (1/2p) Σ_u (y_u − wᵀx_u)², set next
/// to the exact theory (Efficient BackProp 1998, §5.1): in R's eigenbasis every coordinate of w_k − w* decays
/// as c_j(k) = (1 − ηλ_j)^k c_j(0), so E(w_k) − E* = ½ Σ_j λ_j c_j(0)² (1 − ηλ_j)^{2k}. w* is the
/// least-squares minimiser on R's non-null space (minimum norm); null-space coordinates of w_k − w* are zero
/// at k = 0 and never move (the gradient (1/p)Xᵀ(Xw − y) lies in the row space of X), so only non-null modes
/// are checked. All numbers are finite: a divergent run stops and says so.
/// </summary>
/// <param name="Eta">The learning rate η used.</param>
/// <param name="EtaTimesLambdaMax">ηλmax: 1 is the no-oscillation rate, 2 the divergence bound.</param>
/// <param name="Tolerance">Relative tolerance on the excess loss.</param>
/// <param name="MaxSteps">The step cap.</param>
/// <param name="Outcome">"converged" (tolerance met), "max_steps" (cap reached first) or "diverged".</param>
/// <param name="StepsTaken">Steps run (the loss curve has StepsTaken + 1 points).</param>
/// <param name="StepsToTolerance">Measured and predicted steps to the tolerance.</param>
/// <param name="SlowestTimeConstant">τ = −1/ln|1 − ηλmin| (λmin the smallest non-zero eigenvalue; ≈ κ at
/// η = 1/λmax; Efficient BackProp §5.1); 0 when ηλmin = 1; null when that mode does not decay.</param>
/// <param name="ConvergenceFactor">max_j |1 − ηλ_j| over non-null modes: the asymptotic per-step factor of the
/// error (it is |1 − ηλmin| for η ≤ 2/(λmax + λmin), |1 − ηλmax| above).</param>
/// <param name="PredictedDivergent">True when ConvergenceFactor &gt; 1 (η &gt; 2/λmax).</param>
/// <param name="DivergedAtStep">The step at which the loss passed <see cref="GradientDescentOptions.DivergenceFactor"/>
/// times its start or stopped being finite; null otherwise.</param>
/// <param name="InitialExcessLoss">E(w_0) − E*.</param>
/// <param name="LossCurve">Measured E(w_k) − E* = ½ (w_k − w*)ᵀ R (w_k − w*) for k = 0 … StepsTaken, from the iterates.</param>
/// <param name="PredictedLossCurve">The modal formula at the same k.</param>
/// <param name="MaxDecayDeviation">Largest <see cref="ModeDecay.MaxDeviation"/> over all non-null modes
/// (float64 round-off, ~1e-13, for a converging run); null if not finite (a diverging run's overflow).</param>
/// <param name="DecayChecks">One entry per non-null mode.</param>
/// <param name="ModeTraces">Step-by-step coordinates of a few modes.</param>
public sealed record GradientDescentResult(
    double Eta,
    double EtaTimesLambdaMax,
    double Tolerance,
    int MaxSteps,
    string Outcome,
    int StepsTaken,
    StepsToTolerance StepsToTolerance,
    double? SlowestTimeConstant,
    double ConvergenceFactor,
    bool PredictedDivergent,
    int? DivergedAtStep,
    double InitialExcessLoss,
    double[] LossCurve,
    double[] PredictedLossCurve,
    double? MaxDecayDeviation,
    ModeDecay[] DecayChecks,
    ModeTrace[] ModeTraces)
{
    /// <summary><see cref="Measurement"/> of the dense path.</summary>
    public const string ModalMeasurement =
        "iterates in R's dense eigenbasis: E(w_k) − E* = ½(w_k − w*)ᵀR(w_k − w*) with w* from the eigendecomposition";

    /// <summary><see cref="Prediction"/> of the dense path.</summary>
    public const string ModalPrediction = "exact modal formula ½ Σ_j λ_j c_j(0)² (1 − ηλ_j)^{2k} over all non-null modes";

    /// <summary>How the excess loss was measured. Dense path: <see cref="ModalMeasurement"/>. Estimator path:
    /// E(w_k) − E* = (1/2p)‖Xw_k − y‖² − E(ŵ), the gradient taken through X (2pN flops a step), with ŵ the
    /// conjugate-gradient solution of Rw = q (see <see cref="MinimumLossErrorBound"/>).</summary>
    public string Measurement { get; init; } = ModalMeasurement;

    /// <summary>What <see cref="PredictedLossCurve"/> and <see cref="StepsToTolerance.Predicted"/> are. Dense path:
    /// <see cref="ModalPrediction"/>. Estimator path: the slowest-mode upper bound E₀ρ^{2k}, ρ = max(|1 − ηλmax|,
    /// |1 − ηλmin|) from the Lanczos extremes (attained when all of the initial error lies in the slowest mode),
    /// so the predicted step count ⌈ln(tol) / (2 ln ρ)⌉ = ⌈½ τ ln(1/tol)⌉ bounds the measured one from above.</summary>
    public string Prediction { get; init; } = ModalPrediction;

    /// <summary>Null when the per-mode decay checks were done; otherwise why not (the estimator path has no
    /// eigenvectors, so <see cref="DecayChecks"/> and <see cref="ModeTraces"/> are empty and
    /// <see cref="MaxDecayDeviation"/> is null).</summary>
    public string? PerModeCheckOmitted { get; init; }

    /// <summary>Estimator path: an upper bound, relative to <see cref="InitialExcessLoss"/>, on the error of E*
    /// (and so of every excess-loss value): E(ŵ) − E* = ½ rᵀR⁺r ≤ ‖r‖²/(2λmin) with r = q − Rŵ the true
    /// residual of the conjugate-gradient solution. Null on the dense path.</summary>
    public double? MinimumLossErrorBound { get; init; }
}
