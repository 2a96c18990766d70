using Curvature.Operators;
using static TorchSharp.torch;

namespace Curvature.Distributed;

/// <summary>
/// A network curvature operator (Hessian, Gauss–Newton or empirical Fisher, as the run manifest says) whose products are
/// computed data-parallel by shard grains (<see cref="IShardGrain"/>): the mean loss over N samples is
/// L = Σ_s (n_s/N) L_s, so A v = Σ_s (n_s/N) A_s v. Each column of a block is broadcast to every shard; the coordinator
/// accepts exactly one result per (iteration, probe, shard) and sums the shards in fixed index order once all have
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
        int probes = checked((int)block.shape[1]);
        var columns = new double[probes][];
        for (int j = 0; j < probes; j++)
            columns[j] = block[.., j].contiguous().data<double>().ToArray();
        long iteration = Interlocked.Increment(ref _iteration) - 1;
        // Off the caller's synchronization context: Multiply is synchronous, and blocking on Orleans calls from a
        // context that their continuations would post back to deadlocks.
        var sums = Task.Run(() => MultiplyAsync(iteration, columns)).GetAwaiter().GetResult();
        var result = zeros(Size, probes, dtype: ScalarType.Float64);
        for (int j = 0; j < probes; j++)
            result[.., j].copy_(tensor(sums[j], dtype: ScalarType.Float64));
        return result;
    }

    async Task<double[][]> MultiplyAsync(long iteration, double[][] columns)
    {
        // One slot per (probe, shard): filled once, by the one successful call of that shard for that probe.
        var slots = new byte[columns.Length][][];
        var calls = new List<Task>();
        for (int j = 0; j < columns.Length; j++)
        {
            slots[j] = new byte[_shards.Length][];
            byte[] vector = VectorBytes.ToBytes(columns[j]);
            for (int s = 0; s < _shards.Length; s++)
            {
                int probe = j, shard = s;
                calls.Add(Fill(probe, shard, vector));
            }
        }
        await Task.WhenAll(calls).ConfigureAwait(false);

        var sums = new double[columns.Length][];
        for (int j = 0; j < columns.Length; j++)
        {
            // Fixed shard order: floating-point addition is not associative, so the order is part of the result.
            var sum = VectorBytes.ToDoubles(slots[j][0], Size);
            for (int s = 1; s < _shards.Length; s++)
            {
                var part = VectorBytes.ToDoubles(slots[j][s], Size);
                for (long i = 0; i < sum.LongLength; i++) sum[i] += part[i];
            }
            sums[j] = sum;
        }
        return sums;

        async Task Fill(int probe, int shard, byte[] vector)
        {
            var answer = await WithRetry(_retry, () => _shards[shard].PartialProduct(Manifest.RunId, iteration, probe, vector),
                                         () => Interlocked.Increment(ref _retries), CancellationToken.None).ConfigureAwait(false);
            if (Interlocked.CompareExchange(ref slots[probe][shard], answer, null) is not null)
                throw new InvalidOperationException($"a second result for (iteration {iteration}, probe {probe}, shard {shard})");
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
