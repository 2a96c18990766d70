namespace Curvature.Models;

/// <summary>The normalisation layer a zoo model places after each hidden Linear or Conv2d (before the
/// activation). C is the number of features (Linear) or channels (Conv2d).</summary>
public enum NormKind
{
    /// <summary>No normalisation layer; the Sequential indices close up (no index is reserved).</summary>
    None,

    /// <summary>Batch normalisation (Ioffe &amp; Szegedy 2015, Alg. 1): PyTorch <c>nn.BatchNorm1d(C)</c> after a
    /// Linear, <c>nn.BatchNorm2d(C)</c> after a Conv2d; eps 1e-5, momentum 0.1 (PyTorch's defaults). State keys
    /// weight, bias, running_mean, running_var, num_batches_tracked (int64).</summary>
    Batch,

    /// <summary>Layer normalisation (Ba, Kiros &amp; Hinton 2016): PyTorch <c>nn.LayerNorm(C)</c> after a Linear; after a
    /// Conv2d it normalises over (C, H, W) with a per-channel affine, i.e. <c>nn.GroupNorm(1, C)</c> (not
    /// <c>nn.LayerNorm([C, H, W])</c>, whose affine is per element). Keys weight, bias.</summary>
    Layer,

    /// <summary>Group normalisation (Wu &amp; He 2018): PyTorch <c>nn.GroupNorm(G, C)</c> with G chosen by
    /// <see cref="GroupNormRule.Groups"/>. Keys weight, bias.</summary>
    Group,

    /// <summary>Mean-only batch normalisation: subtract the batch mean (train mode) or the running mean (eval mode),
    /// no division by the standard deviation, no affine — <see cref="CenteredNorm"/>. It has no PyTorch equivalent
    /// module (docs/MODELS.md gives the few lines of PyTorch that reproduce it). Keys running_mean,
    /// num_batches_tracked.</summary>
    Centered,
}
