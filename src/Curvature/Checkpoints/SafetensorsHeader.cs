using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace Curvature.Checkpoints;

/// <summary>Reads and validates the header of a safetensors file before any tensor is created: every entry's dtype is
/// known, its byte range matches its shape and lies inside the file. This turns a truncated or foreign file into a
/// clean error instead of a short read inside the tensor loader. Format: huggingface/safetensors README ("Format").</summary>
internal static class SafetensorsHeader
{
    /// <summary>Largest header accepted, 100 MB: the limit the reference implementation enforces.</summary>
    private const long MaxHeaderBytes = 100_000_000;

    public static Dictionary<string, TensorEntry> Read(string path, Stream stream)
    {
        long fileLength = stream.Length;
        if (fileLength < 8) throw Bad(path, $"{fileLength} bytes, shorter than the 8-byte header length");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength < 2 || headerLength > MaxHeaderBytes || (long)headerLength > fileLength - 8)
            throw Bad(path, $"header length {headerLength} does not fit a {fileLength}-byte file");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        long dataLength = fileLength - 8 - (long)headerLength;

        JsonDocument document;
        try { document = JsonDocument.Parse(headerBytes); }
        catch (JsonException e) { throw Bad(path, $"the header is not JSON ({FirstLine(e.Message)})"); }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw Bad(path, "the header is not a JSON object");
            var entries = new Dictionary<string, TensorEntry>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__") continue;
                entries.Add(property.Name, Entry(path, property, dataLength));
            }
            return entries;
        }
    }

    private static TensorEntry Entry(string path, JsonProperty property, long dataLength)
    {
        var value = property.Value;
        string key = property.Name;
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array
            || offsetsElement.GetArrayLength() != 2)
            throw Bad(path, $"header entry '{key}' lacks dtype, shape or data_offsets");
        var (dtype, elementSize) = DType(dtypeElement.GetString()!)
            ?? throw Bad(path, $"header entry '{key}' has unsupported dtype '{dtypeElement.GetString()}'");
        var shape = new long[shapeElement.GetArrayLength()];
        int i = 0;
        long count = 1;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long size) || size < 0)
                throw Bad(path, $"header entry '{key}' has an invalid shape");
            shape[i++] = size;
            count = size == 0 || count <= long.MaxValue / size ? count * size : long.MaxValue;
        }
        var offsets = offsetsElement.EnumerateArray().Select(o => o.TryGetInt64(out long v) ? v : -1).ToArray();
        long expected = count <= dataLength / elementSize ? count * elementSize : long.MaxValue;
        if (offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength || offsets[1] - offsets[0] != expected)
            throw Bad(path,
                $"entry '{key}' ({StateDictCheck.Name(dtype)} [{string.Join(", ", shape)}]) needs bytes {offsets[0]}..{offsets[1]} but the file holds {dataLength} data bytes (truncated?)");
        return new TensorEntry(shape, dtype);
    }

    private static (ScalarType, int)? DType(string name) => name switch
    {
        "F64" => (ScalarType.Float64, 8),
        "F32" => (ScalarType.Float32, 4),
        "F16" => (ScalarType.Float16, 2),
        "BF16" => (ScalarType.BFloat16, 2),
        "I64" => (ScalarType.Int64, 8),
        "I32" => (ScalarType.Int32, 4),
        "I16" => (ScalarType.Int16, 2),
        "I8" => (ScalarType.Int8, 1),
        "U8" => (ScalarType.Byte, 1),
        "BOOL" => (ScalarType.Bool, 1),
        _ => null,
    };

    private static CheckpointException Bad(string path, string problem) =>
        new(path, null, $"{path}: not a valid safetensors file: {problem}");

    internal static string FirstLine(string text)
    {
        int end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
