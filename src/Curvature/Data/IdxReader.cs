using System.Buffers.Binary;
using System.IO.Compression;

namespace Curvature.Data;

/// <summary>Reads the IDX format of MNIST and Fashion-MNIST, raw or gzipped.</summary>
/// <remarks>
/// Format (LeCun, Cortes &amp; Burges, "The MNIST database", file-format section): a 4-byte magic number —
/// two zero bytes, an element-type code, the number of dimensions d — then d big-endian 32-bit sizes, then
/// Π sizes values in row-major order. Type codes: 0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32,
/// 0x0D float32, 0x0E float64. Curvature's data (pixels and labels) are all unsigned bytes, so only 0x08 is
/// read; any other code is rejected by name. A gzip file is recognised by its magic bytes 1f 8b (RFC 1952 §2.3.1),
/// not by its extension. Every problem raises <see cref="CurvatureDataException"/> naming the file.
/// </remarks>
public static class IdxReader
{
    /// <summary>The IDX element-type code for unsigned bytes, the only one read.</summary>
    public const byte UnsignedByteType = 0x08;

    /// <summary>Reads the IDX file at <paramref name="path"/>: checks the magic number, the element type,
    /// that every size is at least 1, and that the data holds exactly Π sizes values (no fewer, no more).</summary>
    /// <exception cref="CurvatureDataException">The file is missing, unreadable, not gzip/IDX, of another element
    /// type, or its length disagrees with its header.</exception>
    public static IdxArray Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var name = Path.GetFileName(path);
        try
        {
            using var file = File.OpenRead(path);
            if (IsGzip(file))
            {
                using var gzip = new GZipStream(file, CompressionMode.Decompress);
                return Parse(gzip, name, knownLength: null);
            }
            return Parse(file, name, knownLength: file.Length);
        }
        catch (FileNotFoundException e) { throw new CurvatureDataException($"{path}: file not found", e); }
        catch (DirectoryNotFoundException e) { throw new CurvatureDataException($"{path}: directory not found", e); }
        catch (InvalidDataException e) { throw new CurvatureDataException($"{name}: corrupt gzip data: {e.Message}", e); }
        catch (IOException e) { throw new CurvatureDataException($"{name}: cannot read: {e.Message}", e); }
        catch (UnauthorizedAccessException e) { throw new CurvatureDataException($"{name}: cannot read: {e.Message}", e); }
    }

    static bool IsGzip(FileStream file)
    {
        Span<byte> head = stackalloc byte[2];
        int read = file.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return read == 2 && head[0] == 0x1f && head[1] == 0x8b;
    }

    // knownLength: the total length when the stream is a plain file, so a header that promises more than the
    // file holds fails before the buffer is allocated.
    static IdxArray Parse(Stream stream, string name, long? knownLength)
    {
        Span<byte> magic = stackalloc byte[4];
        int got = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        if (got < 4)
            throw new CurvatureDataException($"{name}: truncated header: {got} bytes, an IDX file starts with a 4-byte magic number");
        if (magic[0] != 0 || magic[1] != 0)
            throw new CurvatureDataException($"{name}: not an IDX file: magic number starts 0x{magic[0]:X2} 0x{magic[1]:X2}, expected 0x00 0x00");
        if (magic[2] != UnsignedByteType)
            throw new CurvatureDataException($"{name}: unsupported IDX element type 0x{magic[2]:X2} ({TypeName(magic[2])}); only 0x08 (unsigned byte) is read");
        int rank = magic[3];
        if (rank == 0)
            throw new CurvatureDataException($"{name}: IDX header declares 0 dimensions; at least 1 is needed");

        var sizeBytes = new byte[4 * rank];
        got = stream.ReadAtLeast(sizeBytes, sizeBytes.Length, throwOnEndOfStream: false);
        if (got < sizeBytes.Length)
            throw new CurvatureDataException($"{name}: truncated header: {rank} dimensions need {sizeBytes.Length} bytes of sizes, file has {got}");

        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(sizeBytes.AsSpan(4 * i));
            if (size == 0)
                throw new CurvatureDataException(i == 0
                    ? $"{name}: empty data set: the header says 0 items (IDX dimension 0 has size 0); the file is incomplete or the wrong one"
                    : $"{name}: IDX dimension {i} has size 0; every size must be at least 1");
            if (size > int.MaxValue)
                throw new CurvatureDataException($"{name}: IDX dimension {i} has size {size}, too large");
            dims[i] = (int)size;
            count = count > Array.MaxLength ? count : count * size;   // once past the limit, stop multiplying (no overflow)
        }
        var shape = string.Join("×", dims);
        if (count > Array.MaxLength)
            throw new CurvatureDataException($"{name}: header says {shape} values, more than one array can hold ({Array.MaxLength})");

        long headerLength = 4 + sizeBytes.Length;
        if (knownLength is long length && length - headerLength != count)
            throw LengthMismatch(name, shape, count, length - headerLength);

        var values = ReadUpTo(stream, (int)count, out int filled);
        if (filled < count)
            throw LengthMismatch(name, shape, count, filled);
        long extra = CountRemaining(stream);
        if (extra > 0)
            throw LengthMismatch(name, shape, count, count + extra);
        return new IdxArray(name, dims, values);
    }

    static CurvatureDataException LengthMismatch(string name, string shape, long expected, long actual) =>
        actual < expected
            ? new($"{name}: truncated: header says {shape} = {expected} bytes of data, file has {actual}")
            : new($"{name}: trailing bytes: header says {shape} = {expected} bytes of data, file has {actual} ({actual - expected} extra)");

    /// <summary>Reads up to <paramref name="count"/> bytes, growing the buffer as data arrives, so a corrupt
    /// gzipped header that promises gigabytes costs only what the stream really holds.</summary>
    static byte[] ReadUpTo(Stream stream, int count, out int filled)
    {
        const int FirstChunk = 1 << 20;   // 1 MiB: the Fashion-MNIST files take three doublings at most
        var buffer = new byte[Math.Min(count, FirstChunk)];
        filled = 0;
        while (filled < count)
        {
            if (filled == buffer.Length)
                Array.Resize(ref buffer, (int)Math.Min(count, 2L * buffer.Length));
            int n = stream.Read(buffer, filled, buffer.Length - filled);
            if (n == 0) break;
            filled += n;
        }
        return buffer;
    }

    static long CountRemaining(Stream stream)
    {
        var sink = new byte[8192];
        long total = 0;
        int n;
        while ((n = stream.Read(sink, 0, sink.Length)) > 0) total += n;
        return total;
    }

    static string TypeName(byte code) => code switch
    {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "int16",
        0x0C => "int32",
        0x0D => "float32",
        0x0E => "float64",
        _ => "not an IDX type code",
    };
}
