using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Operators;

/// <summary>Graph reuse: inside a product session each batch's gradient graph is built once and every product only runs
/// the backward passes that depend on the vector.</summary>
public abstract partial class NetworkOperator
{
    /// <summary>Share of the machine's available memory a session's graphs may take when
    /// <see cref="GraphCacheBudget"/> is automatic: half, leaving the rest for the Krylov basis, the products' own
    /// transient peaks and other processes.</summary>
    public const double GraphCacheMemoryShare = 0.5;

    /// <summary>The session open on each model (a model's buffers are shared by every operator built on it).</summary>
    static readonly ConditionalWeakTable<nn.Module, NetworkOperator> OpenSessions = new();

    GraphSession? _session;

    /// <summary>Memory the graphs of a product session may take, in bytes: null (default) = <see cref="GraphCacheMemoryShare"/>
    /// of the memory available when the session starts, 0 = never keep a graph (every product rebuilds it). Batches are
    /// cached in partition order while the process's resident growth stays within the budget; the rest are rebuilt per
    /// product. Products are identical either way.</summary>
    public long? GraphCacheBudget { get; set; }

    /// <summary>The automatic budget (<see cref="GraphCacheMemoryShare"/> of the memory available now) split evenly among
    /// <paramref name="sharers"/> sessions that start together on this machine — each would otherwise see the same
    /// available memory and take half of it.</summary>
    public static long SharedGraphCacheBudget(int sharers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sharers, 1);
        return (long)(GraphCacheMemoryShare * ProcessMemory.Available() / sharers);
    }

    /// <summary>At most this many batches' graphs are kept (null = no limit beyond the memory budget).</summary>
    public int? MaxCachedBatches { get; set; }

    /// <summary>What the most recent product session kept, or null before the first session ends.</summary>
    public GraphCacheReport? LastGraphCache { get; private set; }

    /// <summary>Whether products are built from per-batch graphs (<see cref="BuildBatchGraph"/>) that a session can keep.</summary>
    protected virtual bool ReusesGraphs => true;

    /// <summary>The graph of one batch's mean loss (forward and first backward, kept for the vector-dependent passes).</summary>
    protected abstract BatchGraph BuildBatchGraph(Tensor inputs, Tensor targets);

    /// <inheritdoc/>
    public override IDisposable BeginProductSession()
    {
        if (!ReusesGraphs || GraphCacheBudget == 0 || MaxCachedBatches == 0) return ProductSession.Empty;
        if (_session is not null) return new Nested();
        ReleaseOtherSession(Model, this);
        _session = new GraphSession(this);
        OpenSessions.AddOrUpdate(Model, this);
        return new Closer(this);
    }

    /// <summary>Products inside the open session.</summary>
    Tensor SessionProduct(Tensor block) => _session!.Multiply(block);

    /// <summary>Before anything else runs the model (a non-product call, or another operator on the same model), the
    /// session's graphs go: the model's buffers are about to be written in place, which would invalidate saved tensors —
    /// and a backward through an invalidated graph aborts the process. The next product rebuilds them.</summary>
    static void ReleaseOtherSession(nn.Module model, NetworkOperator? except)
    {
        if (OpenSessions.TryGetValue(model, out var owner) && owner._session is { } session && !ReferenceEquals(owner, except))
            session.ReleaseGraphs();
    }

    void CloseSession()
    {
        var session = _session;
        if (session is null) return;
        _session = null;
        if (OpenSessions.TryGetValue(Model, out var owner) && ReferenceEquals(owner, this)) OpenSessions.Remove(Model);
        LastGraphCache = session.Close();
    }

    sealed class Closer(NetworkOperator op) : IDisposable
    {
        bool _closed;
        public void Dispose()
        {
            if (_closed) return;
            _closed = true;
            op.CloseSession();
        }
    }

    sealed class Nested : IDisposable
    {
        public void Dispose() { }
    }

    /// <summary>The model configured once for the whole session (snapshot taken, BatchNorm mode set), the graphs kept so
    /// far, and the memory they took.</summary>
    sealed class GraphSession
    {
        readonly NetworkOperator _op;
        readonly ModelSnapshot _snapshot;
        readonly BatchGraph?[] _graphs;
        readonly long _residentAtStart;
        readonly long _budget;
        bool _full;
        long _growth;
        long _products;
        int _maxCached;

        public GraphSession(NetworkOperator op)
        {
            _op = op;
            _graphs = new BatchGraph?[op.Data.Batches().Count()];
            _residentAtStart = ProcessMemory.Resident();
            _budget = op.GraphCacheBudget ?? (long)(GraphCacheMemoryShare * ProcessMemory.Available());
            using var scope = NewDisposeScope();   // the snapshot's copies leave it detached, as in every product outside sessions
            _snapshot = ModelSnapshot.Capture(op.Model);
            try { op.Configure(); }
            catch { ModelSnapshot.RestoreAndDispose(_snapshot); throw; }
        }

        public Tensor Multiply(Tensor block)
        {
            _products += block.shape[1];
            using var grad = enable_grad();
            var result = zeros(_op.Size, block.shape[1], dtype: _op.DType);
            int index = 0;
            foreach (var (x, y, weight) in _op.BatchTensors())
            {
                using var scope = NewDisposeScope();
                var graph = _graphs[index] ?? Build(index, x, y);
                result.add_(graph.Apply(block).mul_(weight));
                index++;
            }
            return result;
        }

        /// <summary>Builds batch <paramref name="index"/>'s graph and keeps it if the memory budget still allows; otherwise
        /// it lives only for this product (in the caller's scope) and no later batch is kept either.</summary>
        BatchGraph Build(int index, Tensor x, Tensor y)
        {
            var graph = _op.BuildBatchGraph(x, y);
            if (_full || _op.MaxCachedBatches is { } limit && Cached >= limit) return graph;
            long growth = ProcessMemory.Resident() - _residentAtStart;
            if (growth > _budget) { _full = true; return graph; }
            graph.Keep();
            _graphs[index] = graph;
            _growth = Math.Max(_growth, growth);
            _maxCached = Math.Max(_maxCached, Cached);
            return graph;
        }

        int Cached => _graphs.Count(g => g is not null);

        public void ReleaseGraphs()
        {
            for (int i = 0; i < _graphs.Length; i++)
            {
                _graphs[i]?.Dispose();
                _graphs[i] = null;
            }
        }

        /// <summary>Releases the graphs first (nothing may backward through them once buffers are restored), then puts the
        /// model back bit for bit.</summary>
        public GraphCacheReport Close()
        {
            ReleaseGraphs();
            ModelSnapshot.RestoreAndDispose(_snapshot);
            return new GraphCacheReport(_graphs.Length, _maxCached, _growth, _budget, _products);
        }
    }
}
