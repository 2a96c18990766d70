using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Curvature.Distributed;

/// <summary>Whether a silo coordinates a run (and sums the shards' products) or hosts shards for it.</summary>
public enum SiloRole
{
    /// <summary>Runs the estimators; hosts shards only when no worker has joined (<see cref="ShardPlacementStrategy"/>).</summary>
    Coordinator,
    /// <summary>Hosts shards.</summary>
    Worker,
}

/// <summary>How to start one silo of a Curvature cluster.</summary>
/// <param name="Role">Coordinator or worker.</param>
/// <param name="Cluster">Where the membership lives (<see cref="ClusterAddress"/>).</param>
/// <param name="RunDirectory">Where run manifests, weights and data are (storage every silo of the cluster reads at the
/// same path).</param>
/// <param name="Port">The silo's port (0: the cluster's port for a coordinator under development membership, else any
/// free port).</param>
/// <param name="GraphCacheBudget">Bytes of kept graphs per shard (<see cref="ShardStoreOptions.GraphCacheBudget"/>).</param>
/// <param name="ResponseTimeout">How long a call may wait for its answer before it fails and is retried (null:
/// <see cref="DefaultResponseTimeout"/>).</param>
/// <param name="Logging">Where Orleans' own log goes (null: nowhere; the library is silent).</param>
/// <param name="Activity">Told what the silo's shards do (null: nobody).</param>
public sealed record SiloSettings(SiloRole Role, ClusterAddress Cluster, string RunDirectory, int Port = 0, long? GraphCacheBudget = null,
                                  TimeSpan? ResponseTimeout = null, Action<ILoggingBuilder>? Logging = null, IShardActivity? Activity = null)
{
    /// <summary>10 minutes: far above a shard's product in every configuration of the benchmarks (the slowest, a
    /// ResNet-20 block on 1,000 CIFAR images, takes seconds), and below the time after which a user would rather see the
    /// call fail and be retried elsewhere. Orleans' own default, 30 s, is shorter than a large shard's first product.</summary>
    public static readonly TimeSpan DefaultResponseTimeout = TimeSpan.FromMinutes(10);
}

/// <summary>Builds the Orleans silos of a Curvature cluster: a coordinator that runs the estimators, and workers that
/// host the shards.</summary>
public static class CurvatureSilo
{
    /// <summary>Orleans' cluster and service id of every Curvature cluster.</summary>
    public const string ClusterId = "curvature";

    /// <summary>Failure detection: a silo that misses <see cref="MissedProbes"/> probes of <see cref="ProbeTimeout"/> is
    /// suspected, and declared dead once enough silos vote so. Orleans' defaults (10 s probes, 3 misses) leave a killed
    /// worker's shards unreachable for ~30 s; these, measured on 127.0.0.1 (docs/DISTRIBUTED.md), take a few seconds,
    /// still far above a healthy silo's probe answer (milliseconds, even while it computes a product: products run on the
    /// thread pool, probes on Orleans' own).</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    /// <inheritdoc cref="ProbeTimeout"/>
    public const int MissedProbes = 2;

