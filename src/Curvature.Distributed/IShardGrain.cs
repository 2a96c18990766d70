namespace Curvature.Distributed;

/// <summary>
/// One data shard of a run: primary key = the shard index s (its range in <see cref="DataEntry.Shards"/>), key extension
/// = the run id, so a shard can be re-activated anywhere from its identity and the run manifest alone. On activation it
/// loads the manifest, checks the SHA-256 of the weights and the data, and builds the library's own operator over its
/// rows. Placed by <see cref="ShardPlacementAttribute"/>: on worker silos when there are any.
/// </summary>
/// <remarks>
/// A block travels in one message (<see cref="PartialProduct"/>) when it fits <see cref="DistributedOptions.ChunkBytes"/>,
/// otherwise in chunks: <see cref="PutBlockChunk"/> for each piece, <see cref="PartialProductOfChunks"/>, then
/// <see cref="GetResultChunk"/> for each piece of the answer. The staged pieces belong to one iteration; a shard that
/// re-activates has lost them, and the coordinator repeats the whole exchange.
/// </remarks>
public interface IShardGrain : IGrainWithIntegerCompoundKey
{
    /// <summary>Activates the shard (loading model and data) and returns the operator's dimension n, so the
    /// coordinator learns every shard's size and any load error before the first product.</summary>
    Task<long> Prepare(string runId);

    /// <summary>
    /// A_s V: the shard's operator A_s (the mean over its n_s samples) applied to a whole block V of
    /// <paramref name="columns"/> vectors in one Multiply (one shared forward and first backward per batch for all columns,
    /// and the shard's kept graphs); the coordinator weights it by n_s / N, so the weighted sum over shards is the operator
    /// of the mean loss over all N samples. <paramref name="block"/> and the result are the row-major [n, columns] matrix as
    /// bytes of the run's dtype (<see cref="VectorBytes"/>). <paramref name="iteration"/> names the product for the coordinator's bookkeeping (one
    /// result per (iteration, shard)); the answer depends only on the block.
    /// </summary>
    Task<byte[]> PartialProduct(string runId, long iteration, byte[] block, int columns);

    /// <summary>Stages piece <paramref name="index"/> of <paramref name="count"/> of iteration <paramref name="iteration"/>'s
    /// block (the bytes of <see cref="PartialProduct"/>'s block, cut in order). A piece of a new iteration discards what
    /// was staged for an older one.</summary>
    Task PutBlockChunk(string runId, long iteration, int index, int count, byte[] chunk);

    /// <summary>Multiplies the block staged for <paramref name="iteration"/> (all pieces must be there) as
    /// <see cref="PartialProduct"/> does, keeps the answer cut into pieces of at most <paramref name="chunkBytes"/>, and
    /// returns their number.</summary>
    Task<int> PartialProductOfChunks(string runId, long iteration, int columns, int chunkBytes);

    /// <summary>Piece <paramref name="index"/> of the answer of <see cref="PartialProductOfChunks"/> for
    /// <paramref name="iteration"/>.</summary>
    Task<byte[]> GetResultChunk(string runId, long iteration, int index);
}
