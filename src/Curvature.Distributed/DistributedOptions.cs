namespace Curvature.Distributed;

/// <summary>How the coordinator talks to the shards.</summary>
/// <param name="Retry">Retries of a failed shard call (null: <see cref="ShardRetryPolicy.Default"/>).</param>
/// <param name="ChunkBytes">Largest vector payload of one message; a block above it travels in pieces of this size
/// (<see cref="IShardGrain.PutBlockChunk"/>).</param>
public sealed record DistributedOptions(ShardRetryPolicy? Retry = null, int ChunkBytes = DistributedOptions.DefaultChunkBytes)
{
    /// <summary>64 MiB: below Orleans' default message-body limit (<c>MessagingOptions.MaxMessageBodySize</c>, 100 MB) with
    /// room for the message's own fields; a multiple of 8, so pieces never split a float64.</summary>
    public const int DefaultChunkBytes = 64 << 20;

    /// <summary>The defaults.</summary>
    public static DistributedOptions Default { get; } = new();

    /// <summary>The retry policy in force.</summary>
    public ShardRetryPolicy RetryPolicy => Retry ?? ShardRetryPolicy.Default;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> on a chunk size that is not a positive multiple of 8 or a
    /// bad retry policy.</summary>
    public void Validate()
    {
        if (ChunkBytes < 8 || ChunkBytes % sizeof(double) != 0)
            throw new ArgumentOutOfRangeException(nameof(ChunkBytes), ChunkBytes, "the chunk size must be a positive multiple of 8 bytes");
        RetryPolicy.Validate();
    }
}
