using Curvature.Operators;
using static TorchSharp.torch;

namespace Curvature.Distributed;

/// <summary>
/// A network curvature operator (Hessian, Gauss–Newton or empirical Fisher, as the run manifest says) whose products are
/// computed data-parallel by shard grains (<see cref="IShardGrain"/>): the mean loss over N samples is
/// L = Σ_s (n_s/N) L_s, so A V = Σ_s (n_s/N) A_s V. The whole block V [n, k] is broadcast to every shard in one call,
/// so each shard shares its forward and first backward across the k columns; the coordinator accepts exactly one result
/// per (iteration, shard) and sums the shards in fixed index order once all have
/// answered, so the product does not depend on arrival order and repeats bit for bit. A shard whose call fails
/// transiently is retried alone with back-off (<see cref="ShardRetryPolicy"/>). Every estimator runs on it unchanged.
/// </summary>
/// <remarks>
/// Products are float64 on the wire (<see cref="VectorBytes"/>); the shards compute in the manifest's dtype. The
/// coordinator holds no model. Because shards start on batch boundaries (<see cref="RunManifest.Validate"/>), each batch
/// of the single-process partition lies in exactly one shard, so the sum is the single-process operator up to round-off in
/// every BatchNorm mode.
/// </remarks>
public sealed class DistributedHessianOperator : LinearOperator
{
    readonly IShardGrain[] _shards;
    readonly ShardRetryPolicy _retry;
    long _iteration;

    DistributedHessianOperator(RunManifest manifest, IShardGrain[] shards, long size, ShardRetryPolicy retry)
        : base(size, ScalarType.Float64)
    {
        Manifest = manifest;
        _shards = shards;
        _retry = retry;
    }

    /// <summary>The run this operator multiplies with.</summary>
    public RunManifest Manifest { get; }

    /// <summary>Number of shards.</summary>
    public int ShardCount => _shards.Length;

    /// <summary>Shard calls retried after a transient failure so far.</summary>
    public long Retries => Interlocked.Read(ref _retries);
    long _retries;

    /// <summary>Multiply calls so far (the next call's iteration number).</summary>
    public long Iterations => Interlocked.Read(ref _iteration);

    /// <summary>
    /// Connects to the shards of <paramref name="manifest"/> (which must already be where the workers read manifests,
    /// <see cref="ShardStoreOptions"/>): activates every shard and checks that all report the same dimension.
    /// </summary>
    /// <exception cref="InvalidOperationException">Shards disagree on the operator's dimension.</exception>
    public static async Task<DistributedHessianOperator> ConnectAsync(IGrainFactory grains, RunManifest manifest,
        ShardRetryPolicy? retry = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(manifest);
        manifest.Validate();
        retry ??= ShardRetryPolicy.Default;
        retry.Validate();
        var shards = Enumerable.Range(0, manifest.Data.Shards.Count)
            .Select(s => grains.GetGrain<IShardGrain>(s, manifest.RunId, null)).ToArray();
        long retries = 0;
        var sizes = await Task.WhenAll(shards.Select(shard =>
            WithRetry(retry, () => shard.Prepare(manifest.RunId), () => Interlocked.Increment(ref retries), cancellationToken))).ConfigureAwait(false);
        if (sizes.Distinct().Count() != 1)
            throw new InvalidOperationException($"the shards of run '{manifest.RunId}' disagree on the operator's dimension: {string.Join(", ", sizes)}");
        return new DistributedHessianOperator(manifest, shards, sizes[0], retry) { _retries = retries };
    }

    /// <inheritdoc/>
    protected override Tensor MultiplyCore(Tensor block)
    {
        int columns = checked((int)block.shape[1]);
        // Row-major [n, k]: the shard rebuilds the same block with one reshape.
        byte[] bytes = VectorBytes.ToBytes(block.contiguous().data<double>().ToArray());
        long iteration = Interlocked.Increment(ref _iteration) - 1;
        // Off the caller's synchronization context: Multiply is synchronous, and blocking on Orleans calls from a
        // context that their continuations would post back to deadlocks.
        var sum = Task.Run(() => MultiplyAsync(iteration, bytes, columns)).GetAwaiter().GetResult();
        return tensor(sum, dtype: ScalarType.Float64).reshape(Size, columns);
    }

    async Task<double[]> MultiplyAsync(long iteration, byte[] block, int columns)
    {
        // One slot per shard: filled once, by the one successful call of that shard for this iteration's block.
        var slots = new byte[_shards.Length][];
        await Task.WhenAll(Enumerable.Range(0, _shards.Length).Select(Fill)).ConfigureAwait(false);

        // Fixed shard order: floating-point addition is not associative, so the order is part of the result.
        long length = checked(Size * columns);
        var sum = VectorBytes.ToDoubles(slots[0], length);
        for (int s = 1; s < _shards.Length; s++)
        {
            var part = VectorBytes.ToDoubles(slots[s], length);
            for (long i = 0; i < sum.LongLength; i++) sum[i] += part[i];
        }
        return sum;

        async Task Fill(int shard)
        {
            var answer = await WithRetry(_retry, () => _shards[shard].PartialProduct(Manifest.RunId, iteration, block, columns),
                                         () => Interlocked.Increment(ref _retries), CancellationToken.None).ConfigureAwait(false);
            if (Interlocked.CompareExchange(ref slots[shard], answer, null) is not null)
                throw new InvalidOperationException($"a second result for (iteration {iteration}, shard {shard})");
        }
    }

    static async Task<T> WithRetry<T>(ShardRetryPolicy retry, Func<Task<T>> call, Action onRetry, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < retry.MaxAttempts && ShardRetryPolicy.IsTransient(e))
            {
                onRetry();
                await Task.Delay(retry.DelayBefore(attempt + 1), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
