using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Operators;

/// <summary>
/// The generalized Gauss–Newton matrix G = Jᵀ H_ℓ J (Schraudolph 2002): J = ∂z/∂θ the Jacobian of the batch's
/// outputs, H_ℓ the Hessian of the mean loss with respect to the outputs (positive semi-definite for
/// cross-entropy and squared error, so G is too). Without forward-mode AD, J v is computed with the
/// double-vjp trick: for a dummy u, Jᵀu = ∇θ⟨z, u⟩ is linear in u, so J v = ∇_u ⟨Jᵀu, v⟩. Then Jᵀ(H_ℓ J v)
/// is one more vector–Jacobian product. H = G + Σ (∂ℓ/∂z)·∇²z: the two agree when the network is linear in θ.
/// </summary>
public sealed class GaussNewtonOperator : NetworkOperator
{
    /// <summary>Creates the operator (see <see cref="NetworkOperator"/>) and checks that its products are
    /// deterministic (<see cref="NetworkOperator.VerifyDeterminism"/>) unless told not to.</summary>
    public GaussNewtonOperator(nn.Module<Tensor, Tensor> model, LossKind loss, NetworkData data, BatchNormMode mode,
        ParameterSet? parameters = null, NetworkData? population = null, bool verifyDeterminism = true)
        : base(model, loss, data, mode, parameters ?? ParameterSet.Select(model), population)
    {
        if (verifyDeterminism) VerifyDeterminism();
    }

    /// <inheritdoc/>
    protected override BatchGraph BuildBatchGraph(Tensor inputs, Tensor targets)
    {
        var output = Model.call(inputs);
        return JacobianSandwich(output, jv => Losses.OutputHessianProduct(Loss, output, jv));
    }
}
