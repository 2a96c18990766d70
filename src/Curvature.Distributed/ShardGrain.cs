using Curvature.Checkpoints;
using Curvature.Operators;
using Microsoft.Extensions.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Distributed;

/// <summary>
/// The activation of a shard (<see cref="IShardGrain"/>): the model built from the manifest's spec with the checked
/// weights, the shard's rows as <see cref="NetworkData"/> with the run's batch size, and the library's operator over
/// them. The first product opens a product session on that operator (<see cref="ProductSession"/>), kept until
/// deactivation, so later products of the run reuse the shard's batch graphs. Products are computed synchronously on
/// the grain's turn (one at a time per shard; the parallelism is across shards).
/// </summary>
[ShardPlacement]
internal sealed class ShardGrain(IOptions<ShardStoreOptions> options, IServiceProvider services, IClusterMembershipService membership,
                                 ILocalSiloDetails silo) : Grain, IShardGrain
{
    RunManifest? _manifest;
    nn.Module<Tensor, Tensor>? _model;
    NetworkData? _data;
    NetworkOperator? _operator;
    IDisposable? _session;
    readonly IShardActivity? _activity = services.GetService(typeof(IShardActivity)) as IShardActivity;
    int _shard;
    // The block of one iteration arriving in pieces, and the pieces of its answer (IShardGrain's chunked exchange).
    byte[][]? _staged;
    byte[][]? _result;
    long _stagedIteration = -1;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        int shard = checked((int)this.GetPrimaryKeyLong(out string? runId));
        if (string.IsNullOrEmpty(runId)) throw new InvalidOperationException("a shard grain's key extension must be the run id");
        var manifest = RunManifest.Load(options.Value.ManifestPath(runId));
        if (manifest.RunId != runId)
            throw new InvalidDataException($"the manifest of run '{runId}' names run '{manifest.RunId}'");
        if (shard < 0 || shard >= manifest.Data.Shards.Count)
            throw new ArgumentOutOfRangeException(nameof(shard), $"run '{runId}' has {manifest.Data.Shards.Count} shards; no shard {shard}");
        FileHash.Require(manifest.Model.WeightsPath, manifest.Model.WeightsSha256, "the weights");
        FileHash.Require(manifest.Data.Path, manifest.Data.Sha256, "the data");

        var range = manifest.Data.Shards[shard];
        // The seed only fills the weights that the checkpoint then overwrites (a strict load: every key).
        var model = manifest.Model.Build(manifest.DType);
        try
        {
            Checkpoint.Load(model, manifest.Model.WeightsPath);
            var (inputs, targets) = ShardDataFile.LoadRows(manifest.Data.Path, range.Start, range.Count);
            using (inputs)
            using (targets)
                _data = new NetworkData(inputs, targets, manifest.BatchSize);
            _operator = manifest.Operator switch
            {
                OperatorKind.Hessian => new HessianOperator(model, manifest.Loss, _data, manifest.Mode),
                OperatorKind.GaussNewton => new GaussNewtonOperator(model, manifest.Loss, _data, manifest.Mode),
                OperatorKind.EmpiricalFisher => new EmpiricalFisherOperator(model, manifest.Loss, _data, manifest.Mode),
                _ => throw new ArgumentOutOfRangeException(nameof(manifest), manifest.Operator, "unknown operator kind"),
            };
            if (options.Value.GraphCacheBudget is { } budget) _operator.GraphCacheBudget = budget;
        }
        catch
        {
            _data?.Dispose();
            model.Dispose();
            throw;
        }
        _model = model;
        _manifest = manifest;
        _shard = shard;
        _activity?.Activated(runId, shard, range.Count);
        return Task.CompletedTask;
    }

    public Task<long> Prepare(string runId)
    {
        RequireRun(runId);
        return Task.FromResult(_operator!.Size);
    }

    public Task<byte[]> PartialProduct(string runId, long iteration, byte[] block, int columns)
    {
        RequireRun(runId);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        return Task.FromResult(Answer([block], columns, WholeMessage)[0]);
    }

    public Task PutBlockChunk(string runId, long iteration, int index, int count, byte[] chunk)
    {
        RequireRun(runId);
        ArgumentNullException.ThrowIfNull(chunk);
        if (count < 1 || index < 0 || index >= count)
            throw new ArgumentOutOfRangeException(nameof(index), $"piece {index} of {count}");
        if (_staged is null || _stagedIteration != iteration || _staged.Length != count)
        {
            _staged = new byte[count][];
            _stagedIteration = iteration;
            _result = null;
        }
        _staged[index] = chunk;
        return Task.CompletedTask;
    }

    public Task<int> PartialProductOfChunks(string runId, long iteration, int columns, int chunkBytes)
    {
        RequireRun(runId);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        if (_staged is null || _stagedIteration != iteration || _staged.Any(p => p is null))
            throw new InvalidOperationException($"shard of run '{runId}': the block of iteration {iteration} is not completely staged");
        var staged = _staged;
        _staged = null;
        _result = Answer(staged, columns, chunkBytes);
        return Task.FromResult(_result.Length);
    }

    public Task<byte[]> GetResultChunk(string runId, long iteration, int index)
    {
        RequireRun(runId);
        if (_result is null || _stagedIteration != iteration || index < 0 || index >= _result.Length)
            throw new InvalidOperationException($"shard of run '{runId}': no piece {index} of iteration {iteration}'s answer");
        var piece = _result[index];
        if (index == _result.Length - 1) _result = null;   // the last piece read: the answer is delivered
        return Task.FromResult(piece);
    }

    /// <summary>A_s V for the block the pieces hold (row-major [n, columns] in the run's dtype), as pieces of at most
    /// <paramref name="chunkBytes"/>. Validated in C# first (<see cref="VectorBytes.ToTensor"/>): a shape error inside
    /// libtorch would abort the silo.</summary>
    byte[][] Answer(IReadOnlyList<byte[]> pieces, int columns, int chunkBytes)
    {
        var op = _operator!;
        var dtype = _manifest!.DType;
        _activity?.Product(_manifest.RunId, _shard, columns);
        using var scope = NewDisposeScope();
        var block = VectorBytes.ToTensor(pieces, op.Size, columns, dtype);
        if (_session is not null) return VectorBytes.FromTensor(op.Multiply(block), dtype, chunkBytes);
        // The first product builds the graphs the session keeps, measuring the memory they take against a budget read
        // from what is available: one shard at a time per silo, so each sees what the others have already kept.
        lock (FirstProductGate)
        {
            // Worker processes on one machine start their first products together, each seeing the same available memory.
            if (options.Value.GraphCacheBudget is null) op.GraphCacheBudget = NetworkOperator.SharedGraphCacheBudget(SilosOnThisMachine());
            // Kept open until deactivation: every later block of this run reuses the shard's batch graphs.
            _session = ProductSession.Begin(op);
            return VectorBytes.FromTensor(op.Multiply(block), dtype, chunkBytes);
        }
    }

    /// <summary>Active silos that host shards on this machine (workers at this silo's address; this silo at least).</summary>
    int SilosOnThisMachine()
    {
        var here = silo.SiloAddress.Endpoint.Address;
        int workers = membership.CurrentSnapshot.Members.Values.Count(m =>
            m.Status == SiloStatus.Active && SiloNames.IsWorker(m.Name) && m.SiloAddress.Endpoint.Address.Equals(here));
        return Math.Max(1, workers);
    }

    /// <summary>A chunk size no answer of a whole-message call reaches (the coordinator sends a block whole only when it
    /// fits <see cref="DistributedOptions.ChunkBytes"/>, and the answer has the block's size).</summary>
    const int WholeMessage = int.MaxValue & ~7;

    static readonly object FirstProductGate = new();

    void RequireRun(string runId)
    {
        if (_manifest is null || runId != _manifest.RunId)
            throw new ArgumentException($"this shard belongs to run '{_manifest?.RunId}', not '{runId}'", nameof(runId));
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The session first: closing it releases the graphs and restores the model, which must still exist.
        if (_manifest is not null) _activity?.Deactivated(_manifest.RunId, _shard);
        _session?.Dispose();
        _session = null;
        _operator?.Dispose();
        _data?.Dispose();
        _model?.Dispose();
        _operator = null;
        _data = null;
        _model = null;
        return Task.CompletedTask;
    }
}
