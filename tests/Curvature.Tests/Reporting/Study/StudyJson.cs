using System.Text.Json.Nodes;
using Curvature.Cli.Output;
using Curvature.Reporting.Study;
using Curvature.Study;

namespace Curvature.Tests.Reporting.Study;

/// <summary>The study's JSON record as the CLI writes it (<see cref="Json.Record"/>: kind, run, config, study, summary,
/// figures, then the <see cref="StudyResult"/>'s own fields at the top level), and RFC 6901 pointer resolution.</summary>
public static class StudyJson
{
    static readonly RunInfo Run = new("curvature study", "test", "0", ".NET", "linux", 2, 1, "2025-01-01T00:00:00Z");

    /// <summary>The record's text.</summary>
    public static string Record(StudyResult result, StudyDescription description, StudySummary summary, IEnumerable<string> figures) =>
        Json.Record("study", Run, result,
            ("config", new { description.Model, description.Dataset, description.TrainSamples, description.AnalysisSamples, description.Dtype }),
            ("study", description.Options), ("summary", summary), ("figures", figures.ToArray()));

    /// <summary>The node a pointer names; throws when a token does not resolve.</summary>
    public static JsonNode? Resolve(JsonNode root, string pointer)
    {
        Assert.StartsWith("/", pointer);
        JsonNode? node = root;
        foreach (var raw in pointer[1..].Split('/'))
        {
            string token = raw.Replace("~1", "/").Replace("~0", "~");
            node = node switch
            {
                JsonObject o when o.ContainsKey(token) => o[token],
                JsonArray a when int.TryParse(token, out int i) && i >= 0 && i < a.Count => a[i],
                _ => throw new Xunit.Sdk.XunitException($"pointer {pointer}: token '{token}' does not resolve"),
            };
        }
        return node;
    }

    /// <summary>The number a pointer names (NaN for JSON null, the CLI's encoding of a non-finite double).</summary>
    public static double Number(JsonNode root, string pointer) => Resolve(root, pointer) is { } n ? n.GetValue<double>() : double.NaN;
}
