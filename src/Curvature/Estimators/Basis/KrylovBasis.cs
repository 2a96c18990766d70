using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Estimators;

/// <summary>
/// The stored rows of a Lanczos basis: a [capacity, n] tensor of float64 or float32, in memory or mapped from a file.
/// Rows are addressed by slot (the process maps step indices to slots: identity, or a ring for a bounded window).
/// float64 rows in memory are projected with exactly the two tensor operations of classical Gram–Schmidt on the whole
/// block; every other storage streams chunks of <see cref="BasisStorage.ChunkRows"/> rows (one pass: c = Q_c w,
/// t += Q_cᵀ c), widening float32 chunks to float64.
/// </summary>
internal sealed class KrylovBasis : IDisposable
{
    readonly BasisStorage _storage;
    readonly long _n;
    readonly int _chunkRows;
    Tensor _rows;

    KrylovBasis(BasisStorage storage, long n, int capacity)
    {
        _storage = storage;
        _n = n;
        _chunkRows = storage.ChunkRowsOverride ?? BasisStorage.ChunkRows(n);
        _rows = Allocate(capacity);
    }

    /// <summary>A basis of <paramref name="capacity"/> zero rows of length <paramref name="n"/>.</summary>
    public static KrylovBasis Create(BasisStorage storage, long n, int capacity) => new(storage, n, capacity);

    ScalarType Dtype => _storage.Precision == BasisPrecision.Float32 ? ScalarType.Float32 : ScalarType.Float64;

    /// <summary>Whether projections use the whole-block tensor operations (float64 in memory).</summary>
    bool OneShot => !_storage.OnDiskStorage && _storage.Precision == BasisPrecision.Float64;

    public int Capacity => (int)_rows.shape[0];

    /// <summary>Bytes held by the rows (in memory or in the file).</summary>
    public long Bytes => _storage.BasisBytes(Capacity, _n);

    Tensor Allocate(int capacity)
    {
        if (!_storage.OnDiskStorage) return zeros(capacity, _n, dtype: Dtype).DetachFromDisposeScope();
        return MappedRows.Create(_storage.Directory!, capacity, _n, Dtype);
    }

    /// <summary>Row <paramref name="slot"/> ← <paramref name="q"/> (float64 [n]; rounded to float32 for float32 rows).</summary>
    public void Set(int slot, Tensor q) => _rows[slot].copy_(q);

    /// <summary>Rows 0..count−1 as a float64 [count, n] tensor (a copy; the caller's dispose scope owns it).</summary>
    public Tensor Rows(int count) => _rows[TensorIndex.Slice(0, count)].to_type(ScalarType.Float64, copy: true);

    /// <summary>Enlarges to <paramref name="capacity"/> rows, keeping the stored ones.</summary>
    public void Grow(int capacity)
    {
        using var scope = NewDisposeScope();
        var bigger = Allocate(capacity);
        try
        {
            for (int start = 0; start < Capacity; start += _chunkRows)
            {
                int end = Math.Min(Capacity, start + _chunkRows);
                bigger[TensorIndex.Slice(start, end)].copy_(_rows[TensorIndex.Slice(start, end)]);
            }
        }
        catch
        {
            bigger.Dispose();
            throw;
        }
        _rows.Dispose();
        _rows = bigger;
    }

    /// <summary>w ← w − Q(Qᵀw) over rows 0..count−1 (one pass of classical Gram–Schmidt).</summary>
    public void Orthogonalize(Tensor w, int count)
    {
        using var scope = NewDisposeScope();
        if (OneShot)
        {
            var q = _rows[TensorIndex.Slice(0, count)];
            w.sub_(q.T.matmul(q.matmul(w)));
            return;
        }
        var t = zeros(_n, dtype: ScalarType.Float64);
        for (int start = 0; start < count; start += _chunkRows)
        {
            using var chunkScope = NewDisposeScope();
            var q = Chunk(start, Math.Min(count, start + _chunkRows));
            t.addmv_(q.T, q.matmul(w));
        }
        w.sub_(t);
    }

    /// <summary>Qᵀ S over rows 0..count−1 for S [count, r]: Ritz vectors as columns [n, r] (caller's scope owns them).</summary>
    public Tensor Combine(Tensor s, int count)
    {
        if (OneShot) return _rows[TensorIndex.Slice(0, count)].T.matmul(s);
        var y = zeros(_n, s.shape[1], dtype: ScalarType.Float64);
        for (int start = 0; start < count; start += _chunkRows)
        {
            using var chunkScope = NewDisposeScope();
            int end = Math.Min(count, start + _chunkRows);
            y.addmm_(Chunk(start, end).T, s[TensorIndex.Slice(start, end)]);
        }
        return y;
    }

    /// <summary>Rows start..end−1 as float64: a view of float64 rows, a widened copy of float32 rows.</summary>
    Tensor Chunk(int start, int end)
    {
        var rows = _rows[TensorIndex.Slice(start, end)];
        return _storage.Precision == BasisPrecision.Float32 ? rows.to_type(ScalarType.Float64) : rows;
    }

    public void Dispose() => _rows.Dispose();
}
