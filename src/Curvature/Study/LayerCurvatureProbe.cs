using Curvature.Estimators;
using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Study;

/// <summary>
/// Per-layer curvature: the top eigenvalue of each weight layer's diagonal Hessian block — the Hessian of the loss
/// in that layer's parameters with every other parameter fixed. It tests the claim that BatchNorm makes all layers
/// train at equal rates: gradient descent on a block is stable for η &lt; 2/λ₁(block) (LeCun et al. 1998,
/// "Efficient BackProp", §5; issue 4 §2), so a wide spread of λ₁ across layers means one learning rate cannot suit
/// them all.
/// </summary>
public static class LayerCurvatureProbe
{
    /// <summary>
    /// The weight layers of <paramref name="model"/> in <c>named_parameters()</c> order (the flat vector's): every
    /// Linear and convolution (Conv1d/2d/3d and transposed) with trainable parameters, named by its module path ("1",
    /// "layer1.0.conv1", "fc"; "" when the model itself is one), with the full names of its own direct parameters
    /// (weight, bias). Normalisation layers' affine parameters are not a layer here.
    /// </summary>
    public static IReadOnlyList<(string Layer, string[] Parameters)> WeightLayers(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var layers = new List<(string, string[])>();
        // TorchSharp's named_modules() leaves out the root, which may itself be a layer (named "").
        foreach (var (name, module) in model.named_modules().Prepend(("", model)))
        {
            if (module is not (TorchSharp.Modules.Linear or TorchSharp.Modules.Convolution)) continue;
            var own = module.named_parameters(recurse: false).Where(p => p.parameter.requires_grad)
                            .Select(p => name.Length == 0 ? p.name : $"{name}.{p.name}").ToArray();
            if (own.Length > 0) layers.Add((name, own));
        }
        // named_modules() need not list modules in registration order; the parameters' order is the model's own.
        var position = model.named_parameters().Select((p, i) => (p.name, i)).ToDictionary(e => e.name, e => e.i);
        return layers.OrderBy(l => position[l.Item2[0]]).ToList();
    }

    /// <summary>
    /// λ₁ (largest algebraic) of each weight layer's diagonal Hessian block, in the order of
    /// <see cref="WeightLayers"/>: a <see cref="HessianOperator"/> restricted to the layer's parameters with BatchNorm
    /// in <paramref name="mode"/> (statistics of <paramref name="population"/> in
    /// <see cref="BatchNormMode.Population"/>), by Lanczos with full reorthogonalisation
    /// (<see cref="TopEigenpairs"/>) to relative residual ‖H_b v − λv‖ ≤ <paramref name="tolerance"/>·‖H_b‖. The
    /// model is not changed (parameters, buffers, flags).
    /// </summary>
    /// <exception cref="ArgumentException">The model has no weight layer, or the operator's own checks fail
    /// (loss and targets, batches of one in train mode, a missing population).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A tolerance that is not positive and finite.</exception>
    public static LayerCurvature[] Run(nn.Module<Tensor, Tensor> model, LossKind loss, NetworkData data, BatchNormMode mode,
                                       NetworkData? population, double tolerance, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(generator);
        if (!(tolerance > 0) || double.IsInfinity(tolerance))
            throw new ArgumentOutOfRangeException(nameof(tolerance), $"the relative residual tolerance must be positive and finite; got {tolerance}");
        var layers = WeightLayers(model);
        if (layers.Count == 0) throw new ArgumentException("the model has no Linear or convolution layer with trainable parameters", nameof(model));

        var results = new LayerCurvature[layers.Count];
        for (int i = 0; i < layers.Count; i++)
        {
            var (layer, names) = layers[i];
            var parameters = Exactly(model, names);
            // Determinism is a property of the model and data, not of the block: checking it once (first block)
            // saves two products per further layer.
            using var op = new HessianOperator(model, loss, data, mode, parameters, population, verifyDeterminism: i == 0);
            using var pairs = TopEigenpairs.Compute(op, 1, EigenvalueOrder.LargestAlgebraic, generator, tolerance);
            results[i] = new LayerCurvature(layer, names, op.Size, pairs.Values[0], pairs.Residuals[0], pairs.Converged[0], op.Products);
        }
        return results;
    }

    /// <summary>The parameter set of exactly these names: a glob such as "1.*" would also take nested modules'
    /// parameters, so each name is its own pattern and the selection is checked.</summary>
    static ParameterSet Exactly(nn.Module model, string[] names)
    {
        var set = ParameterSet.Select(model, string.Join(",", names));
        if (!set.Names.SequenceEqual(names))
            throw new ArgumentException($"parameter names [{string.Join(", ", names)}] selected [{string.Join(", ", set.Names)}]; a name contains a glob character or comma");
        return set;
    }
}
