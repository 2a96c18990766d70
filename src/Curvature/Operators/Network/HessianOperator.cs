using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Operators;

/// <summary>
/// The Hessian H = ∇²L of a network's mean loss over a data set, applied by reverse-over-reverse
/// differentiation (Pearlmutter 1994): per batch, g = ∇θ L_b with the graph kept (create_graph), then
/// H_b v = ∇θ ⟨g, v⟩; one forward and first backward serve every column of a block, and inside a product session
/// every product (<see cref="NetworkOperator.GraphCacheBudget"/>). TorchSharp has no
/// forward-mode AD, so this is the only exact route; it costs about two gradient evaluations per vector.
/// In <see cref="BatchNormMode.Train"/> the batch statistics are differentiated through — the curvature of the
/// loss actually trained — which PyHessian (forces eval), BackPACK and curvlinops (refuse) do not offer.
/// </summary>
public sealed class HessianOperator : NetworkOperator
{
    /// <summary>Creates the operator (see <see cref="NetworkOperator"/>) and checks that its products are
    /// deterministic (<see cref="NetworkOperator.VerifyDeterminism"/>) unless told not to.</summary>
    public HessianOperator(nn.Module<Tensor, Tensor> model, LossKind loss, NetworkData data, BatchNormMode mode,
        ParameterSet? parameters = null, NetworkData? population = null, bool verifyDeterminism = true)
        : base(model, loss, data, mode, parameters ?? ParameterSet.Select(model), population)
    {
        if (verifyDeterminism) VerifyDeterminism();
    }

    /// <inheritdoc/>
    protected override BatchGraph BuildBatchGraph(Tensor inputs, Tensor targets)
    {
        var parameters = Parameters.Tensors.ToList();
        var output = Model.call(inputs);
        var loss = Losses.Mean(Loss, output, targets);
        var grads = autograd.grad([loss], parameters, create_graph: true, retain_graph: true, allow_unused: true);
        Tensor Apply(Tensor block)
        {
            var columns = new Tensor[block.shape[1]];
            for (int j = 0; j < columns.Length; j++)
            {
                var v = Parameters.Unflatten(block[.., j].contiguous());
                var dot = InnerProduct(grads, v);
                columns[j] = dot is null
                    ? zeros(Size, dtype: DType)
                    : Parameters.Flatten(autograd.grad([dot], parameters, retain_graph: true, allow_unused: true).ToList(), DType);
            }
            return stack(columns, 1);
        }
        return new BatchGraph([.. grads.Where(g => g is not null && !g.IsInvalid)], Apply);
    }
}
