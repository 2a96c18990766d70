namespace Curvature.Distributed;

/// <summary>What the shards of a silo are doing, for whoever hosts it (the <c>curvature worker</c> verb prints it); called
/// on the shard's own turn, so an implementation must be quick and thread-safe.</summary>
public interface IShardActivity
{
    /// <summary>Shard <paramref name="shard"/> of <paramref name="runId"/> loaded its model and its
    /// <paramref name="samples"/> samples.</summary>
    void Activated(string runId, int shard, long samples);

    /// <summary>The shard starts a product of a block of <paramref name="columns"/> vectors.</summary>
    void Product(string runId, int shard, int columns);

    /// <summary>The shard released its model and data.</summary>
    void Deactivated(string runId, int shard);
}
