using static TorchSharp.torch;

namespace Curvature.Operators;

/// <summary>
/// The symmetry probe of an operator known only through products: for random u, v,
/// |uᵀAv − vᵀAu| / max(‖u‖‖Av‖, ‖v‖‖Au‖), which is round-off for a symmetric A and O(1) for a generic
/// non-symmetric one (every estimator here assumes A = Aᵀ: Lanczos, SLQ and Hutch++ are wrong otherwise).
/// </summary>
public static class SymmetryProbe
{
    /// <summary>The relative asymmetry from two vectors and their products (all [n], any floating dtype; computed in float64).</summary>
    public static double RelativeAsymmetry(Tensor u, Tensor au, Tensor v, Tensor av)
    {
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(au);
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(av);
        foreach (var t in new[] { au, v, av })
            if (!t.shape.SequenceEqual(u.shape) || u.dim() != 1)
                throw new ArgumentException($"symmetry probe: u, Au, v, Av must be vectors of one length; got [{string.Join(", ", u.shape)}] and [{string.Join(", ", t.shape)}]");
        using var scope = NewDisposeScope();
        var (u64, au64, v64, av64) = (u.to_type(ScalarType.Float64), au.to_type(ScalarType.Float64), v.to_type(ScalarType.Float64), av.to_type(ScalarType.Float64));
        double uAv = u64.dot(av64).item<double>(), vAu = v64.dot(au64).item<double>();
        double scale = Math.Max(u64.norm().item<double>() * av64.norm().item<double>(), v64.norm().item<double>() * au64.norm().item<double>());
        return scale > 0 ? Math.Abs(uAv - vAu) / scale : 0;
    }

    /// <summary>Measures the asymmetry of <paramref name="a"/> with two Rademacher vectors from <paramref name="generator"/>
    /// (one block product of two columns).</summary>
    public static double Measure(ILinearOperator a, TorchSharp.torch.Generator generator)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = NewDisposeScope();
        var block = rand(a.Size, 2, dtype: ScalarType.Float64, generator: generator).lt(0.5).to_type(ScalarType.Float64).mul_(2).sub_(1);
        var product = a.Multiply(block);
        return RelativeAsymmetry(block[.., 0], product[.., 0], block[.., 1], product[.., 1]);
    }
}
