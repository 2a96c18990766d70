using System.Net;
using System.Net.Sockets;
using Curvature.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans;

namespace Curvature.Benchmarks.Cluster;

/// <summary>
/// A cluster on 127.0.0.1 as <c>hessian --cluster</c> builds it: the coordinator's silo in this process (development
/// membership on a free port), and W <c>curvature worker</c> processes that have joined it. With W = 0 the coordinator's
/// silo hosts the shards itself. Disposing stops the silo, waits for the workers to stop by themselves (they do within
/// ~10 s of the coordinator's end) and kills any that did not.
/// </summary>
public sealed class LocalCluster : IDisposable
{
    /// <summary>A guard against a worker that never joins (a worker joins in a few seconds).</summary>
    static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(120);

    /// <summary>A worker notices the coordinator has gone after <c>WorkerCommand</c>'s 5 s grace and stops within 5 s
    /// more; a worker still running after this is killed.</summary>
    static readonly TimeSpan WorkerExitLimit = TimeSpan.FromSeconds(30);

    readonly IHost _host;
    readonly WorkerProcess[] _workers;

    LocalCluster(IHost host, WorkerProcess[] workers, int port)
    {
        _host = host;
        _workers = workers;
        Port = port;
    }

    /// <summary>The coordinator's port.</summary>
    public int Port { get; }

    /// <summary>The worker processes.</summary>
    public IReadOnlyList<WorkerProcess> Workers => _workers;

    /// <summary>Workers that ended by themselves after the coordinator stopped (set by <see cref="Dispose"/>).</summary>
    public int StoppedByThemselves { get; private set; }

    /// <summary>The largest peak resident set size of a worker process (VmHWM, bytes), read when the cluster stops (set
    /// by <see cref="Dispose"/>).</summary>
    public long WorkerPeakRss { get; private set; }

    /// <summary>The grain factory of the coordinator's silo.</summary>
    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    /// <summary>Starts the coordinator's silo, then <paramref name="workers"/> worker processes (each with
    /// <paramref name="workerEnvironment"/> added), and waits until all have joined.</summary>
    public static LocalCluster Start(string runDirectory, int workers, IReadOnlyDictionary<string, string>? workerEnvironment)
    {
        int port = FreePort();
        var settings = new SiloSettings(SiloRole.Coordinator, ClusterAddress.Parse($"127.0.0.1:{port}"), runDirectory);
        var host = CurvatureSilo.Build(settings);
        var started = new List<WorkerProcess>();
        try
        {
            Task.Run(() => host.StartAsync()).GetAwaiter().GetResult();
            for (int w = 0; w < workers; w++) started.Add(WorkerProcess.Start(port, runDirectory, workerEnvironment));
            if (workers > 0)
            {
                try { Task.Run(() => CurvatureSilo.WaitForWorkersAsync(host, workers, JoinTimeout, CancellationToken.None)).GetAwaiter().GetResult(); }
                catch (TimeoutException e)
                {
                    throw new InvalidOperationException($"{e.Message}; worker output:{Environment.NewLine}{string.Join(Environment.NewLine, started.Select(s => s.Output))}", e);
                }
            }
            return new LocalCluster(host, [.. started], port);
        }
        catch
        {
            foreach (var w in started) w.Dispose();
            Stop(host);
            throw;
        }
    }

    /// <summary>Stops the coordinator's silo and ends the workers (by themselves, else killed).</summary>
    public void Dispose()
    {
        WorkerPeakRss = _workers.Select(w => w.PeakRss).DefaultIfEmpty(0).Max();
        Stop(_host);
        StoppedByThemselves = _workers.Count(w => w.WaitOrKill(WorkerExitLimit));
        foreach (var w in _workers) w.Dispose();
    }

    static void Stop(IHost host)
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try { Task.Run(() => host.StopAsync(stop.Token)).GetAwaiter().GetResult(); }
        catch (Exception) when (stop.IsCancellationRequested) { }
        host.Dispose();
    }

    /// <summary>A port nothing listens on now (the OS's choice for port 0).</summary>
    public static int FreePort() => CurvatureSilo.FreePort(IPAddress.Loopback);
}
