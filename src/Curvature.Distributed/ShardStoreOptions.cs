namespace Curvature.Distributed;

/// <summary>Where a worker silo finds run manifests: <c>{ManifestDirectory}/{runId}.json</c> (shared storage in a real
/// cluster, a temporary folder in tests).</summary>
public sealed class ShardStoreOptions
{
    /// <summary>The folder holding the manifests.</summary>
    public string ManifestDirectory { get; set; } = "";

    /// <summary>The manifest path of <paramref name="runId"/>.</summary>
    public string ManifestPath(string runId) => Path.Combine(ManifestDirectory, runId + ".json");
}
