using Curvature.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Operators;

/// <summary>
/// The data a network operator averages over — inputs [N, …] and targets [N] (class labels) or [N, C] — with a
/// fixed, deterministic partition into contiguous batches of <see cref="BatchSize"/> (the last may be
/// shorter). The loss is the mean over all N samples, so batch b enters with the exact weight |b|/N, not
/// 1/(number of batches): the two differ whenever the last batch is short. Tensors are copied (owned).
/// </summary>
public sealed class NetworkData : IDisposable
{
    /// <summary>Wraps inputs and targets; <paramref name="batchSize"/> defaults to all N in one batch.</summary>
    public NetworkData(Tensor inputs, Tensor targets, int? batchSize = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (inputs.dim() < 2) throw new ArgumentException($"inputs must be [N, …]; got shape [{string.Join(", ", inputs.shape)}]", nameof(inputs));
        if (inputs.shape[0] == 0) throw new ArgumentException("the data set is empty (N = 0)", nameof(inputs));
        if (targets.dim() is not (1 or 2) || targets.shape[0] != inputs.shape[0])
            throw new ArgumentException($"targets must be [N] or [N, C] with N = {inputs.shape[0]}; got shape [{string.Join(", ", targets.shape)}]", nameof(targets));
        if (!inputs.is_floating_point()) throw new ArgumentException($"inputs must be floating point; got {inputs.dtype}", nameof(inputs));
        if (batchSize is <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size must be positive; got {batchSize}");
        if (inputs.shape[0] > int.MaxValue) throw new ArgumentException($"at most {int.MaxValue} samples; got {inputs.shape[0]}", nameof(inputs));
        Count = inputs.shape[0];
        BatchSize = (int)Math.Min(batchSize ?? Count, Count);
        Partition = new BatchPartition((int)Count, BatchSize);
        Inputs = inputs.detach().clone().DetachFromDisposeScope();
        Targets = targets.detach().clone().DetachFromDisposeScope();
    }

    /// <summary>N.</summary>
    public long Count { get; }
    /// <summary>Samples per batch (the last batch may be shorter).</summary>
    public int BatchSize { get; }
    /// <summary>Inputs [N, …].</summary>
    public Tensor Inputs { get; }
    /// <summary>Targets [N] or [N, C].</summary>
    public Tensor Targets { get; }

    /// <summary>The fixed partition (<see cref="BatchPartition"/>: contiguous batches, weights |b|/N).</summary>
    public BatchPartition Partition { get; }

    /// <summary>The batches in order: (start, length, weight = length/N).</summary>
    public IEnumerable<(long Start, long Length, double Weight)> Batches() =>
        Partition.Batches.Select(b => ((long)b.Start, (long)b.Size, b.Weight));

    /// <summary>Number of batches.</summary>
    public int BatchCount => Partition.Count;

    /// <inheritdoc/>
    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
    }
}
