using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Curvature.Cli.Output;

/// <summary>The JSON conventions of every record Curvature writes: snake_case names, indented, enums as
/// snake_case strings, and non-finite numbers as null (JSON has no NaN or ∞).</summary>
public static class Json
{
    /// <summary>The serializer options.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            WriteIndented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.Converters.Add(new FiniteDoubleConverter());
        return options;
    }

    /// <summary>Serializes a record.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>A run record: <c>kind</c> and <c>run</c> (how it was run) first, then any named extras (e.g. the
    /// config), then the result's own fields at the top level, so readers find e.g. <c>lambda_max</c> without
    /// knowing the envelope.</summary>
    public static string Record<T>(string kind, RunInfo run, T result, params (string Name, object? Value)[] extras)
    {
        var node = JsonSerializer.SerializeToNode(result, Options)!.AsObject();
        node.Insert(0, "kind", kind);
        node.Insert(1, "run", JsonSerializer.SerializeToNode(run, Options));
        for (int i = 0; i < extras.Length; i++)
            node.Insert(2 + i, extras[i].Name, JsonSerializer.SerializeToNode(extras[i].Value, Options));
        return node.ToJsonString(Options);
    }

    sealed class FiniteDoubleConverter : JsonConverter<double>
    {
        public override bool HandleNull => true;
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();
        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
    }
}
