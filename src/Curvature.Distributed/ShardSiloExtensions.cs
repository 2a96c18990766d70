using Microsoft.Extensions.DependencyInjection;

namespace Curvature.Distributed;

/// <summary>Silo set-up for shard workers.</summary>
public static class ShardSiloExtensions
{
    /// <summary>Lets the silo host <see cref="IShardGrain"/> activations that read run manifests from
    /// <paramref name="manifestDirectory"/>, and place shards by <see cref="ShardPlacementStrategy"/>.</summary>
    public static ISiloBuilder AddCurvatureShards(this ISiloBuilder builder, string manifestDirectory, long? graphCacheBudget = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(manifestDirectory);
        builder.Services.Configure<ShardStoreOptions>(o =>
        {
            o.ManifestDirectory = manifestDirectory;
            o.GraphCacheBudget = graphCacheBudget;
        });
        builder.Services.AddPlacementDirector<ShardPlacementStrategy, ShardPlacementDirector>();
        return builder;
    }
}