    /// <summary>A silo host for <paramref name="settings"/>, named by role and process id (<see cref="SiloNames"/>);
    /// the caller starts and stops it.</summary>
    public static IHost Build(SiloSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrEmpty(settings.RunDirectory);
        var cluster = settings.Cluster;
        var address = cluster.LocalAddress();
        int port = settings.Port != 0 ? settings.Port
            : settings.Role == SiloRole.Coordinator && cluster.Primary is not null ? cluster.Primary.Port
            : FreePort(address);
        string name = (settings.Role == SiloRole.Coordinator ? SiloNames.CoordinatorPrefix : SiloNames.WorkerPrefix)
                      + $"{Environment.MachineName}-{Environment.ProcessId}";

        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        if (settings.Logging is not null) settings.Logging(builder.Logging);
        if (settings.Activity is not null) builder.Services.AddSingleton(settings.Activity);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, ClusterId));
            silo.Configure<SiloOptions>(o => o.SiloName = name);
            // No gateway: no client connects; the coordinator runs inside its own silo.
            silo.ConfigureEndpoints(address, port, gatewayPort: 0, listenOnAnyHostAddress: !IPAddress.IsLoopback(address));
            if (cluster.Primary is not null) silo.UseDevelopmentClustering(cluster.Primary);
            else silo.UseRedisClustering(cluster.Redis!);
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = settings.ResponseTimeout ?? SiloSettings.DefaultResponseTimeout);
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = ProbeTimeout;
                o.NumMissedProbesLimit = MissedProbes;
            });
            silo.AddCurvatureShards(settings.RunDirectory, settings.GraphCacheBudget);
        });
        return builder.Build();
    }

    /// <summary>The coordinator silos that are active in the cluster now, with their endpoints.</summary>
    public static IReadOnlyList<(string Name, IPEndPoint Endpoint)> ActiveCoordinators(IHost host)
    {
        var snapshot = host.Services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot;
        return snapshot.Members.Values.Where(m => m.Status == SiloStatus.Active && SiloNames.IsCoordinator(m.Name))
                       .Select(m => (m.Name, m.SiloAddress.Endpoint)).ToArray();
    }

    /// <summary>Waits until <paramref name="count"/> workers are active and listed in this silo's cluster manifest, and
    /// returns their names. Both, because placement chooses among the silos the manifest says can host a shard: a worker
    /// already in the membership whose manifest has not arrived yet is passed over, and its shards land elsewhere (seen
    /// in the benchmark: 2 of 9 placements before this wait).</summary>
    /// <exception cref="TimeoutException">Fewer joined within <paramref name="timeout"/>.</exception>
    public static async Task<IReadOnlyList<string>> WaitForWorkersAsync(IHost host, int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var membership = host.Services.GetRequiredService<IClusterMembershipService>();
        var manifests = host.Services.GetRequiredService<IClusterManifestProvider>();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var listed = manifests.Current.Silos;
            var ready = membership.CurrentSnapshot.Members.Values
                .Where(m => m.Status == SiloStatus.Active && SiloNames.IsWorker(m.Name) && listed.ContainsKey(m.SiloAddress))
                .Select(m => m.Name).Order(StringComparer.Ordinal).ToArray();
            if (ready.Length >= count) return ready;
            if (DateTime.UtcNow >= deadline)
                throw new TimeoutException($"{ready.Length} of {count} workers joined within {timeout.TotalSeconds:G} s");
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(TimeSpan.FromMilliseconds(250));
            try { await membership.Refresh(default, wait.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits while a coordinator is in the cluster: returns once the coordinator seen at the start has left the
    /// membership or its silo endpoint has refused connections for <paramref name="grace"/> (a coordinator killed
    /// outright takes the development membership with it, so nobody would ever mark it dead).
    /// </summary>
    /// <exception cref="TimeoutException">No coordinator appeared within <paramref name="joinTimeout"/>.</exception>
    public static async Task WaitForCoordinatorToLeaveAsync(IHost host, TimeSpan joinTimeout, TimeSpan grace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var deadline = DateTime.UtcNow + joinTimeout;
        IPEndPoint? endpoint = null;
        DateTime? unreachableSince = null;
        while (true)
        {
            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
            var coordinators = ActiveCoordinators(host);
            if (endpoint is null)
            {
                if (coordinators.Count > 0) endpoint = coordinators[0].Endpoint;
                else if (DateTime.UtcNow >= deadline) throw new TimeoutException($"no coordinator joined within {joinTimeout.TotalSeconds:G} s");
                continue;
            }
            if (!coordinators.Any(c => c.Endpoint.Equals(endpoint))) return;
            if (await ReachableAsync(endpoint, cancellationToken).ConfigureAwait(false)) unreachableSince = null;
            else if ((unreachableSince ??= DateTime.UtcNow) + grace <= DateTime.UtcNow) return;
        }
    }

    /// <summary>Whether a TCP connection to <paramref name="endpoint"/> opens within a second.</summary>
    public static async Task<bool> ReachableAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await socket.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>A TCP port free on <paramref name="address"/> now (the system's choice for port 0).</summary>
    public static int FreePort(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
