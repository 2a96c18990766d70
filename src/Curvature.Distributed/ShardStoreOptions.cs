namespace Curvature.Distributed;

/// <summary>How a worker silo hosts shards: where it finds run manifests (<c>{ManifestDirectory}/{runId}.json</c>: shared
/// storage in a real cluster, a temporary folder in tests) and the graph-cache budget of each shard's products.</summary>
public sealed class ShardStoreOptions
{
    /// <summary>The folder holding the manifests.</summary>
    public string ManifestDirectory { get; set; } = "";

    /// <summary>Bytes of kept batch graphs per shard (<see cref="Operators.NetworkOperator.GraphCacheBudget"/>; 0 = rebuild
    /// every product), or null for automatic: half the memory available when the shard's first product starts, divided
    /// by the worker silos on this machine (<see cref="Operators.NetworkOperator.SharedGraphCacheBudget"/>) — worker
    /// processes started together would each see the same memory; within one silo first products run one at a time, so a
    /// second shard's share is taken from what the first left.</summary>
    public long? GraphCacheBudget { get; set; }

    /// <summary>The manifest path of <paramref name="runId"/>.</summary>
    public string ManifestPath(string runId) => Path.Combine(ManifestDirectory, runId + ".json");
}
