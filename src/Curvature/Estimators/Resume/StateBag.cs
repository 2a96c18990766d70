using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Curvature.Estimators;

/// <summary>
/// A state as named arrays (float64, int64, bytes) and texts, stored as one safetensors file (8-byte little-endian
/// header length, a JSON header naming each array's dtype F64/I64/U8, shape and byte range, then the raw little-endian
/// data; huggingface.co/docs/safetensors): readable by any safetensors reader. The texts and a SHA-256 of the data go
/// into the header's <c>__metadata__</c>, so truncation and bit rot are detected on reading.
/// </summary>
internal sealed class StateBag
{
    public const string Format = "curvature-estimator-state/1";

    public Dictionary<string, string> Texts { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, double[]> Doubles { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, long[]> Longs { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, byte[]> Bytes { get; } = new(StringComparer.Ordinal);

    public string Text(string name) => Texts.TryGetValue(name, out var v) ? v : throw Missing(name);
    public double[] DoubleArray(string name) => Doubles.TryGetValue(name, out var v) ? v : throw Missing(name);
    public long[] LongArray(string name) => Longs.TryGetValue(name, out var v) ? v : throw Missing(name);
    public byte[] ByteArray(string name) => Bytes.TryGetValue(name, out var v) ? v : throw Missing(name);
    public bool Has(string name) => Texts.ContainsKey(name) || Doubles.ContainsKey(name) || Longs.ContainsKey(name) || Bytes.ContainsKey(name);
    public long Long(string name) => LongArray(name) is [var v] ? v : throw new InvalidDataException($"'{name}' is not a single integer");
    public double Double(string name) => DoubleArray(name) is [var v] ? v : throw new InvalidDataException($"'{name}' is not a single number");

    static InvalidDataException Missing(string name) => new($"the entry '{name}' is missing");

    IEnumerable<(string Name, string Dtype, Array Data)> Arrays() =>
        Doubles.Select(kv => (kv.Key, "F64", (Array)kv.Value))
               .Concat(Longs.Select(kv => (kv.Key, "I64", (Array)kv.Value)))
               .Concat(Bytes.Select(kv => (kv.Key, "U8", (Array)kv.Value)))
               .OrderBy(a => a.Item1, StringComparer.Ordinal);

    /// <summary>The array's bytes in place (little-endian on the machines .NET and libtorch run on here).</summary>
    static Span<byte> Raw(Array data) => data switch
    {
        double[] d => MemoryMarshal.AsBytes(d.AsSpan()),
        long[] l => MemoryMarshal.AsBytes(l.AsSpan()),
        byte[] b => b,
        _ => throw new ArgumentException($"unsupported array type {data.GetType().Name}"),
    };

    /// <summary>Writes the file (the caller makes it atomic).</summary>
    public void Write(Stream stream)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("estimator states are written on little-endian machines");
        var arrays = Arrays().ToList();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var header = new JsonObject();
        long offset = 0;
        foreach (var (name, dtype, data) in arrays)
        {
            var raw = Raw(data);
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(data.LongLength),
                ["data_offsets"] = new JsonArray(offset, offset + raw.Length),
            };
            offset += raw.Length;
            hash.AppendData(raw);
        }
        var metadata = new JsonObject { ["format"] = Format, ["sha256"] = Convert.ToHexStringLower(hash.GetHashAndReset()) };
        foreach (var (key, value) in Texts.OrderBy(kv => kv.Key, StringComparer.Ordinal)) metadata["text." + key] = value;
        header["__metadata__"] = metadata;
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;   // the data starts 8-byte aligned, as the format recommends
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        stream.Write(length);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var (_, _, data) in arrays) stream.Write(Raw(data));
    }

    /// <summary>Reads and verifies a file; <see cref="InvalidDataException"/> says what is wrong.</summary>
    public static StateBag Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long fileLength = stream.Length;
        Span<byte> length = stackalloc byte[8];
        if (fileLength < 8 || stream.ReadAtLeast(length, 8, throwOnEndOfStream: false) < 8)
            throw new InvalidDataException($"{fileLength} bytes, shorter than the header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(length);
        if (headerLength > (ulong)(fileLength - 8) || headerLength > int.MaxValue)
            throw new InvalidDataException($"the header claims {headerLength} bytes of {fileLength - 8}");
        var headerBytes = new byte[(int)headerLength];
        stream.ReadExactly(headerBytes);
        long dataStart = 8 + (long)headerLength;
        JsonObject header;
        try { header = JsonNode.Parse(headerBytes)?.AsObject() ?? throw new InvalidDataException("the header is empty"); }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { throw new InvalidDataException($"the header is not JSON ({e.Message})"); }

        var bag = new StateBag();
        string? sha = null, format = null;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            foreach (var (name, node) in header.OrderBy(kv => kv.Key == "__metadata__" ? -1 : (long?)kv.Value?["data_offsets"]?[0] ?? -1))
            {
                if (name == "__metadata__")
                {
                    foreach (var (key, value) in node!.AsObject())
                    {
                        string text = value?.GetValue<string>() ?? "";
                        if (key == "format") format = text;
                        else if (key == "sha256") sha = text;
                        else if (key.StartsWith("text.", StringComparison.Ordinal)) bag.Texts[key["text.".Length..]] = text;
                    }
                    continue;
                }
                string dtype = (string?)node?["dtype"] ?? throw new InvalidDataException($"'{name}' has no dtype");
                long begin = (long?)node!["data_offsets"]?[0] ?? -1, end = (long?)node["data_offsets"]?[1] ?? -1;
                int width = dtype switch { "F64" or "I64" => 8, "U8" => 1, _ => throw new InvalidDataException($"'{name}' has dtype {dtype}") };
                if (begin < 0 || end < begin || dataStart + end > fileLength || (end - begin) % width != 0 || (end - begin) / width > Array.MaxLength)
                    throw new InvalidDataException($"'{name}' spans bytes {begin}..{end} of {fileLength - dataStart}");
                Array data = dtype switch
                {
                    "F64" => new double[(end - begin) / 8],
                    "I64" => new long[(end - begin) / 8],
                    _ => new byte[end - begin],
                };
                stream.Position = dataStart + begin;
                stream.ReadExactly(Raw(data));
                hash.AppendData(Raw(data));
                switch (data)
                {
                    case double[] d: bag.Doubles[name] = d; break;
                    case long[] l: bag.Longs[name] = l; break;
                    case byte[] b: bag.Bytes[name] = b; break;
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or EndOfStreamException)
        {
            throw new InvalidDataException($"the header is malformed ({e.Message})");
        }
        if (format != Format) throw new InvalidDataException($"the format is '{format ?? "none"}', expected '{Format}'");
        if (sha != Convert.ToHexStringLower(hash.GetHashAndReset())) throw new InvalidDataException("the data do not match their SHA-256 (damaged file)");
        return bag;
    }
}
