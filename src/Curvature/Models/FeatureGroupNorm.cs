using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Curvature.Models;

/// <summary>PyTorch's <c>nn.GroupNorm(G, C)</c> for inputs [B, C, *] including [B, C] — the MLP case, which
/// TorchSharp 0.107's GroupNorm module rejects (it wants at least three dimensions). y = (x − μ_g)/√(σ²_g + ε)·γ + β
/// with μ_g, σ²_g over the C/G channels of each group and all trailing dimensions, per example; ε = 1e-5, γ = 1,
/// β = 0 initially (Wu &amp; He 2018, eq. 1–3; PyTorch's defaults). Parameters weight and bias [C], as in PyTorch.</summary>
internal sealed class FeatureGroupNorm : nn.Module<Tensor, Tensor>
{
    private const double Eps = 1e-5;
    private readonly long _groups, _channels;
    private readonly Parameter weight;
    private readonly Parameter bias;

    public FeatureGroupNorm(long groups, long channels, ScalarType dtype) : base("GroupNorm")
    {
        if (groups < 1 || channels % groups != 0)
            throw new ArgumentException($"GroupNorm: {groups} groups do not divide {channels} channels");
        _groups = groups;
        _channels = channels;
        // Module state must outlive any dispose scope the constructor runs in.
        weight = new Parameter(ones(channels, dtype: dtype).DetachFromDisposeScope());
        bias = new Parameter(zeros(channels, dtype: dtype).DetachFromDisposeScope());
        register_parameter(nameof(weight), weight);
        register_parameter(nameof(bias), bias);
    }

    public override Tensor forward(Tensor input)
    {
        if (input.dim() < 2 || input.shape[1] != _channels)
            throw new ArgumentException($"GroupNorm({_groups}, {_channels}) expects input [B, {_channels}, *]; got [{string.Join(", ", input.shape)}]");
        return nn.functional.group_norm(input, _groups, weight, bias, Eps);
    }
}
