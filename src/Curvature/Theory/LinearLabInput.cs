using Curvature.Data;
using TorchSharp;

namespace Curvature.Theory;

/// <summary>The data of a linear-neuron lab run: either a synthetic Gaussian configuration or given samples
/// X [p, N] with targets y [p] (e.g. Fashion-MNIST pixels scaled to [0, 1]). Tensors stay owned by the caller.</summary>
public sealed class LinearLabInput
{
    LinearLabInput(string source, SyntheticGaussianConfig? synthetic, torch.Tensor? samples, torch.Tensor? targets)
    {
        Source = source;
        Synthetic = synthetic;
        Samples = samples;
        Targets = targets;
    }

    /// <summary>"synthetic" or the name the caller gave the data.</summary>
    public string Source { get; }

    /// <summary>The synthetic configuration, or null for given data.</summary>
    public SyntheticGaussianConfig? Synthetic { get; }

    /// <summary>Given samples X [p, N], or null for synthetic data.</summary>
    public torch.Tensor? Samples { get; }

    /// <summary>Given targets y [p], or null for synthetic data.</summary>
    public torch.Tensor? Targets { get; }

    /// <summary>Synthetic inputs x_i ~ 𝒩(m, v) drawn by <see cref="SyntheticGaussian"/> (validated here).</summary>
    public static LinearLabInput FromSynthetic(SyntheticGaussianConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        return new LinearLabInput("synthetic", config, null, null);
    }

    /// <summary>Given samples X [p, N] (rows are samples) and targets y [p]; checked when the lab runs.</summary>
    public static LinearLabInput FromData(torch.Tensor samples, torch.Tensor targets, string source)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        return new LinearLabInput(source, null, samples, targets);
    }
}
