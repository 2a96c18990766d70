using System.Collections.Concurrent;
using Curvature.Distributed;

namespace Curvature.Tests.Distributed;

/// <summary>Client-side failures planted for the retry tests: the next <see cref="IShardGrain.PartialProduct"/> (or, in
/// the chunked exchange, <see cref="IShardGrain.PartialProductOfChunks"/>) call to a
/// (run, shard) armed here fails as if its silo had died, without reaching the grain. Keyed by run id, so parallel
/// tests on other runs are unaffected.</summary>
public static class FaultInjection
{
    static readonly ConcurrentDictionary<(string RunId, long Shard), bool> Armed = new();

    public static void FailNextProduct(string runId, long shard) => Armed[(runId, shard)] = true;

    public static bool IsArmed(string runId, long shard) => Armed.ContainsKey((runId, shard));

    internal static async Task Filter(IOutgoingGrainCallContext context)
    {
        if (context.MethodName is nameof(IShardGrain.PartialProduct) or nameof(IShardGrain.PartialProductOfChunks)
            && context.TargetId.TryGetIntegerKey(out long shard, out string? runId) && runId is not null
            && Armed.TryRemove((runId, shard), out _))
            throw new SiloUnavailableException($"planted failure of shard {shard} of run {runId}");
        await context.Invoke();
    }
}
