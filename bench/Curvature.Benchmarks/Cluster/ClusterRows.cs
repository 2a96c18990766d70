using Curvature.Benchmarks.Network;

namespace Curvature.Benchmarks.Cluster;

/// <summary>One way of computing the products: the single-process operator, or a cluster on 127.0.0.1.</summary>
/// <param name="Key">Selector of <c>--configs</c>.</param>
/// <param name="Label">Table label.</param>
/// <param name="Workers">W, worker processes (-1: the single-process operator, no silo).</param>
/// <param name="Shards">S, shards (0 for the single-process operator).</param>
/// <param name="OneThreadPerWorker">Workers run with OMP_NUM_THREADS=1 (libtorch's intra-op threads), so W = 2 workers
/// use the 2 cores without oversubscribing them.</param>
/// <param name="PoolThreads">The single-process operator with each call made from a thread-pool thread, as a silo's
/// grain calls are (the main thread waits), measured after every main-thread row: it separates what the thread a
/// product runs on costs from what Orleans costs.</param>
public sealed record ClusterConfig(string Key, string Label, int Workers, int Shards, bool OneThreadPerWorker = false, bool PoolThreads = false)
{
    /// <summary>Whether this is the single-process operator.</summary>
    public bool IsLocal => Workers < 0;

    /// <summary>The configurations of the verb, in the order they run.</summary>
    public static IReadOnlyList<ClusterConfig> All { get; } =
    [
        new("local", "local (1 process)", -1, 0),
        new("pool", "local, calls on pool threads", -1, 0, PoolThreads: true),
        new("w0", "W=0 (coordinator hosts)", 0, 1),
        new("w1", "W=1", 1, 1),
        new("w1s2", "W=1, S=2", 1, 2),
        new("w2", "W=2", 2, 2),
        new("w2t1", "W=2, 1 thread each", 2, 2, OneThreadPerWorker: true),
    ];
}

/// <summary>One row of the cluster benchmark: one workload, one configuration, one block width.</summary>
/// <param name="Workload">Workload name.</param>
/// <param name="Parameters">n.</param>
/// <param name="Config">The configuration.</param>
/// <param name="Columns">k, the block width.</param>
/// <param name="Call">Wall time of one Multiply call (ms, minimum and median of the timed calls).</param>
/// <param name="ConnectMs">Connecting the operator (shards activate: load and hash-check weights and data, build the
/// operator, which checks its products' determinism with two k = 2 products); 0 for the single-process operator.</param>
/// <param name="FirstCallMs">The first k = 1 product (builds and keeps the batch graphs), untimed in <see cref="Call"/>.</param>
/// <param name="VectorBytesSent">Vector bytes sent per call (DistributedHessianOperator.BytesSent).</param>
/// <param name="VectorBytesReceived">Vector bytes received per call (BytesReceived).</param>
/// <param name="MessageBytesSent">Orleans message bytes the coordinator sent per call (<see cref="OrleansTraffic"/>).</param>
/// <param name="MessageBytesReceived">Orleans message bytes the coordinator received per call.</param>
/// <param name="RelativeDifference">max |p − p_local| / max |p_local| of the first k = 1 product (NaN when the
/// single-process operator was not run).</param>
/// <param name="Placement">Shards loaded per worker process, e.g. "1,1" (empty without workers).</param>
public sealed record ClusterRow(string Workload, long Parameters, ClusterConfig Config, int Columns, Timing Call, double ConnectMs, double FirstCallMs,
                                double VectorBytesSent, double VectorBytesReceived, double MessageBytesSent, double MessageBytesReceived,
                                double RelativeDifference, string Placement)
{
    /// <summary>8·n·k·S: one float64 block to each shard (and one partial product back from each).</summary>
    public double ExpectedBytes => 8.0 * Parameters * Columns * Math.Max(Config.Shards, 1);

    /// <summary>Peak growth of this process's resident set over the configuration's calls (warm-up included; bytes): the
    /// single-process operator's memory, or the coordinator's — and with W = 0 its shards'.</summary>
    public long PeakRssDelta { get; init; }

    /// <summary>The largest peak resident set of a worker process (VmHWM; bytes; 0 without workers). A worker serves one
    /// workload, so this is what that workload's shards took, the runtime included.</summary>
    public long WorkerPeakRss { get; init; }

    /// <summary>Every timed call (ms), in order.</summary>
    public IReadOnlyList<double> Times { get; init; } = [];

    /// <summary>Products (columns) per second, from the median call.</summary>
    public double ColumnsPerSecond => Columns / (Call.Median / 1000);
}

/// <summary>The local product timed in child processes with and without reproducible BLAS.</summary>
/// <param name="Workload">Workload key.</param>
/// <param name="Columns">k.</param>
/// <param name="Unset">MKL_CBWR not set (MKL picks its code path per call).</param>
/// <param name="Auto">MKL_CBWR=AUTO.</param>
public sealed record CbwrRow(string Workload, int Columns, Timing Unset, Timing Auto)
{
    /// <summary>AUTO / unset, medians.</summary>
    public double MedianRatio => Auto.Median / Unset.Median;

    /// <summary>AUTO / unset, minima.</summary>
    public double MinRatio => Auto.Min / Unset.Min;
}
