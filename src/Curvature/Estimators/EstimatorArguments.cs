using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Estimators;

/// <summary>Boundary checks and the checked product shared by the estimators: a native error aborts the
/// process, so everything is validated in C# first.</summary>
internal static class EstimatorArguments
{
    /// <summary>The checks every probing estimator shares: operator, generator, distribution, block size.</summary>
    internal static void CheckProbing(ILinearOperator? op, Generator? generator, ProbeDistribution distribution, int blockSize, string blockWhy)
    {
        CheckOperator(op, "op");
        CheckGenerator(generator, "generator");
        CheckDistribution(distribution, "distribution");
        CheckAtLeast(blockSize, 1, "blockSize", blockWhy);
    }

    internal static void CheckOperator(ILinearOperator? op, string name)
    {
        ArgumentNullException.ThrowIfNull(op, name);
        if (op.Size <= 0)
            throw new ArgumentException($"operator size must be ≥ 1; got {op.Size}", name);
    }

    internal static void CheckGenerator(Generator? generator, string name) =>
        ArgumentNullException.ThrowIfNull(generator, name);

    internal static void CheckDistribution(ProbeDistribution distribution, string name)
    {
        if (!Enum.IsDefined(distribution))
            throw new ArgumentOutOfRangeException(name, distribution, "unknown probe distribution");
    }

    internal static void CheckAtLeast(int value, int minimum, string name, string why)
    {
        if (value < minimum)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be ≥ {minimum} ({why}); got {value}");
    }

    internal static void CheckPositiveFinite(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive finite number; got {value}");
    }

    /// <summary>A·X in float64 for a float64 block X [n, k], with the contract's shape promise checked (the
    /// operator may be any implementation, not only <see cref="LinearOperator"/>).</summary>
    internal static Tensor Product(ILinearOperator op, Tensor block)
    {
        var y = op.Multiply(block);
        if (y is null || y.dim() != 2 || y.shape[0] != block.shape[0] || y.shape[1] != block.shape[1])
            throw new InvalidOperationException(
                $"{op.GetType().Name}.Multiply returned shape [{(y is null ? "null" : string.Join(", ", y.shape))}] for a block [{block.shape[0]}, {block.shape[1]}]");
        return y.dtype == ScalarType.Float64 ? y : y.to_type(ScalarType.Float64);
    }
}
