using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Data;

/// <summary>
/// Settings of a synthetic linear-regression data set: N inputs x_i ~ 𝒩(m, v) i.i.d., p samples, a random
/// teacher w* and targets y = X w* + 𝒩(0, noise²) — the input model of LeCun, Kanter &amp; Solla 1991 and
/// Efficient BackProp 1998, §5.2, for which R = (1/p) XᵀX follows the Marchenko–Pastur law.
/// </summary>
/// <param name="Inputs">N, the number of input components (≥ 1).</param>
/// <param name="Samples">p, the number of samples (≥ 1).</param>
/// <param name="Mean">m, the mean of every input component (finite).</param>
/// <param name="Variance">v, the variance of every input component (&gt; 0).</param>
/// <param name="Noise">Standard deviation of the Gaussian label noise (≥ 0).</param>
/// <param name="Seed">Seed of the torch.Generator that draws X, the teacher and the noise.</param>
public sealed record SyntheticGaussianConfig(int Inputs, int Samples, double Mean, double Variance, double Noise, ulong Seed)
{
    /// <summary>α = p/N.</summary>
    public double Alpha => (double)Samples / Inputs;

    /// <summary>Throws <see cref="ArgumentException"/> with a one-line message naming the first bad setting.</summary>
    public void Validate()
    {
        if (Inputs <= 0) throw new ArgumentException($"the number of inputs N must be at least 1; got {Inputs}");
        if (Samples <= 0) throw new ArgumentException($"the number of samples p must be at least 1; got {Samples}");
        if (!double.IsFinite(Mean)) throw new ArgumentException($"the input mean m must be finite; got {Mean}");
        if (!(Variance > 0) || double.IsInfinity(Variance))
            throw new ArgumentException($"the input variance v must be positive and finite; got {Variance}");
        if (!(Noise >= 0) || double.IsInfinity(Noise))
            throw new ArgumentException($"the label noise must be non-negative and finite; got {Noise}");
        if ((long)Inputs * Samples > MaxElements)
            throw new ArgumentException($"N·p = {(long)Inputs * Samples} exceeds the synthetic-data limit of {MaxElements} values");
    }

    /// <summary>Largest N·p generated (2²⁸ doubles = 2 GiB): a guard against typos, not a tuned limit.</summary>
    public const long MaxElements = 1L << 28;
}

/// <summary>A drawn synthetic data set: X [p, N], y [p] and the teacher w* [N], all float64. Disposes its tensors.</summary>
public sealed class SyntheticSample : IDisposable
{
    internal SyntheticSample(Tensor inputs, Tensor targets, Tensor teacher)
    {
        Inputs = inputs;
        Targets = targets;
        Teacher = teacher;
    }

    /// <summary>X, shape [p, N], float64 (owned by this object).</summary>
    public Tensor Inputs { get; }

    /// <summary>y = X w* + noise, shape [p], float64 (owned by this object).</summary>
    public Tensor Targets { get; }

    /// <summary>The teacher w*, shape [N], components 𝒩(0, 1/N) (owned by this object).</summary>
    public Tensor Teacher { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
        Teacher.Dispose();
    }
}

/// <summary>Draws <see cref="SyntheticGaussianConfig"/> data sets from a seeded torch.Generator.</summary>
public static class SyntheticGaussian
{
    /// <summary>Draws with a fresh generator seeded by <see cref="SyntheticGaussianConfig.Seed"/>.</summary>
    public static SyntheticSample Draw(SyntheticGaussianConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        using var generator = new Generator(config.Seed);
        return Draw(config, generator);
    }

    /// <summary>
    /// Draws, in this order from <paramref name="generator"/>: X = m + √v·Z with Z [p, N] standard normal; the
    /// teacher w* with components 𝒩(0, 1/N) (fan-in scaling, so Xw* has variance ≈ v whatever N); the noise
    /// ε [p] ~ 𝒩(0, noise²); and y = X w* + ε. The config's seed is not used here.
    /// </summary>
    public static SyntheticSample Draw(SyntheticGaussianConfig config, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(generator);
        config.Validate();
        using var scope = NewDisposeScope();
        var x = randn(config.Samples, config.Inputs, dtype: ScalarType.Float64, generator: generator)
            .mul_(Math.Sqrt(config.Variance)).add_(config.Mean);
        var teacher = randn(config.Inputs, dtype: ScalarType.Float64, generator: generator).div_(Math.Sqrt(config.Inputs));
        var noise = randn(config.Samples, dtype: ScalarType.Float64, generator: generator).mul_(config.Noise);
        var y = x.matmul(teacher).add_(noise);
        return new SyntheticSample(x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope(), teacher.MoveToOuterDisposeScope());
    }
}
