using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Curvature.Distributed;

/// <summary>
/// Where shards live: on worker silos (named with <see cref="SiloNames.WorkerPrefix"/>) whenever the cluster has any, so
/// the coordinator's silo only sums; on any silo that hosts shard grains otherwise (a coordinator alone computes
/// everything itself). Shard s goes to the (s mod W)-th of the W eligible silos in address order: an even spread that
/// every silo computes alike, and after a worker dies its shards move to the survivors.
/// </summary>
public sealed class ShardPlacementStrategy : PlacementStrategy;

/// <summary>Places a grain class by <see cref="ShardPlacementStrategy"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ShardPlacementAttribute() : PlacementAttribute(new ShardPlacementStrategy());

/// <summary>The director of <see cref="ShardPlacementStrategy"/>.</summary>
internal sealed class ShardPlacementDirector(IClusterMembershipService membership) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        var members = membership.CurrentSnapshot.Members;
        var workers = compatible.Where(s => members.TryGetValue(s, out var m) && m.Status == SiloStatus.Active && SiloNames.IsWorker(m.Name)).ToArray();
        var eligible = workers.Length > 0 ? workers : compatible;
        if (eligible.Length == 0) throw new OrleansException("no silo can host a Curvature shard");
        Array.Sort(eligible, (a, b) => string.CompareOrdinal(a.ToParsableString(), b.ToParsableString()));
        long shard = target.GrainIdentity.TryGetIntegerKey(out long key, out _) ? key : 0;
        return Task.FromResult(eligible[(int)(Math.Abs(shard) % eligible.Length)]);
    }
}

/// <summary>How Curvature names its silos, so placement and workers can tell the coordinator from a worker.</summary>
public static class SiloNames
{
    /// <summary>Prefix of a worker silo's name.</summary>
    public const string WorkerPrefix = "curvature-worker-";

    /// <summary>Prefix of a coordinator silo's name.</summary>
    public const string CoordinatorPrefix = "curvature-coordinator-";

    /// <summary>Whether <paramref name="name"/> is a worker's.</summary>
    public static bool IsWorker(string? name) => name?.StartsWith(WorkerPrefix, StringComparison.Ordinal) == true;

    /// <summary>Whether <paramref name="name"/> is a coordinator's.</summary>
    public static bool IsCoordinator(string? name) => name?.StartsWith(CoordinatorPrefix, StringComparison.Ordinal) == true;
}
