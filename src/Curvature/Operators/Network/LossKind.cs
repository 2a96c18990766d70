using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Operators;

/// <summary>The loss a network operator differentiates, always the mean over samples.</summary>
public enum LossKind
{
    /// <summary>Cross-entropy of softmax(z) against class labels: ℓ = −log softmax(z)_y (PyTorch's
    /// <c>cross_entropy</c>, reduction mean).</summary>
    CrossEntropy,

    /// <summary>Half the squared error summed over outputs, ℓ = ½‖z − y‖², so that a single Linear layer has the
    /// linear-neuron Hessian (1/p)XᵀX per output exactly (LeCun et al. 1998, §5.1). Note: PyTorch's
    /// <c>MSELoss</c> is 2/C times this (mean over outputs, no ½). Class labels are one-hot encoded.</summary>
    MeanSquaredError,
}

/// <summary>The losses and their second derivative with respect to the network's outputs (for Gauss–Newton).</summary>
public static class Losses
{
    /// <summary>Per-sample losses ℓᵢ [B] for outputs z [B, C].</summary>
    public static Tensor PerSample(LossKind kind, Tensor output, Tensor target)
    {
        CheckPair(kind, output, target);
        return kind switch
        {
            LossKind.CrossEntropy => nn.functional.cross_entropy(output, target, reduction: nn.Reduction.None),
            LossKind.MeanSquaredError => (output - Targets(output, target)).square().sum(1L).mul(0.5),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown loss"),
        };
    }

    /// <summary>The mean loss over the batch.</summary>
    public static Tensor Mean(LossKind kind, Tensor output, Tensor target)
    {
        CheckPair(kind, output, target);
        return kind switch
        {
            LossKind.CrossEntropy => nn.functional.cross_entropy(output, target),
            _ => PerSample(kind, output, target).mean(),
        };
    }

    /// <summary>
    /// Checks targets against the model's output count <paramref name="outputs"/> (null: unknown, then only what does
    /// not depend on it): class labels int64 [N] in 0..C−1 for either loss (squared error one-hot encodes them), or
    /// float regression targets [N, C] for squared error. Throws <see cref="ArgumentException"/> with the offending
    /// value: libtorch's own check of a label out of range can abort the process on this platform.
    /// </summary>
    public static void RequireTargets(LossKind kind, Tensor targets, long? outputs)
    {
        ArgumentNullException.ThrowIfNull(targets);
        using var scope = NewDisposeScope();
        if (targets.dtype == ScalarType.Int64 && targets.dim() == 1)
        {
            if (targets.numel() == 0) return;
            long low = targets.min().item<long>(), high = targets.max().item<long>();
            if (low < 0) throw new ArgumentException($"class labels must be 0 or more; got {low}");
            if (outputs is { } c && high >= c)
                throw new ArgumentException($"class label {high} is out of range for a model with {c} outputs (labels 0..{c - 1}); build the model with at least {high + 1} classes");
            return;
        }
        if (kind == LossKind.CrossEntropy)
            throw new ArgumentException($"cross-entropy needs int64 class labels [N]; got {targets.dtype} [{string.Join(", ", targets.shape)}]");
        if (!targets.is_floating_point() || targets.dim() != 2)
            throw new ArgumentException($"squared error needs int64 class labels [N] or floating-point targets [N, C]; got {targets.dtype} [{string.Join(", ", targets.shape)}]");
        if (outputs is { } n && targets.shape[1] != n)
            throw new ArgumentException($"the targets have {targets.shape[1]} columns but the model has {n} outputs");
    }

    static void CheckPair(LossKind kind, Tensor output, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(target);
        if (output.dim() != 2)
            throw new ArgumentException($"the model's output must be [B, C]; got [{string.Join(", ", output.shape)}]");
        if (target.shape.Length == 0 || target.shape[0] != output.shape[0])
            throw new ArgumentException($"{output.shape[0]} outputs but targets of shape [{string.Join(", ", target.shape)}]");
        RequireTargets(kind, target, output.shape[1]);
    }

    /// <summary>H_ℓ·u: the Hessian of the batch-mean loss with respect to the outputs z [B, C] applied to u [B, C].
    /// Cross-entropy: per sample (diag(p) − ppᵀ)u/B with p = softmax(z); squared error: u/B.</summary>
    public static Tensor OutputHessianProduct(LossKind kind, Tensor output, Tensor u)
    {
        long batch = output.shape[0];
        switch (kind)
        {
            case LossKind.CrossEntropy:
                var p = output.detach().softmax(1);
                return (p * u - p * (p * u).sum(1L, keepdim: true)) / batch;
            case LossKind.MeanSquaredError:
                return u / batch;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown loss");
        }
    }

    /// <summary>Regression targets: y itself when it has the outputs' shape, else one-hot class labels.</summary>
    static Tensor Targets(Tensor output, Tensor target) =>
        target.dim() == 1 && target.dtype == ScalarType.Int64
            ? nn.functional.one_hot(target, output.shape[1]).to_type(output.dtype)
            : target.to_type(output.dtype);
}
