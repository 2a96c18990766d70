namespace Curvature.Models;

/// <summary>The nonlinearity between the layers of a zoo model.</summary>
public enum Activation
{
    /// <summary>tanh, PyTorch <c>nn.Tanh()</c>: smooth, so finite-difference checks of Hessian products hold to
    /// round-off (LeCun et al., Efficient BackProp 1998, §4.4 recommend a sigmoid of this shape).</summary>
    Tanh,

    /// <summary>max(0, x), PyTorch <c>nn.ReLU()</c>: the activation of He et al. 2016 (ResNets).</summary>
    Relu,
}
