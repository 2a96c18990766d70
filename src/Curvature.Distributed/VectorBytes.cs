using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Curvature.Distributed;

/// <summary>
/// Blocks cross the wire as the raw bytes of their values in the run's dtype (float64, or float32 for a float32 model —
/// whose blocks and partial products are float32 values, so nothing is rounded and half the bytes move): Orleans
/// serialises <c>double[]</c> element by element (a tag and a varint per value — about 5 bytes per float32 and ~10×
/// slower than a byte copy in the issue 7 probe), but copies <c>byte[]</c> as one block. A block is cut into pieces of at
/// most a given size in order, so no piece splits a value and no piece, unlike the whole, needs to fit one array.
/// Little-endian on every platform .NET's x64/arm64 runtimes use.
/// </summary>
public static class VectorBytes
{
    /// <summary>Bytes per value on the wire for <paramref name="dtype"/> (float64 or float32).</summary>
    public static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 => sizeof(double),
        ScalarType.Float32 => sizeof(float),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "vectors travel as float64 or float32"),
    };

    /// <summary>The values of <paramref name="block"/> (any shape, in <paramref name="dtype"/>) in row-major order, as bytes
    /// cut into pieces of at most <paramref name="chunkBytes"/> (a positive multiple of 8); one piece when it fits.</summary>
    public static byte[][] FromTensor(Tensor block, ScalarType dtype, int chunkBytes)
    {
        ArgumentNullException.ThrowIfNull(block);
        if (block.dtype != dtype) throw new ArgumentException($"the block is {block.dtype}; the wire carries {dtype}", nameof(block));
        using var flat = block.contiguous();
        return dtype == ScalarType.Float64 ? Cut<double>(flat.data<double>().ToArray(), chunkBytes) : Cut<float>(flat.data<float>().ToArray(), chunkBytes);
    }

    /// <summary>The tensor [<paramref name="rows"/>, <paramref name="columns"/>] in <paramref name="dtype"/> whose row-major
    /// values the pieces hold (outside any dispose scope's ownership concerns: the caller disposes).</summary>
    /// <exception cref="InvalidDataException">The pieces do not hold exactly rows × columns whole values.</exception>
    public static Tensor ToTensor(IReadOnlyList<byte[]> pieces, long rows, int columns, ScalarType dtype)
    {
        long length = checked(rows * columns);
        return dtype == ScalarType.Float64
            ? tensor(Join<double>(pieces, length), dtype: dtype).reshape(rows, columns)
            : tensor(Join<float>(pieces, length), dtype: dtype).reshape(rows, columns);
    }

    /// <summary>The values the pieces hold, widened to float64 (exactly, from float32).</summary>
    /// <exception cref="InvalidDataException">The pieces do not hold exactly <paramref name="length"/> whole values.</exception>
    public static double[] ToDoubles(IReadOnlyList<byte[]> pieces, long length, ScalarType dtype)
    {
        if (dtype == ScalarType.Float64) return Join<double>(pieces, length);
        var narrow = Join<float>(pieces, length);
        var wide = new double[narrow.LongLength];
        for (long i = 0; i < narrow.LongLength; i++) wide[i] = narrow[i];
        return wide;
    }

    /// <summary>The bytes of <paramref name="values"/> cut in order into pieces of at most <paramref name="chunkBytes"/>.</summary>
    public static byte[][] Cut<T>(ReadOnlySpan<T> values, int chunkBytes) where T : unmanaged
    {
        int size = Marshal.SizeOf<T>();
        if (chunkBytes < sizeof(double) || chunkBytes % sizeof(double) != 0)
            throw new ArgumentOutOfRangeException(nameof(chunkBytes), chunkBytes, "the chunk size must be a positive multiple of 8 bytes");
        int per = chunkBytes / size;
        int count = Math.Max(1, (values.Length + per - 1) / per);
        var pieces = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            int start = i * per;
            pieces[i] = MemoryMarshal.AsBytes(values.Slice(start, Math.Min(per, values.Length - start))).ToArray();
        }
        return pieces;
    }

    /// <summary>The values of the pieces joined in order, which must hold exactly <paramref name="length"/> of them.</summary>
    /// <exception cref="InvalidDataException">A piece is not whole values or the total is not <paramref name="length"/>.</exception>
    public static T[] Join<T>(IReadOnlyList<byte[]> pieces, long length) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(pieces);
        int size = Marshal.SizeOf<T>();
        long total = pieces.Sum(p => (long)p.Length);
        if (total != length * size || pieces.Any(p => p.Length % size != 0))
            throw new InvalidDataException($"expected {length} values of {size} bytes ({length * size} bytes) in whole values; got {total} bytes in {pieces.Count} pieces");
        var joined = new T[length];
        long offset = 0;
        foreach (var piece in pieces)
        {
            var values = MemoryMarshal.Cast<byte, T>(piece);
            values.CopyTo(joined.AsSpan(checked((int)offset)));
            offset += values.Length;
        }
        return joined;
    }
}
