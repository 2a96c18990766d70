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
/// transiently is retried alone with back-off (<see cref="ShardRetryPolicy"/>). A block larger than
/// <see cref="DistributedOptions.ChunkBytes"/> travels in pieces each way. Every estimator runs on it unchanged.
/// </summary>
/// <remarks>
/// The operator's dtype is the manifest's, as the single-process operator's would be; blocks and partial products travel
/// in that dtype (<see cref="VectorBytes"/>; float32 halves the bytes and rounds nothing, since a float32 model's blocks
/// and products are float32 values) and the weighted sum is formed in float64. The
/// coordinator holds no model. Because shards start on batch boundaries (<see cref="RunManifest.Validate"/>), each batch
/// of the single-process partition lies in exactly one shard, so the sum is the single-process operator up to round-off in
/// every BatchNorm mode.
/// </remarks>
public sealed class DistributedHessianOperator : LinearOperator
{
    readonly IShardGrain[] _shards;
    readonly DistributedOptions _options;
    long _iteration, _retries, _bytesSent, _bytesReceived;

    DistributedHessianOperator(RunManifest manifest, IShardGrain[] shards, long size, DistributedOptions options)
        : base(size, manifest.DType)
    {
        Manifest = manifest;
        _shards = shards;
        _options = options;
    }

    /// <summary>The run this operator multiplies with.</summary>
    public RunManifest Manifest { get; }

    /// <summary>Number of shards.</summary>
    public int ShardCount => _shards.Length;

    /// <summary>Shard calls retried after a transient failure so far.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Multiply calls so far (the next call's iteration number).</summary>
    public long Iterations => Interlocked.Read(ref _iteration);

    /// <summary>Vector bytes sent to shards so far (blocks, retries included; not Orleans' message headers).</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Vector bytes received from shards so far (partial products of successful calls).</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>
    /// Connects to the shards of <paramref name="manifest"/> (which must already be where the workers read manifests,
    /// <see cref="ShardStoreOptions"/>): activates every shard and checks that all report the same dimension.
    /// </summary>
    /// <exception cref="InvalidOperationException">Shards disagree on the operator's dimension.</exception>
    public static async Task<DistributedHessianOperator> ConnectAsync(IGrainFactory grains, RunManifest manifest,
        DistributedOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(manifest);
        manifest.Validate();
        options ??= DistributedOptions.Default;
        options.Validate();
        var shards = Enumerable.Range(0, manifest.Data.Shards.Count)
            .Select(s => grains.GetGrain<IShardGrain>(s, manifest.RunId, null)).ToArray();
        long retries = 0;
        var sizes = await Task.WhenAll(shards.Select(shard =>
            WithRetry(options.RetryPolicy, () => shard.Prepare(manifest.RunId), () => Interlocked.Increment(ref retries), cancellationToken))).ConfigureAwait(false);
        if (sizes.Distinct().Count() != 1)
            throw new InvalidOperationException($"the shards of run '{manifest.RunId}' disagree on the operator's dimension: {string.Join(", ", sizes)}");
        return new DistributedHessianOperator(manifest, shards, sizes[0], options) { _retries = retries };
    }

    /// <summary>Connects with a retry policy and otherwise default options.</summary>
    public static Task<DistributedHessianOperator> ConnectAsync(IGrainFactory grains, RunManifest manifest, ShardRetryPolicy retry,
        CancellationToken cancellationToken = default) =>
        ConnectAsync(grains, manifest, new DistributedOptions(retry), cancellationToken);

    /// <inheritdoc/>
    protected override Tensor MultiplyCore(Tensor block)
    {
        int columns = checked((int)block.shape[1]);
        long length = checked(Size * columns);
        // Row-major [n, k] in the run's dtype (the base class hands the block over in DType): one message when it fits,
        // else pieces — the same pieces for every shard, cut once.
        bool whole = length * VectorBytes.ElementSize(DType) <= _options.ChunkBytes;
        var pieces = VectorBytes.FromTensor(block, DType, _options.ChunkBytes);
        long iteration = Interlocked.Increment(ref _iteration) - 1;
        // Off the caller's synchronization context: Multiply is synchronous, and blocking on Orleans calls from a
        // context that their continuations would post back to deadlocks.
        var sum = Task.Run(() => MultiplyAsync(iteration, pieces, whole, columns, length)).GetAwaiter().GetResult();
        using var product = tensor(sum, dtype: ScalarType.Float64).reshape(Size, columns);
        return product.to_type(DType);
    }

    async Task<double[]> MultiplyAsync(long iteration, byte[][] pieces, bool whole, int columns, long length)
    {
        // One slot per shard: filled once, by the one successful exchange of that shard for this iteration's block.
        var slots = new double[_shards.Length][];
        await Task.WhenAll(Enumerable.Range(0, _shards.Length).Select(Fill)).ConfigureAwait(false);

        // Σ_s (n_s/N)·A_s V in float64, in fixed shard order: floating-point addition is not associative, so the order is
        // part of the result.
        var shards = Manifest.Data.Shards;
        var sum = new double[length];
        for (int s = 0; s < _shards.Length; s++)
        {
            double weight = (double)shards[s].Count / Manifest.Data.Count;
            var part = slots[s];
            if (s == 0)
                for (long i = 0; i < length; i++) sum[i] = weight * part[i];
            else
                for (long i = 0; i < length; i++) sum[i] += weight * part[i];
        }
        return sum;

        async Task Fill(int shard)
        {
            var answer = await WithRetry(_options.RetryPolicy, () => Exchange(_shards[shard], iteration, pieces, whole, columns, length),
                                         () => Interlocked.Increment(ref _retries), CancellationToken.None).ConfigureAwait(false);
            if (Interlocked.CompareExchange(ref slots[shard], answer, null) is not null)
                throw new InvalidOperationException($"a second result for (iteration {iteration}, shard {shard})");
        }
    }

    /// <summary>One shard's whole exchange for one block — repeated whole on a retry, since a re-activated shard has lost
    /// any pieces staged before. Returns the shard's A_s V widened to float64.</summary>
    async Task<double[]> Exchange(IShardGrain shard, long iteration, byte[][] pieces, bool whole, int columns, long length)
    {
        string run = Manifest.RunId;
        byte[][] answer;
        if (whole)
        {
            Interlocked.Add(ref _bytesSent, pieces[0].LongLength);
            answer = [await shard.PartialProduct(run, iteration, pieces[0], columns).ConfigureAwait(false)];
        }
        else
        {
            for (int i = 0; i < pieces.Length; i++)
            {
                Interlocked.Add(ref _bytesSent, pieces[i].LongLength);
                await shard.PutBlockChunk(run, iteration, i, pieces.Length, pieces[i]).ConfigureAwait(false);
            }
            int count = await shard.PartialProductOfChunks(run, iteration, columns, _options.ChunkBytes).ConfigureAwait(false);
            answer = new byte[count][];
            for (int i = 0; i < count; i++) answer[i] = await shard.GetResultChunk(run, iteration, i).ConfigureAwait(false);
        }
        var values = VectorBytes.ToDoubles(answer, length, DType);
        Interlocked.Add(ref _bytesReceived, answer.Sum(p => p.LongLength));
        return values;
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
