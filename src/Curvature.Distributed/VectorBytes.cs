using System.Runtime.InteropServices;

namespace Curvature.Distributed;

/// <summary>
/// Vectors cross the wire as the raw bytes of a float64 array: Orleans serialises <c>double[]</c> element by element
/// (a tag and a varint per value — about 5 bytes per float32 and ~10× slower than a byte copy in the issue 7 probe), but
/// copies <c>byte[]</c> as one block. Little-endian on every platform .NET's x64/arm64 runtimes use.
/// </summary>
public static class VectorBytes
{
    /// <summary>The bytes of <paramref name="values"/> (a copy).</summary>
    public static byte[] ToBytes(ReadOnlySpan<double> values) => MemoryMarshal.AsBytes(values).ToArray();

    /// <summary>The float64 values in <paramref name="bytes"/>, which must hold exactly <paramref name="length"/> of them.</summary>
    /// <exception cref="InvalidDataException">The byte count is not 8 × <paramref name="length"/>.</exception>
    public static double[] ToDoubles(byte[] bytes, long length)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.LongLength != length * sizeof(double))
            throw new InvalidDataException($"expected {length} float64 values ({length * sizeof(double)} bytes); got {bytes.LongLength} bytes");
        return MemoryMarshal.Cast<byte, double>(bytes).ToArray();
    }

    /// <summary>The bytes of <paramref name="values"/> cut in order into pieces of at most <paramref name="chunkBytes"/>
    /// (a positive multiple of 8), so no piece splits a value and no piece, unlike the whole, needs to fit one array.</summary>
    public static byte[][] Cut(ReadOnlySpan<double> values, int chunkBytes)
    {
        if (chunkBytes < sizeof(double) || chunkBytes % sizeof(double) != 0)
            throw new ArgumentOutOfRangeException(nameof(chunkBytes), chunkBytes, "the chunk size must be a positive multiple of 8 bytes");
        int per = chunkBytes / sizeof(double);
        int count = Math.Max(1, (values.Length + per - 1) / per);
        var pieces = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            int start = i * per;
            pieces[i] = ToBytes(values.Slice(start, Math.Min(per, values.Length - start)));
        }
        return pieces;
    }

    /// <summary>The float64 values of the pieces joined in order, which must hold exactly <paramref name="length"/>.</summary>
    /// <exception cref="InvalidDataException">A piece is not whole float64 values or the total is not <paramref name="length"/>.</exception>
    public static double[] Join(IReadOnlyList<byte[]> pieces, long length)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        long total = pieces.Sum(p => (long)p.Length);
        if (total != length * sizeof(double) || pieces.Any(p => p.Length % sizeof(double) != 0))
            throw new InvalidDataException($"expected {length} float64 values ({length * sizeof(double)} bytes) in whole values; got {total} bytes in {pieces.Count} pieces");
        var joined = new double[length];
        long offset = 0;
        foreach (var piece in pieces)
        {
            var values = MemoryMarshal.Cast<byte, double>(piece);
            values.CopyTo(joined.AsSpan(checked((int)offset)));
            offset += values.Length;
        }
        return joined;
    }
}
