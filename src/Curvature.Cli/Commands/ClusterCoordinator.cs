using Curvature.Checkpoints;
using Curvature.Distributed;
using Curvature.Models;
using Curvature.Operators;
using Microsoft.Extensions.Hosting;
using Orleans;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Cli.Commands;

/// <summary>
/// The coordinator of <c>hessian --cluster</c>: writes the run's weights, data and manifest to the run folder, starts
/// the coordinator's silo, waits for the workers, and connects the data-parallel operator whose products the estimators
/// then use. Disposing it stops the silo — which ends the workers — and deletes the run's files.
/// </summary>
internal sealed class ClusterCoordinator : IDisposable
{
    readonly IHost _host;
    readonly string[] _files;

    ClusterCoordinator(IHost host, string[] files, DistributedHessianOperator products, ClusterAddress address, IReadOnlyList<string> workers)
    {
        _host = host;
        _files = files;
        Products = products;
        Address = address;
        Workers = workers;
    }

    /// <summary>The operator whose products the shards compute.</summary>
    public DistributedHessianOperator Products { get; }

    public ClusterAddress Address { get; }

    /// <summary>The workers that had joined when the run started.</summary>
    public IReadOnlyList<string> Workers { get; }

    /// <summary>The shards of N samples in batches of <paramref name="batchSize"/>: the batches split as evenly as
    /// possible into <paramref name="shards"/> contiguous groups, so every shard starts on a batch boundary.</summary>
    public static ShardRange[] Ranges(long samples, int batchSize, int shards)
    {
        long batches = (samples + batchSize - 1) / batchSize;
        if (shards > batches)
            throw new UserInputException($"--shards {shards}: the {samples} samples form only {batches} batch{(batches == 1 ? "" : "es")} of --batch-size {batchSize}, and a shard holds whole batches; give a smaller --batch-size (e.g. {Math.Max(1, samples / shards)}) or fewer --shards");
        return Enumerable.Range(0, shards).Select(s =>
        {
            long first = s * batches / shards, end = (s + 1) * batches / shards;
            long start = first * batchSize;
            return new ShardRange(start, Math.Min(end * batchSize, samples) - start);
        }).ToArray();
    }

    public static ClusterCoordinator Start(CommandContext context, SiloSettings settings, int workers, IReadOnlyList<ShardRange> shards,
                                           object spec, nn.Module<Tensor, Tensor> network, Tensor inputs, Tensor labels, int batchSize,
                                           BatchNormMode mode, LossKind loss, OperatorKind kind, ScalarType dtype, TimeSpan joinTimeout,
                                           CancellationToken cancellation)
    {
        // The run id names the grains and the files; unique per run, so shards of an earlier run are never reused.
        string runId = $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid():N}"[..24];
        string weights = Path.Combine(settings.RunDirectory, runId + ".weights.safetensors");
        string data = Path.Combine(settings.RunDirectory, runId + ".data.safetensors");
        var store = new ShardStoreOptions { ManifestDirectory = settings.RunDirectory };
        string manifestPath = store.ManifestPath(runId);
        string[] files = [manifestPath, weights, data];
        IHost? host = null;
        try
        {
            // Saving reads the weights; the model analysed is not changed.
            Checkpoint.Save(network, weights);
            ShardDataFile.Save(data, inputs, labels);
            var manifest = new RunManifest(runId,
                new ModelEntry(spec as MlpSpec, spec as CnnSpec, spec as ResNetSpec, weights, FileHash.Sha256(weights)),
                new DataEntry(data, FileHash.Sha256(data), inputs.shape[0], shards), batchSize, mode, loss, kind, dtype);
            manifest.Save(manifestPath);

            host = CurvatureSilo.Build(settings);
            try { host.StartAsync(cancellation).GetAwaiter().GetResult(); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new UserInputException($"--cluster {settings.Cluster}: the coordinator's silo could not start ({e.Message.Split('\n')[0]}); is the port in use, or another coordinator running?");
            }
            context.Stderr.WriteLine($"curvature: coordinator at {settings.Cluster}: waiting for {workers} worker{(workers == 1 ? "" : "s")} ('curvature worker --cluster {settings.Cluster}'{(settings.RunDirectory == Path.GetFullPath(ClusterOptionSet.DefaultRunDirectory) ? "" : $" --run-dir {settings.RunDirectory}")})");
            IReadOnlyList<string> joined;
            try { joined = Task.Run(() => CurvatureSilo.WaitForWorkersAsync(host, workers, joinTimeout, cancellation)).GetAwaiter().GetResult(); }
            catch (TimeoutException e)
            {
                throw new UserInputException($"--workers {workers}: {e.Message} at {settings.Cluster}; start them with 'curvature worker --cluster {settings.Cluster}' or raise --join-timeout");
            }
            context.Stderr.WriteLine($"curvature: {joined.Count} worker{(joined.Count == 1 ? "" : "s")} joined; {shards.Count} shard{(shards.Count == 1 ? "" : "s")}");
            var grains = host.Services.GetService(typeof(IGrainFactory)) as IGrainFactory ?? throw new InvalidOperationException("the silo has no grain factory");
            var products = Task.Run(() => DistributedHessianOperator.ConnectAsync(grains, manifest, cancellationToken: cancellation)).GetAwaiter().GetResult();
            return new ClusterCoordinator(host, files, products, settings.Cluster, joined);
        }
        catch
        {
            Stop(host);
            Delete(files);
            throw;
        }
    }

    /// <summary>What the run record says about the cluster.</summary>
    public object Record() => new
    {
        address = Address.ToString(),
        workers = Workers,
        shards = Products.Manifest.Data.Shards,
        retries = Products.Retries,
        bytes_sent = Products.BytesSent,
        bytes_received = Products.BytesReceived,
    };

    public void Dispose()
    {
        Products.Dispose();
        Stop(_host);
        Delete(_files);
    }

    static void Stop(IHost? host)
    {
        if (host is null) return;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try { host.StopAsync(stop.Token).GetAwaiter().GetResult(); }
        catch (Exception) when (stop.IsCancellationRequested) { }
        host.Dispose();
    }

    static void Delete(string[] files)
    {
        foreach (var f in files)
        {
            try { File.Delete(f); }
            catch (IOException) { }
        }
    }
}
