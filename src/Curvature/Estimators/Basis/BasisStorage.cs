namespace Curvature.Estimators;

/// <summary>
/// Where and how precisely Lanczos keeps its basis Q (the rows q_0..q_m that reorthogonalization and Ritz vectors need).
/// In memory it costs (m+1)·n·b bytes (b = 8 for float64, 4 for float32) on top of the recurrence's three float64 vectors
/// (q_j, q_{j−1}, w: 3·n·8 bytes); on disk the rows live in a file in <see cref="Directory"/> that is memory-mapped and
/// unlinked as soon as it is mapped, so it disappears when the run ends, fails or is killed, and projections stream it in
/// chunks of rows (<see cref="ChunkBytes"/>) so they need only O(chunk·n) resident memory.
/// </summary>
/// <param name="Precision">Float64 (default) or float32 rows; see <see cref="BasisPrecision"/> for the accuracy cost.</param>
/// <param name="Directory">Null (default): in memory. Otherwise the directory of the basis file (it must exist and be writable).</param>
public sealed record BasisStorage(BasisPrecision Precision = BasisPrecision.Float64, string? Directory = null)
{
    /// <summary>float64 rows in memory: the default, exactly the classical behaviour.</summary>
    public static BasisStorage Default { get; } = new();

    /// <summary>Rows in a file in <paramref name="directory"/> (default <see cref="Path.GetTempPath"/>).</summary>
    public static BasisStorage OnDisk(BasisPrecision precision = BasisPrecision.Float64, string? directory = null) =>
        new(precision, directory ?? Path.GetTempPath());

    /// <summary>Throws an <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> saying why a basis file
    /// cannot be created in <paramref name="directory"/> (missing, not writable); returns when it can.</summary>
    public static void CheckWritable(string directory) => MappedRows.CheckWritable(directory);

    /// <summary>Whether the rows live in a memory-mapped file.</summary>
    public bool OnDiskStorage => Directory is not null;

    /// <summary>Bytes per stored entry b.</summary>
    public int BytesPerEntry => Precision == BasisPrecision.Float32 ? 4 : 8;

    /// <summary>Bytes of stored rows for <paramref name="rows"/> rows of length <paramref name="n"/>: rows·n·b.</summary>
    public long BasisBytes(long rows, long n) => rows * n * BytesPerEntry;

    /// <summary>Budget of one chunk of a streamed projection (disk or float32 rows): 64 MiB, a few times the last-level
    /// cache of a server core complex and small next to any basis worth putting on disk; a chunk is at least
    /// <see cref="ChunkRowMultiple"/> rows.</summary>
    public const long ChunkBytes = 64L << 20;

    /// <summary>Chunks are whole multiples of 8 rows: the row blocking of the BLAS matrix–vector kernels libtorch calls
    /// here, so a float64 projection computed chunk by chunk is bit-identical to the one-shot projection in memory
    /// (measured, and pinned by <c>BasisStorageTests</c>: chunks of 1 or 3 rows differ in the last bits).</summary>
    public const int ChunkRowMultiple = 8;

    /// <summary>Rows per streamed chunk instead of <see cref="ChunkRows"/> (tests: small n with many chunks).</summary>
    internal int? ChunkRowsOverride { get; init; }

    /// <summary>Rows per chunk for vectors of length <paramref name="n"/>: ⌊ChunkBytes/(8n)⌋ rounded down to a multiple of
    /// <see cref="ChunkRowMultiple"/>, at least that multiple (the chunk is widened to float64 for float32 rows).</summary>
    public static int ChunkRows(long n) =>
        (int)Math.Max(ChunkRowMultiple, Math.Min(int.MaxValue / 2, ChunkBytes / (8 * Math.Max(n, 1))) / ChunkRowMultiple * ChunkRowMultiple);
}
