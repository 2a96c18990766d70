using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Estimators;

/// <summary>Random probe vectors in float64 drawn from a caller's <see cref="Generator"/> — the one source of
/// randomness of every stochastic estimator (Hutchinson, Hutch++, diagonal estimation, SLQ, power iteration).
/// Nothing here touches torch's global generator.</summary>
public static class RandomVectors
{
    /// <summary>A block Z [n, k] of i.i.d. probe entries in float64, so that E[ZZᵀ] = k·I.
    /// Rademacher entries are exactly ±1 (uniform u &lt; ½ ↦ +1, else −1; torch's float64 uniform lies on a
    /// 2⁻⁵³ grid in [0, 1), so both signs have probability exactly ½). The caller owns the result.</summary>
    /// <param name="n">Rows: the operator's size (≥ 1).</param>
    /// <param name="k">Columns: the number of probes (≥ 1).</param>
    /// <param name="distribution">Entry distribution.</param>
    /// <param name="generator">Source of randomness (CPU generator).</param>
    public static Tensor Draw(long n, int k, ProbeDistribution distribution, Generator generator)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentNullException.ThrowIfNull(generator);
        switch (distribution)
        {
            case ProbeDistribution.Gaussian:
                return randn(n, k, dtype: ScalarType.Float64, generator: generator);
            case ProbeDistribution.Rademacher:
                using (var scope = NewDisposeScope())
                {
                    var u = rand(n, k, dtype: ScalarType.Float64, generator: generator);
                    return u.lt(0.5).to_type(ScalarType.Float64).mul_(2.0).sub_(1.0).MoveToOuterDisposeScope();
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(distribution), distribution, "unknown probe distribution");
        }
    }

    /// <summary>A vector [n] uniformly distributed on the unit sphere in float64 (a normalised Gaussian vector;
    /// rotation invariance makes the direction uniform). The start vector of power iteration and Lanczos.
    /// The caller owns the result.</summary>
    /// <param name="n">Length (≥ 1).</param>
    /// <param name="generator">Source of randomness (CPU generator).</param>
    public static Tensor UnitVector(long n, Generator generator)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = NewDisposeScope();
        // A Gaussian vector of length n ≥ 1 is zero with probability 0; redraw anyway rather than divide by 0.
        while (true)
        {
            var v = randn(n, dtype: ScalarType.Float64, generator: generator);
            var norm = v.norm().item<double>();
            if (norm > 0) return v.div_(norm).MoveToOuterDisposeScope();
        }
    }
}
