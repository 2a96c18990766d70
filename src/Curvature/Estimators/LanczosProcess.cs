using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Estimators;

/// <summary>
/// The Lanczos three-term recurrence as a resumable process (so an eigensolver can extend it):
/// β_j q_{j+1} = A q_j − α_j q_j − β_{j−1} q_{j−1}, α_j = q_jᵀ A q_j (Lanczos 1950; Golub &amp; Van Loan,
/// Matrix Computations, 4th ed., Alg. 10.1.1). Vectors are float64 whatever the operator's dtype.
/// </summary>
internal sealed class LanczosProcess : IDisposable
{
    // Simon's rounding level for the ω-recurrence: √n·ε/2 (Larsen, PROPACK; Simon 1984 §4).
    readonly double _omegaFloor;
    static readonly double SqrtEps = Math.Sqrt(Math.Pow(2, -52));

    readonly ILinearOperator _a;
    readonly Reorthogonalization _mode;
    readonly bool _storeBasis;
    readonly bool _continueAfterBreakdown;
    readonly Generator? _generator;
    readonly List<double> _alpha = new();
    readonly List<double> _beta = new();
    readonly List<int> _breakdowns = new();
    Tensor _basis;          // [capacity, n] rows q_0..q_j when stored
    Tensor? _qPrev, _qCur;  // the last two vectors when the basis is not stored
    double[] _omegaPrev = [], _omegaCur = [1.0];
    bool _reorthogonalizeNext;
    long _n;

    public LanczosProcess(ILinearOperator a, Tensor start, LanczosOptions options, Generator? generator)
    {
        _a = a;
        _n = a.Size;
        _mode = options.Reorthogonalization;
        _storeBasis = options.KeepBasis || _mode != Reorthogonalization.None;
        _continueAfterBreakdown = options.ContinueAfterBreakdown;
        _generator = generator;
        _omegaFloor = Math.Sqrt(_n) * Math.Pow(2, -52) / 2;

        using var scope = NewDisposeScope();
        var q0 = start.detach().to_type(ScalarType.Float64).flatten();
        double norm = q0.norm().item<double>();
        if (!(norm > 0) || double.IsInfinity(norm))
            throw new ArgumentException($"the Lanczos start vector must be finite and non-zero; its norm is {norm}");
        q0 = q0 / norm;
        int capacity = (int)Math.Min(_n + 1, Math.Max(options.Steps + 1, 2));
        _basis = _storeBasis ? zeros(capacity, _n, dtype: ScalarType.Float64).DetachFromDisposeScope() : empty(0);
        if (_storeBasis) _basis[0].copy_(q0);
        else _qCur = q0.clone().DetachFromDisposeScope();
    }

    /// <summary>Continues a recurrence from a state <see cref="Capture"/> took (possibly in another process): every
    /// field the next step reads is restored bit for bit, including the basis capacity (so tensor layouts match).</summary>
    public LanczosProcess(ILinearOperator a, LanczosState state, LanczosOptions options, Generator? generator)
    {
        _a = a;
        _n = a.Size;
        _mode = options.Reorthogonalization;
        _storeBasis = options.KeepBasis || _mode != Reorthogonalization.None;
        _continueAfterBreakdown = options.ContinueAfterBreakdown;
        _generator = generator;
        _omegaFloor = Math.Sqrt(_n) * Math.Pow(2, -52) / 2;
        state.Validate(_n, _mode, _storeBasis);

        _alpha.AddRange(state.Alpha);
        _beta.AddRange(state.Beta);
        _breakdowns.AddRange(state.Breakdowns);
        NormEstimate = state.NormEstimate;
        Reorthogonalizations = state.Reorthogonalizations;
        Stopped = state.Stopped;
        _omegaPrev = (double[])state.OmegaPrevious.Clone();
        _omegaCur = (double[])state.OmegaCurrent.Clone();
        _reorthogonalizeNext = state.ReorthogonalizeNext;

        using var scope = NewDisposeScope();
        var rows = tensor(state.Vectors, dtype: ScalarType.Float64).reshape(state.VectorRows, _n);
        if (_storeBasis)
        {
            _basis = zeros(state.Capacity, _n, dtype: ScalarType.Float64).DetachFromDisposeScope();
            _basis[TensorIndex.Slice(0, state.VectorRows)].copy_(rows);
        }
        else
        {
            _basis = empty(0);
            _qCur = rows[state.VectorRows - 1].clone().DetachFromDisposeScope();
            if (state.VectorRows == 2) _qPrev = rows[0].clone().DetachFromDisposeScope();
        }
    }

