using TorchSharp;

namespace Curvature.Operators;

/// <summary>
/// A square symmetric linear map A: ℝⁿ → ℝⁿ known only through products — the one contract every
/// estimator in Curvature is written against (input covariance, network Hessian, Gauss–Newton, Fisher,
/// or an explicit matrix in a test).
/// </summary>
public interface ILinearOperator
{
    /// <summary>The dimension n.</summary>
    long Size { get; }

    /// <summary>The dtype the products are computed in.</summary>
    torch.ScalarType DType { get; }

    /// <summary>
    /// Returns A·X for X of shape [n] or [n, k] as a fresh tensor of X's shape and dtype (the product itself
    /// runs in <see cref="DType"/>). X is never modified or disposed.
    /// </summary>
    torch.Tensor Multiply(torch.Tensor x);
}
