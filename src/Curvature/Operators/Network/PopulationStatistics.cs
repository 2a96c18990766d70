using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Operators;

/// <summary>
/// "Population statistics" for BatchNorm (Ghorbani et al. 2019, §4): the running mean and variance of every
/// BatchNorm layer set to the statistics of a fixed subset instead of an exponential average of mini-batches. Used
/// by <see cref="BatchNormMode.Population"/> operators and by training with population statistics.
/// </summary>
public static class PopulationStatistics
{
    /// <summary>The subset goes through the model in chunks of at most this many samples, to bound the activation
    /// memory of one forward pass (4096 MNIST/CIFAR-sized inputs of a small zoo model: tens of MB); one chunk gives
    /// exact statistics, several give PyTorch's cumulative average of the chunk statistics (momentum = None: each
    /// chunk weighs equally). Chunks are balanced (sizes differ by at most one), so none is a single sample.</summary>
    public const int Chunk = 4096;

    /// <summary>
    /// Sets every BatchNorm layer's running mean and variance (layers with <c>track_running_stats</c>) to the
    /// statistics of <paramref name="population"/>'s inputs: a train-mode pass without gradients, momentum None, after
    /// resetting the running statistics. With one chunk (N ≤ <see cref="Chunk"/>) the mean is the batch mean of each
    /// layer's input and the variance its unbiased variance (PyTorch's running_var uses the N − 1 denominator;
    /// BatchNorm docs); with several, the plain average of the chunks' values. Each layer's momentum, every
    /// module's train/eval flag and every other buffer (num_batches_tracked, other layers' statistics) are left as
    /// they were. It DOES change the BatchNorm running buffers: that is its purpose.
    /// </summary>
    /// <exception cref="ArgumentException">A population of one sample (its unbiased variance is undefined).</exception>
    public static void Apply(nn.Module<Tensor, Tensor> model, NetworkData population)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(population);
        var norms = Norms(model);
        if (norms.Count == 0) return;
        var dtype = norms.Select(n => n.running_mean ?? n.running_var).First(t => t is not null)!.dtype;
        using var scope = NewDisposeScope();
        var values = Compute(model, population, dtype);
        try
        {
            using var noGrad = no_grad();
            foreach (var (buffer, value) in values) buffer.copy_(value);
        }
        finally
        {
            foreach (var (_, value) in values) value.Dispose();
        }
    }

    /// <summary>The population statistics of every BatchNorm layer as (live buffer, value) pairs, the values owned by
    /// the caller (detached from any dispose scope); the model itself is left byte-identical. Inputs are cast to
    /// <paramref name="dtype"/>.</summary>
    internal static List<(Tensor Buffer, Tensor Value)> Compute(nn.Module<Tensor, Tensor> model, NetworkData population, ScalarType dtype)
    {
        if (population.Count < 2 && Norms(model).Count > 0)
            throw new ArgumentException("population statistics need at least 2 samples (the unbiased variance of one sample is undefined)", nameof(population));
        using var scope = NewDisposeScope();
        var values = new List<(Tensor Buffer, Tensor Value)>();
        var snapshot = ModelSnapshot.Capture(model);
        try
        {
            var norms = Norms(model);
            foreach (var norm in norms)
            {
                norm.momentum = null;
                norm.reset_running_stats();
            }
            model.train();
            using (no_grad())
                foreach (var (start, length) in Chunks(population.Count))
                {
                    using var chunk = NewDisposeScope();
                    model.call(population.Inputs.narrow(0, start, length).to_type(dtype));
                }
            foreach (var norm in norms)
            {
                if (norm.running_mean is { } mean) values.Add((mean, mean.detach().clone().DetachFromDisposeScope()));
                if (norm.running_var is { } variance) values.Add((variance, variance.detach().clone().DetachFromDisposeScope()));
            }
            return values;
        }
        catch
        {
            foreach (var (_, value) in values) value.Dispose();
            throw;
        }
        finally
        {
            ModelSnapshot.RestoreAndDispose(snapshot);
        }
    }

    /// <summary>⌈N/<see cref="Chunk"/>⌉ contiguous chunks whose sizes differ by at most one.</summary>
    internal static IEnumerable<(long Start, long Length)> Chunks(long count)
    {
        long chunks = (count + Chunk - 1) / Chunk, start = 0;
        for (long i = 0; i < chunks; i++)
        {
            long length = count / chunks + (i < count % chunks ? 1 : 0);
            yield return (start, length);
            start += length;
        }
    }

    static List<TorchSharp.Modules.NormBase> Norms(nn.Module model) =>
        model.named_modules().Select(m => m.module).OfType<TorchSharp.Modules.NormBase>().Where(n => n.track_running_stats).ToList();
}