    /// <summary>Everything the next step reads, as plain data (float64 copies of the vectors).</summary>
    public LanczosState Capture()
    {
        using var scope = NewDisposeScope();
        int rows;
        double[] vectors;
        if (_storeBasis)
        {
            // Rows q_0..q_m (q_m, the next vector, is stored unless the run stopped; an unset row is zeros either way).
            rows = (int)Math.Min(_basis.shape[0], Steps + 1L);
            vectors = _basis[TensorIndex.Slice(0, rows)].contiguous().data<double>().ToArray();
        }
        else
        {
            rows = _qPrev is null ? 1 : 2;
            vectors = _qPrev is null ? _qCur!.data<double>().ToArray() : [.. _qPrev.data<double>().ToArray(), .. _qCur!.data<double>().ToArray()];
        }
        return new LanczosState(_n, _mode, _storeBasis, _alpha.ToArray(), _beta.ToArray(), _breakdowns.ToArray(), NormEstimate,
                                Reorthogonalizations, Stopped, (double[])_omegaPrev.Clone(), (double[])_omegaCur.Clone(), _reorthogonalizeNext,
                                _storeBasis ? (int)_basis.shape[0] : 0, rows, vectors);
    }

    /// <summary>Steps taken so far (= number of α's = products with A).</summary>
    public int Steps => _alpha.Count;

    /// <summary>True once the recurrence ended on an invariant subspace and will not continue.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Running estimate of ‖A‖₂ from the tridiagonal entries (Gershgorin bound of T).</summary>
    public double NormEstimate { get; private set; }

    public IReadOnlyList<double> Alpha => _alpha;
    public IReadOnlyList<double> Beta => _beta;
    public IReadOnlyList<int> Breakdowns => _breakdowns;
    public int Reorthogonalizations { get; private set; }

    /// <summary>Takes up to <paramref name="steps"/> more steps; stops early on breakdown (unless told to
    /// continue) or when the Krylov space is all of ℝⁿ. <paramref name="beforeStep"/> and <paramref name="afterStep"/>
    /// run at step boundaries, where <see cref="Capture"/> is a consistent state (checkpoints, cancellation).</summary>
    public void Extend(int steps, Action? beforeStep = null, Action? afterStep = null)
    {
        for (int s = 0; s < steps && !Stopped; s++)
        {
            if (_alpha.Count >= _n) { Stopped = true; break; }
            beforeStep?.Invoke();
            Step();
            afterStep?.Invoke();
        }
    }

    void Step()
    {
        using var scope = NewDisposeScope();
        Advance(_a.Multiply(Current));
    }

    /// <summary>Whether another step can be taken (not stopped, and the Krylov space is not yet all of ℝⁿ).</summary>
    public bool CanStep => !Stopped && _alpha.Count < _n;

    /// <summary>q_j, the vector the next step multiplies (a view: read it before <see cref="Advance"/>).</summary>
    public Tensor Current => _storeBasis ? _basis[_alpha.Count] : _qCur!;

    /// <summary>Takes one step given <paramref name="w"/> = A q_j for q_j = <see cref="Current"/>, computed by the caller
    /// (so several recurrences can share one block product); <paramref name="w"/> is overwritten.</summary>
    public void Advance(Tensor w)
    {
        using var scope = NewDisposeScope();
        if (!CanStep) throw new InvalidOperationException("the Lanczos recurrence has stopped");
        int j = _alpha.Count;
        var q = Current;
        w = w.to_type(ScalarType.Float64).flatten();
        if (!w.isfinite().all().item<bool>())
            throw new ArithmeticException($"the operator returned a non-finite product at Lanczos step {j + 1}");
        if (j > 0 && _beta[j - 1] != 0)
            w.sub_(Previous(j).mul(_beta[j - 1]));
        double alpha = q.dot(w).item<double>();
        w.sub_(q.mul(alpha));
        if (_mode == Reorthogonalization.Full) { OrthogonalizeAgainstBasis(w, j); OrthogonalizeAgainstBasis(w, j); }
        double beta = w.norm().item<double>();
        if (_mode == Reorthogonalization.Selective) beta = PartialReorthogonalization(w, j, alpha, beta);

        _alpha.Add(alpha);
        NormEstimate = Math.Max(NormEstimate, Math.Abs(alpha) + beta + (j > 0 ? _beta[j - 1] : 0));
        if (j + 1 >= _n) { _beta.Add(beta); Stopped = true; return; }

        if (beta <= Tolerances.BreakdownRelative * Math.Max(NormEstimate, double.Epsilon))
        {
            _beta.Add(0.0);
            _breakdowns.Add(j + 1);
            if (!(_continueAfterBreakdown && _storeBasis && _generator is not null)) { Stopped = true; return; }
            w = FreshOrthogonalVector(j);
            _omegaPrev = _omegaCur;
            _omegaCur = Enumerable.Repeat(_omegaFloor, j + 2).ToArray();
            _omegaCur[j + 1] = 1.0;
        }
        else
        {
            _beta.Add(beta);
            w.div_(beta);
        }
        Store(j + 1, w);
    }

