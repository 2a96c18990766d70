using Curvature.Operators;
using static TorchSharp.torch;

namespace Curvature.Study;

/// <summary>
/// The loss landscape along the gradient direction (Santurkar et al. 2018, "How Does Batch Normalization Help
/// Optimization?", §3.1, Fig. 4): at θ with g = ∇L(θ), the loss L(θ − ηg) and the gradient change
/// ‖∇L(θ − ηg) − g‖ for a range of step sizes η. BatchNorm is claimed to make both vary less ("smoother landscape").
/// </summary>
public static class SmoothnessProbe
{
    /// <summary>
    /// Measures, for each η in <paramref name="stepSizes"/>, L(θ − ηg) and ‖∇L(θ − ηg) − g‖ with g = ∇L(θ) the
    /// full-batch gradient of <paramref name="op"/>'s loss over its data, in its BatchNorm mode (population statistics
    /// stay those taken at θ when the operator was built), moving only the operator's parameters. Then
    /// LossVariation = max − min of L over {θ} ∪ {θ − ηg}, GradientPredictiveness = maxη ‖Δg‖ and
    /// EffectiveBeta = maxη ‖Δg‖/(η‖g‖) (NaN when g = 0). For a quadratic loss with Hessian H,
    /// L(θ − ηg) = L(θ) − η‖g‖² + ½η²gᵀHg and ‖Δg‖ = η‖Hg‖, so EffectiveBeta = ‖Hg‖/‖g‖ ≤ λmax. The parameters are
    /// restored bit for bit whatever happens; buffers and flags are restored by the operator.
    /// </summary>
    /// <exception cref="ArgumentException">Step sizes empty, not positive and finite, or not strictly ascending
    /// (the results are indexed like them).</exception>
    public static SmoothnessReport Run(NetworkOperator op, IReadOnlyList<double> stepSizes)
    {
        ArgumentNullException.ThrowIfNull(op);
        var etas = CheckStepSizes(stepSizes);
        using var scope = NewDisposeScope();
        var (loss0, gradient) = op.LossAndGradient();
        double gradientNorm = gradient.norm().item<double>();
        var parameters = op.Parameters.Tensors;
        var direction = op.Parameters.Unflatten(gradient);
        var saved = parameters.Select(p => p.detach().clone()).ToArray();
        var losses = new double[etas.Length];
        var changes = new double[etas.Length];
        try
        {
            for (int k = 0; k < etas.Length; k++)
            {
                using var step = NewDisposeScope();
                using (no_grad())
                    for (int i = 0; i < saved.Length; i++)
                        parameters[i].copy_(saved[i]).add_(direction[i].to_type(parameters[i].dtype), alpha: -etas[k]);
                var (loss, moved) = op.LossAndGradient();
                losses[k] = loss;
                changes[k] = moved.sub_(gradient).norm().item<double>();
            }
        }
        finally
        {
            using (no_grad())
                for (int i = 0; i < saved.Length; i++) parameters[i].copy_(saved[i]);
        }

        double lowest = loss0, highest = loss0, predictiveness = 0, beta = gradientNorm > 0 ? 0 : double.NaN;
        for (int k = 0; k < etas.Length; k++)
        {
            // Math.Max/Min propagate NaN, so a diverged step shows as NaN instead of being skipped.
            lowest = Math.Min(lowest, losses[k]);
            highest = Math.Max(highest, losses[k]);
            predictiveness = Math.Max(predictiveness, changes[k]);
            if (gradientNorm > 0) beta = Math.Max(beta, changes[k] / (etas[k] * gradientNorm));
        }
        return new SmoothnessReport(etas, losses, changes, loss0, gradientNorm, highest - lowest, predictiveness, beta);
    }

    static double[] CheckStepSizes(IReadOnlyList<double> stepSizes)
    {
        ArgumentNullException.ThrowIfNull(stepSizes);
        if (stepSizes.Count == 0) throw new ArgumentException("give at least one step size", nameof(stepSizes));
        var etas = stepSizes.ToArray();
        for (int k = 0; k < etas.Length; k++)
        {
            if (!(etas[k] > 0) || double.IsInfinity(etas[k]))
                throw new ArgumentException($"step sizes must be positive and finite; got {etas[k]} at index {k}", nameof(stepSizes));
            if (k > 0 && !(etas[k] > etas[k - 1]))
                throw new ArgumentException($"step sizes must be strictly ascending; got {etas[k - 1]} then {etas[k]} at index {k}", nameof(stepSizes));
        }
        return etas;
    }
}
