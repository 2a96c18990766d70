using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Benchmarks.Operators;

/// <summary>The operators the benchmarks run on. Every case is deterministic (fixed seeds).</summary>
public static class OperatorCases
{
    /// <summary>Seed of all benchmark data; any value would do, fixed so runs are comparable.</summary>
    public const ulong Seed = 20240601;

    /// <summary>The baseline of every estimator benchmark: <paramref name="count"/> single products with
    /// <paramref name="vector"/>, each result disposed at once (as the estimators do). Returns a sink value so the
    /// JIT cannot drop the work.</summary>
    public static double RepeatedProducts(ILinearOperator a, Tensor vector, int count)
    {
        double sink = 0;
        for (int i = 0; i < count; i++)
        {
            using var w = a.Multiply(vector);
            sink += w.shape[0];
        }
        return sink;
    }

    /// <summary>Fashion-MNIST size: p = 10 000 images (the shipped test split) × N = 784 pixels.</summary>
    public const long FashionSamples = 10_000, FashionInputs = 784;

    /// <summary>
    /// diag(d) of size n with a Hessian-like spectrum: a bulk uniform in [−0.1, 1] and 10 outliers at 10, 20, …, 100
    /// (a few large, well-separated eigenvalues over a wide bulk with some negative mass, the shape reported for
    /// network Hessians — Ghorbani et al. 2019, Papyan 2019). The outliers converge within a few dozen steps,
    /// which is what makes Selective reorthogonalization trigger, as it would on a real Hessian.
    /// </summary>
    public static OperatorCase Diagonal(long n) => new($"diag n={Format(n)}", n, () =>
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(Seed);
        var d = rand(n, dtype: ScalarType.Float64, generator: gen).mul_(1.1).sub_(0.1);
        d[TensorIndex.Slice(0, 10)] = arange(1, 11, dtype: ScalarType.Float64).mul_(10.0);
        return new DiagonalOperator(d);
    });

    /// <summary>R = (1/p) XᵀX for X [p, N] with i.i.d. standard Gaussian entries, computed in <paramref name="dtype"/>.</summary>
    public static OperatorCase Covariance(long p, long inputs, ScalarType dtype) => new($"cov {p}x{inputs} {Short(dtype)}", inputs, () =>
    {
        // No dispose scope here: CovarianceOperator keeps a copy of X that the innermost open scope would own.
        using var x = randn(p, inputs, dtype: ScalarType.Float64, generator: new Generator(Seed));
        return new CovarianceOperator(x, dtype);
    });

    /// <summary>The Lanczos-overhead cases: cheap diagonal operators at n = 1e4, 1e5, 1e6. Issue 5 adds network
    /// Hessians (HVP operators) here.</summary>
    public static IEnumerable<OperatorCase> LanczosOverhead() => [Diagonal(10_000), Diagonal(100_000), Diagonal(1_000_000)];

    internal static string Format(long n) => n switch
    {
        >= 1_000_000 when n % 1_000_000 == 0 => $"{n / 1_000_000}e6",
        >= 100_000 when n % 100_000 == 0 => $"{n / 100_000}e5",
        >= 10_000 when n % 10_000 == 0 => $"{n / 10_000}e4",
        _ => n.ToString(),
    };

    internal static string Short(ScalarType t) => t switch
    {
        ScalarType.Float64 => "f64",
        ScalarType.Float32 => "f32",
        _ => t.ToString(),
    };
}
