using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Data;

/// <summary>
/// Settings of a synthetic K-class Gaussian-mixture classification set in d dimensions (see
/// <see cref="GaussianMixture.Draw(GaussianMixtureConfig, Generator, ScalarType)"/> for the model).
/// </summary>
/// <param name="Classes">K, the number of classes (≥ 2).</param>
/// <param name="Dimensions">d, the number of input components (≥ 1).</param>
/// <param name="Samples">n, the number of examples (≥ K, so every class occurs).</param>
/// <param name="Separation">s ≥ 0, the root-mean-square norm of a class mean: μ_k ~ 𝒩(0, (s²/d)·I), so
/// E‖μ_k‖² = s² and E‖μ_j − μ_k‖² = 2s² whatever d. s = 0 puts every mean at the origin (labels carry no
/// information about the inputs).</param>
/// <param name="WithinClassStd">σ ≥ 0, the standard deviation of every input component around its class mean.
/// The signal-to-noise ratio is s/σ: two classes at the typical distance √2·s are confused by the nearest-mean rule
/// with probability Φ(−s/(√2·σ)).</param>
/// <param name="Seed">Seed of the torch.Generator used by <see cref="GaussianMixture.Draw(GaussianMixtureConfig, ScalarType)"/>.</param>
/// <param name="Shuffle">false: labels in the fixed cyclic order 0, 1, …, K−1, 0, 1, … (every prefix, and every
/// contiguous batch, is as balanced as its length allows); true: a seeded random permutation of that list (the same
/// class counts in random order).</param>
public sealed record GaussianMixtureConfig(
    int Classes, int Dimensions, int Samples, double Separation, double WithinClassStd, ulong Seed, bool Shuffle = false)
{
    /// <summary>Largest n·d generated (2²⁸ values = 2 GiB in float64): a guard against typos, not a tuned limit
    /// (the same as <see cref="SyntheticGaussianConfig.MaxElements"/>).</summary>
    public const long MaxElements = 1L << 28;

    /// <summary>Throws <see cref="ArgumentException"/> with a one-line message naming the first bad setting.</summary>
    public void Validate()
    {
        if (Classes < 2) throw new ArgumentException($"a classification set needs at least 2 classes K; got {Classes}");
        if (Dimensions < 1) throw new ArgumentException($"the number of dimensions d must be at least 1; got {Dimensions}");
        if (Samples < Classes)
            throw new ArgumentException($"the number of samples n must be at least the number of classes K = {Classes}, so every class occurs; got {Samples}");
        if (!(Separation >= 0) || double.IsInfinity(Separation))
            throw new ArgumentException($"the class-mean separation s must be non-negative and finite; got {Separation}");
        if (!(WithinClassStd >= 0) || double.IsInfinity(WithinClassStd))
            throw new ArgumentException($"the within-class standard deviation σ must be non-negative and finite; got {WithinClassStd}");
        if ((long)Samples * Dimensions > MaxElements)
            throw new ArgumentException($"n·d = {(long)Samples * Dimensions} exceeds the synthetic-data limit of {MaxElements} values");
        if ((long)Classes * Dimensions > MaxElements)
            throw new ArgumentException($"K·d = {(long)Classes * Dimensions} exceeds the synthetic-data limit of {MaxElements} values");
    }
}

/// <summary>A drawn Gaussian-mixture set: inputs [n, d], labels [n] int64 and the class means [K, d]. Owns and
/// disposes its tensors.</summary>
public sealed class GaussianMixtureSample : IDisposable
{
    internal GaussianMixtureSample(Tensor inputs, Tensor labels, Tensor means)
    {
        Inputs = inputs;
        Labels = labels;
        Means = means;
    }

    /// <summary>x_i = μ_{y_i} + σ z_i, shape [n, d], of the requested dtype.</summary>
    public Tensor Inputs { get; }

    /// <summary>y_i, shape [n], int64 in 0..K−1.</summary>
    public Tensor Labels { get; }

    /// <summary>The class means μ_k, shape [K, d], of the requested dtype (what a Bayes-optimal classifier knows).</summary>
    public Tensor Means { get; }

    /// <summary>The number of examples n.</summary>
    public long Count => Labels.shape[0];

    /// <summary>The number of classes K.</summary>
    public long ClassCount => Means.shape[0];

    /// <inheritdoc/>
    public void Dispose()
    {
        Inputs.Dispose();
        Labels.Dispose();
        Means.Dispose();
    }
}

/// <summary>Draws <see cref="GaussianMixtureConfig"/> classification sets from a seeded torch.Generator.</summary>
/// <remarks>An isotropic Gaussian mixture with random means is the textbook K-class Gaussian classification
/// problem (Hastie, Tibshirani &amp; Friedman, The Elements of Statistical Learning, 2nd ed., §4.3, with shared
/// covariance σ²I); the 1/d scaling of the mean variance keeps the difficulty s/σ independent of the dimension.</remarks>
public static class GaussianMixture
{
    /// <summary>Draws with a fresh generator seeded by <see cref="GaussianMixtureConfig.Seed"/>.</summary>
    /// <exception cref="ArgumentException">A bad setting, or <paramref name="dtype"/> is not floating-point.</exception>
    public static GaussianMixtureSample Draw(GaussianMixtureConfig config, ScalarType dtype = ScalarType.Float64)
    {
        ArgumentNullException.ThrowIfNull(config);
        Validate(config, dtype);
        using var generator = new Generator(config.Seed);
        return Draw(config, generator, dtype);
    }

    /// <summary>
    /// Draws, in this order from <paramref name="generator"/>: the means μ = (s/√d)·ζ with ζ [K, d] standard normal;
    /// if <see cref="GaussianMixtureConfig.Shuffle"/>, a random permutation of the cyclic labels (i mod K); then
    /// z [n, d] standard normal and x_i = μ_{y_i} + σ z_i. Everything is drawn and computed in float64 and converted
    /// to <paramref name="dtype"/> at the end, so a float32 set is the float64 set rounded. The config's seed is not
    /// used here.
    /// </summary>
    /// <remarks>Classes are balanced: each has ⌊n/K⌋ or ⌈n/K⌉ examples, the first n mod K classes having one more.</remarks>
    /// <exception cref="ArgumentException">A bad setting, or <paramref name="dtype"/> is not floating-point.</exception>
    public static GaussianMixtureSample Draw(GaussianMixtureConfig config, Generator generator, ScalarType dtype = ScalarType.Float64)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(generator);
        Validate(config, dtype);
        int k = config.Classes, d = config.Dimensions, n = config.Samples;
        using var scope = NewDisposeScope();
        var means = randn(k, d, dtype: ScalarType.Float64, generator: generator).mul_(config.Separation / Math.Sqrt(d));
        var labels = arange(n, dtype: ScalarType.Int64).remainder_(k);
        if (config.Shuffle)
            labels = labels.index_select(0, randperm(n, generator: generator, dtype: ScalarType.Int64));
        var inputs = randn(n, d, dtype: ScalarType.Float64, generator: generator).mul_(config.WithinClassStd)
            .add_(means.index_select(0, labels));
        return new GaussianMixtureSample(
            inputs.to_type(dtype).MoveToOuterDisposeScope(),
            labels.MoveToOuterDisposeScope(),
            means.to_type(dtype).MoveToOuterDisposeScope());
    }

    static void Validate(GaussianMixtureConfig config, ScalarType dtype)
    {
        config.Validate();
        if (!is_floating_point(dtype))
            throw new ArgumentException($"inputs need a floating-point dtype; got {dtype}", nameof(dtype));
    }
}
