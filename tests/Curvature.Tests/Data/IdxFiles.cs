using System.Buffers.Binary;
using System.IO.Compression;

namespace Curvature.Tests.Data;

/// <summary>Writes small IDX files byte by byte (header as the format defines it), raw or gzipped, into a
/// private temporary directory that is deleted on dispose, so tests running in parallel never share files.</summary>
public sealed class IdxFiles : IDisposable
{
    public IdxFiles() => Directory = System.IO.Directory.CreateTempSubdirectory("curvature-idx-").FullName;

    public string Directory { get; }

    /// <summary>The bytes of an IDX file: 00 00 type rank, big-endian sizes, then <paramref name="data"/>
    /// as given (so a test can make it shorter or longer than the header says).</summary>
    public static byte[] Bytes(int[] dims, byte[] data, byte type = 0x08)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++)
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + 4 * i), (uint)dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    public static byte[] Gzip(byte[] content)
    {
        using var buffer = new MemoryStream();
        using (var gz = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
            gz.Write(content);
        return buffer.ToArray();
    }

    /// <summary>Writes <paramref name="content"/> (gzipped if asked) to <paramref name="name"/>; returns the path.</summary>
    public string Write(string name, byte[] content, bool gzip = false)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllBytes(path, gzip ? Gzip(content) : content);
        return path;
    }

    /// <summary>Deterministic test bytes (a fixed seed: the data only has to be arbitrary, not random).</summary>
    public static byte[] SomeBytes(int count, int seed, int max = 256)
    {
        var rng = new Random(seed);
        var data = new byte[count];
        for (int i = 0; i < count; i++) data[i] = (byte)rng.Next(max);
        return data;
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }   // a leftover temp folder is harmless
    }
}
