namespace Curvature.Operators;

/// <summary>Which statistics BatchNorm layers use while the curvature is measured — three different
/// Hessians of the same weights. Every result records the mode.</summary>
public enum BatchNormMode
{
    /// <summary>Statistics of each batch of the fixed partition, differentiated through (the loss the network
    /// is trained on); with one batch of all N samples this is full-batch BN. Running buffers are saved and
    /// restored, so the model is not changed.</summary>
    Train,

    /// <summary>The running statistics, as constants (PyTorch's eval mode; what PyHessian always uses).</summary>
    Eval,

    /// <summary>Statistics of a fixed population subset, frozen into the layers as constants (Ghorbani et al.
    /// 2019, §4: "population statistics").</summary>
    Population,
}