    Tensor Previous(int j) => _storeBasis ? _basis[j - 1] : _qPrev!;

    void Store(int index, Tensor q)
    {
        if (_storeBasis)
        {
            if (index >= _basis.shape[0]) Grow();
            _basis[index].copy_(q);
            return;
        }
        _qPrev?.Dispose();
        _qPrev = _qCur;
        _qCur = q.clone().DetachFromDisposeScope();
    }

    void Grow()
    {
        long capacity = Math.Min(_n + 1, Math.Max(2 * _basis.shape[0], 4));
        var bigger = zeros(capacity, _n, dtype: ScalarType.Float64).DetachFromDisposeScope();
        bigger[TensorIndex.Slice(0, _basis.shape[0])].copy_(_basis);
        _basis.Dispose();
        _basis = bigger;
    }

    /// <summary>w ← w − Q(Qᵀw) with Q the stored q_0..q_j (classical Gram–Schmidt, one pass).</summary>
    void OrthogonalizeAgainstBasis(Tensor w, int j)
    {
        var q = _basis[TensorIndex.Slice(0, j + 1)];
        w.sub_(q.T.matmul(q.matmul(w)));
    }

    /// <summary>Simon's ω-recurrence: ω_{j+1,k} ≈ q_{j+1}ᵀq_k, updated from T alone; reorthogonalize when
    /// max |ω| &gt; √ε and once more on the next step (Simon 1984, §5).</summary>
    double PartialReorthogonalization(Tensor w, int j, double alpha, double beta)
    {
        bool forced = _reorthogonalizeNext;
        bool triggered = false;
        var next = new double[j + 2];
        if (beta > 0)
        {
            for (int k = 0; k < j; k++)
            {
                double t = _beta[k] * _omegaCur[k + 1] + (_alpha[k] - alpha) * _omegaCur[k]
                         + (k > 0 ? _beta[k - 1] * _omegaCur[k - 1] : 0.0)
                         - (j > 0 ? _beta[j - 1] * _omegaPrev[k] : 0.0);
                t = (t + Math.CopySign(_omegaFloor * (_beta[k] + beta), t)) / beta;
                next[k] = t;
                if (Math.Abs(t) > SqrtEps) triggered = true;
            }
        }
        next[j] = _omegaFloor;
        next[j + 1] = 1.0;
        _reorthogonalizeNext = false;
        if ((triggered || forced) && j > 0)
        {
            OrthogonalizeAgainstBasis(w, j);
            OrthogonalizeAgainstBasis(w, j);
            beta = w.norm().item<double>();
            for (int k = 0; k <= j; k++) next[k] = _omegaFloor;
            Reorthogonalizations++;
            _reorthogonalizeNext = !forced; // the step after a triggered one is reorthogonalized too
        }
        _omegaPrev = _omegaCur;
        _omegaCur = next;
        return beta;
    }

    Tensor FreshOrthogonalVector(int j)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var v = randn(_n, dtype: ScalarType.Float64, generator: _generator);
            OrthogonalizeAgainstBasis(v, j);
            OrthogonalizeAgainstBasis(v, j);
            double norm = v.norm().item<double>();
            if (norm > 1e-8) return v.div_(norm);
        }
        throw new InvalidOperationException("could not draw a vector orthogonal to the Krylov basis");
    }

    /// <summary>A copy of the basis rows q_0..q_{m−1} as [m, n] (caller owns), or null if not stored.</summary>
    public Tensor? CopyBasis()
    {
        if (!_storeBasis) return null;
        using var scope = NewDisposeScope();
        return _basis[TensorIndex.Slice(0, Steps)].clone().DetachFromDisposeScope();
    }

    public void Dispose()
    {
        _basis.Dispose();
        _qPrev?.Dispose();
        _qCur?.Dispose();
    }
}
