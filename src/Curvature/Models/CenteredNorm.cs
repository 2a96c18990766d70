using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Models;

/// <summary>
/// Mean-only batch normalisation: y = x − μ per feature/channel, where μ is the mean of the batch over every
/// dimension except dimension 1 (train mode) or the running mean (eval mode). No division by the standard
/// deviation and no affine parameters: BatchNorm minus its scaling (Ioffe &amp; Szegedy 2015, Alg. 1, first two
/// lines only; the "mean-only batch normalization" of Salimans &amp; Kingma 2016 (Weight Normalization), without their weight
/// normalisation). In train mode the running mean is updated like PyTorch's BatchNorm:
/// running_mean ← (1 − m)·running_mean + m·μ with momentum m = 0.1, and num_batches_tracked += 1.
/// </summary>
/// <remarks>PyTorch has no such module. Its state keys are <c>running_mean</c> (shape [C], the model's dtype) and
/// <c>num_batches_tracked</c> (a 0-dimensional int64), so a checkpoint of a model using it loads in PyTorch into
/// the small module listed in docs/MODELS.md. Inputs are [B, C] or [B, C, *].</remarks>
public sealed class CenteredNorm : nn.Module<Tensor, Tensor>
{
    /// <summary>Momentum of the running mean, 0.1: PyTorch's BatchNorm default, so the two layers track the mean
    /// identically.</summary>
    public const double DefaultMomentum = 0.1;

    // Field names equal the buffer names so TorchSharp's module conversions keep them in step.
    private readonly Tensor running_mean;
    private readonly Tensor num_batches_tracked;

    /// <summary>Creates the layer for <paramref name="features"/> features or channels, running mean zero.</summary>
    /// <param name="features">C, the size of dimension 1 of the input (≥ 1).</param>
    /// <param name="dtype">Floating dtype of the running mean (Float32 or Float64).</param>
    public CenteredNorm(long features, ScalarType dtype = ScalarType.Float32) : base(nameof(CenteredNorm))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"CenteredNorm supports float32 and float64; got {dtype}", nameof(dtype));
        Features = features;
        // Module state must outlive any dispose scope the constructor runs in.
        running_mean = zeros(features, dtype: dtype).DetachFromDisposeScope();
        num_batches_tracked = tensor(0L).DetachFromDisposeScope();
        register_buffer(nameof(running_mean), running_mean);
        register_buffer(nameof(num_batches_tracked), num_batches_tracked);
    }

    /// <summary>C, the number of features or channels.</summary>
    public long Features { get; }

    /// <summary>The momentum m of the running-mean update (default <see cref="DefaultMomentum"/>).</summary>
    public double Momentum { get; init; } = DefaultMomentum;

    /// <summary>The running mean, shape [C] (the live buffer, owned by the module).</summary>
    public Tensor RunningMean => running_mean;

    /// <summary>The number of train-mode forward passes, a 0-dimensional int64 (the live buffer).</summary>
    public Tensor NumBatchesTracked => num_batches_tracked;

    /// <summary>y = x − μ: the batch mean in train mode (and the running statistics are updated), the running mean
    /// in eval mode.</summary>
    /// <exception cref="ArgumentException">The input is not [B, C, *] with this C, or has another dtype.</exception>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() < 2 || input.shape[1] != Features)
            throw new ArgumentException(
                $"CenteredNorm({Features}) expects input [B, {Features}, *]; got [{string.Join(", ", input.shape)}]");
        if (input.dtype != running_mean.dtype)
            throw new ArgumentException($"CenteredNorm holds {running_mean.dtype} statistics; got a {input.dtype} input");

        using var scope = NewDisposeScope();
        var broadcast = new long[input.dim()];
        Array.Fill(broadcast, 1L);
        broadcast[1] = Features;
        Tensor mean;
        if (training)
        {
            var reduced = Enumerable.Range(0, (int)input.dim()).Where(d => d != 1).Select(d => (long)d).ToArray();
            mean = input.mean(reduced);
            using (no_grad())
            {
                running_mean.mul_(1 - Momentum).add_(mean.detach(), alpha: Momentum);
                num_batches_tracked.add_(1);
            }
        }
        else
        {
            mean = running_mean;
        }
        return (input - mean.view(broadcast)).MoveToOuterDisposeScope();
    }
}
