using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Operators;

/// <summary>
/// The empirical Fisher F = (1/N) Σᵢ gᵢ gᵢᵀ with gᵢ = ∇θ ℓᵢ the per-sample gradients (uncentred gradient
/// covariance; Kunstner, Balles &amp; Hennig 2019 on how it differs from the true Fisher). Without per-sample
/// gradients or forward mode: the directional derivatives dᵢ = gᵢᵀv of all samples at once come from the
/// double-vjp trick on the vector of per-sample losses, and Σᵢ gᵢ dᵢ is one more backward pass with dᵢ as
/// output weights. With BatchNorm in train mode ℓᵢ depends on the whole batch, and gᵢ is the gradient of that
/// coupled per-sample loss.
/// </summary>
public sealed class EmpiricalFisherOperator : NetworkOperator
{
    /// <summary>Creates the operator (see <see cref="NetworkOperator"/>) and checks that its products are
    /// deterministic (<see cref="NetworkOperator.VerifyDeterminism"/>) unless told not to.</summary>
    public EmpiricalFisherOperator(nn.Module<Tensor, Tensor> model, LossKind loss, NetworkData data, BatchNormMode mode,
        ParameterSet? parameters = null, NetworkData? population = null, bool verifyDeterminism = true)
        : base(model, loss, data, mode, parameters ?? ParameterSet.Select(model), population)
    {
        if (verifyDeterminism) VerifyDeterminism();
    }

    /// <inheritdoc/>
    protected override BatchGraph BuildBatchGraph(Tensor inputs, Tensor targets)
    {
        var losses = Losses.PerSample(Loss, Model.call(inputs), targets);
        long batch = losses.shape[0];
        return JacobianSandwich(losses, d => d.detach().div(batch));
    }
}
