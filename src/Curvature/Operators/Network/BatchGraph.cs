using static TorchSharp.torch;

namespace Curvature.Operators;

/// <summary>
/// What every product on one batch shares: the graph of the forward pass and the first backward (built with
/// create_graph), held by <paramref name="keep"/>, and <paramref name="apply"/>, which runs the vector-dependent backward
/// passes for a block [n, k]. Built per product, or once per product session and reused (<see cref="NetworkOperator.GraphCacheBudget"/>).
/// </summary>
/// <param name="keep">The tensors whose autograd history is the graph (gradients with create_graph, dummy cotangents…).</param>
/// <param name="apply">The block product on this batch, [n, k] → [n, k] in the operator's dtype.</param>
public sealed class BatchGraph(IReadOnlyList<Tensor> keep, Func<Tensor, Tensor> apply) : IDisposable
{
    /// <summary>The batch's product with <paramref name="block"/>; the graph is retained for the next call.</summary>
    public Tensor Apply(Tensor block) => apply(block);

    /// <summary>Takes the graph's tensors out of the caller's dispose scope so the graph outlives it.</summary>
    internal void Keep()
    {
        foreach (var t in keep) t.DetachFromDisposeScope();
    }

    /// <summary>Releases the graph (disposes the kept tensors; libtorch frees the saved activations with them).</summary>
    public void Dispose()
    {
        foreach (var t in keep) t.Dispose();
    }
}
