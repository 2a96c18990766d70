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
    protected override Tensor BatchProduct(Tensor inputs, Tensor targets, Tensor block)
    {
        var parameters = Parameters.Tensors.ToList();
        var output = Model.call(inputs);
        var u = zeros_like(output).requires_grad_(true);
        var jtu = autograd.grad([output], parameters, [u], create_graph: true, retain_graph: true, allow_unused: true);
        var live = Enumerable.Range(0, jtu.Count).Where(i => !jtu[i].IsInvalid && jtu[i].requires_grad).ToArray();
        var columns = new Tensor[block.shape[1]];
        for (int j = 0; j < columns.Length; j++)
        {
            if (live.Length == 0) { columns[j] = zeros(Size, dtype: DType); continue; }
            var v = Parameters.Unflatten(block[.., j].contiguous());
            var jv = autograd.grad(live.Select(i => jtu[i]).ToList(), [u], live.Select(i => v[i]).ToList(), retain_graph: true)[0];
            var hjv = Losses.OutputHessianProduct(Loss, output, jv);
            columns[j] = Parameters.Flatten(autograd.grad([output], parameters, [hjv], retain_graph: true, allow_unused: true).ToList(), DType);
        }
        return stack(columns, 1);
    }
}
