using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Estimators;

/// <summary>
/// The Lanczos three-term recurrence as a resumable process (so an eigensolver can extend it):
/// β_j q_{j+1} = A q_j − α_j q_j − β_{j−1} q_{j−1}, α_j = q_jᵀ A q_j (Lanczos 1950; Golub &amp; Van Loan,
/// Matrix Computations, 4th ed., Alg. 10.1.1). The recurrence's vectors (q_j, q_{j−1}, w) are float64 whatever the
/// operator's dtype; the stored basis rows live in a <see cref="KrylovBasis"/> (float64 or float32, memory or disk), either
/// all of them or, with <see cref="LanczosOptions.MaxStoredVectors"/> = s, a ring of the s most recent.
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
    readonly BasisStorage _storage;
    readonly int? _window;     // MaxStoredVectors: step k lives in slot k mod s
    readonly KrylovBasis? _basis;  // rows q_0..q_j (or the last s of them) when stored
    Tensor? _qPrev, _qCur;     // q_{j−1}, q_j in float64, always (the basis may be float32)
    double[] _omegaPrev = [], _omegaCur = [1.0];
    bool _reorthogonalizeNext;
    long _n;

    /// <summary>What both ways of starting share: the operator and the options' settings.</summary>
    LanczosProcess(ILinearOperator a, LanczosOptions options, Generator? generator)
    {
        Lanczos.Validate(a, options);
        _a = a;
        _n = a.Size;
        _mode = options.Reorthogonalization;
        _storeBasis = options.KeepBasis || _mode != Reorthogonalization.None;
        _continueAfterBreakdown = options.ContinueAfterBreakdown;
        _generator = generator;
        _omegaFloor = Math.Sqrt(_n) * Math.Pow(2, -52) / 2;
        _storage = options.Basis ?? BasisStorage.Default;
        _window = options.MaxStoredVectors;
    }

    public LanczosProcess(ILinearOperator a, Tensor start, LanczosOptions options, Generator? generator)
        : this(a, options, generator)
    {

        using var scope = NewDisposeScope();
        var q0 = start.detach().to_type(ScalarType.Float64).flatten();
        double norm = q0.norm().item<double>();
        if (!(norm > 0) || double.IsInfinity(norm))
            throw new ArgumentException($"the Lanczos start vector must be finite and non-zero; its norm is {norm}");
        q0 = q0 / norm;
        int capacity = (int)Math.Min(Math.Min(_n + 1, Math.Max(options.Steps + 1, 2)), _window ?? int.MaxValue);
        _qCur = q0.clone().DetachFromDisposeScope();
        if (_storeBasis)
        {
            _basis = KrylovBasis.Create(_storage, _n, capacity);
            _basis.Set(0, q0);
        }
    }

    /// <summary>Continues a recurrence from a state <see cref="Capture"/> took (possibly in another process): every
    /// field the next step reads is restored bit for bit, including the basis capacity (so tensor layouts match).</summary>
    public LanczosProcess(ILinearOperator a, LanczosState state, LanczosOptions options, Generator? generator)
        : this(a, options, generator)
    {
        state.Validate(_n, _mode, _storeBasis, _storage.Precision, _window);

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
            _basis = KrylovBasis.Create(_storage, _n, state.Capacity);
            for (int slot = 0; slot < state.VectorRows; slot++) _basis.Set(slot, rows[slot]);
        }
        if (state.Recent is { Length: > 0 } recent)
        {
            // float32 rows are not the recurrence's vectors: those were saved apart, in float64.
            var last = tensor(recent, dtype: ScalarType.Float64).reshape(recent.Length / _n, _n);
            _qCur = last[last.shape[0] - 1].clone().DetachFromDisposeScope();
            if (last.shape[0] == 2) _qPrev = last[0].clone().DetachFromDisposeScope();
        }
        else if (_storeBasis)
        {
            int m = state.Alpha.Length;
            _qCur = rows[Math.Min(Slot(m), state.VectorRows - 1)].clone().DetachFromDisposeScope();
            if (m > 0) _qPrev = rows[Slot(m - 1)].clone().DetachFromDisposeScope();
        }
        else
        {
            _qCur = rows[state.VectorRows - 1].clone().DetachFromDisposeScope();
            if (state.VectorRows == 2) _qPrev = rows[0].clone().DetachFromDisposeScope();
        }
    }

    /// <summary>The slot of step k's vector: k, or k mod s in a bounded window.</summary>
    int Slot(int k) => _window is int s ? k % s : k;

    /// <summary>Stored rows a projection at step j runs over: q_0..q_j, or the last min(j+1, s) of them.</summary>
    int StoredRows(int j) => _window is int s ? Math.Min(j + 1, s) : j + 1;

    /// <summary>Everything the next step reads, as plain data (float64 copies of the vectors).</summary>
    public LanczosState Capture()
    {
        using var scope = NewDisposeScope();
        int rows;
        double[] vectors;
        double[] recent = _qPrev is null ? _qCur!.data<double>().ToArray() : [.. _qPrev.data<double>().ToArray(), .. _qCur!.data<double>().ToArray()];
        if (_storeBasis)
        {
            // Slots of q_0..q_m (q_m, the next vector, is stored unless the run stopped; an unset row is zeros either way).
            rows = (int)Math.Min(_basis!.Capacity, Steps + 1L);
            vectors = _basis.Rows(rows).contiguous().data<double>().ToArray();
        }
        else
        {
            rows = _qPrev is null ? 1 : 2;
            vectors = recent;
        }
        return new LanczosState(_n, _mode, _storeBasis, _alpha.ToArray(), _beta.ToArray(), _breakdowns.ToArray(), NormEstimate,
                                Reorthogonalizations, Stopped, (double[])_omegaPrev.Clone(), (double[])_omegaCur.Clone(), _reorthogonalizeNext,
                                _storeBasis ? _basis!.Capacity : 0, rows, vectors)
        {
            Precision = _storage.Precision,
            MaxStoredVectors = _window,
            // The basis rows hold q_{m−1}, q_m exactly unless they are float32: only then are they saved apart.
            Recent = _storeBasis && _storage.Precision == BasisPrecision.Float32 ? recent : null,
        };
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

    /// <summary>With a bounded window: the first step whose vector's estimated overlap |ω| with an evicted vector
    /// exceeded √ε (semi-orthogonality lost where it cannot be restored); null while it holds. Not part of the saved
    /// state (diagnostic only).</summary>
    public int? LostSemiOrthogonalityAt { get; private set; }

    /// <summary>Bytes held by the stored basis rows (0 when no basis is stored).</summary>
    public long BasisBytes => _basis?.Bytes ?? 0;

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
    public Tensor Current => _qCur!;

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
        if (_mode == Reorthogonalization.Full) FullReorthogonalization(w, j);
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

    Tensor Previous(int j) => _qPrev!;

    void Store(int index, Tensor q)
    {
        if (_storeBasis)
        {
            int slot = Slot(index);
            if (slot >= _basis!.Capacity)
                _basis.Grow((int)Math.Min(Math.Min(_n + 1, Math.Max(2L * _basis.Capacity, 4)), _window ?? int.MaxValue));
            _basis.Set(slot, q);
        }
        _qPrev?.Dispose();
        _qPrev = _qCur;
        _qCur = q.clone().DetachFromDisposeScope();
    }

    /// <summary>w ← w − Q(Qᵀw) with Q the stored q_0..q_j, or the last s of them (classical Gram–Schmidt, one pass).</summary>
    /// <summary>Classical Gram–Schmidt against the basis, repeated only when the first pass removed much of w:
    /// ‖w after‖ &lt; ‖w before‖/√2 (Daniel, Gragg, Kaufman &amp; Stewart 1976; ARPACK's rule, Lehoucq, Sorensen &amp; Yang
    /// 1998). In Lanczos the first pass removes only round-off-sized components, so the second — half the cost of a
    /// full reorthogonalization — rarely runs, and orthogonality stays at round-off either way.</summary>
    void FullReorthogonalization(Tensor w, int j)
    {
        double before = w.norm().item<double>();
        OrthogonalizeAgainstBasis(w, j);
        if (w.norm().item<double>() < DgksThreshold * before) OrthogonalizeAgainstBasis(w, j);
    }

    /// <summary>η = 1/√2, the DGKS threshold: a pass that keeps less than this share of w's norm cancelled enough to
    /// have lost accuracy and is repeated.</summary>
    static readonly double DgksThreshold = 1 / Math.Sqrt(2);

    void OrthogonalizeAgainstBasis(Tensor w, int j) => _basis!.Orthogonalize(w, StoredRows(j));

    /// <summary>Simon's ω-recurrence: ω_{j+1,k} ≈ q_{j+1}ᵀq_k, updated from T alone; reorthogonalize when
    /// max |ω| &gt; √ε and once more on the next step (Simon 1984, §5).
    /// With a bounded window of s stored vectors the estimates are still propagated for every k (they are scalars), but
    /// only the stored q_k can be projected out: the rule triggers on the window's ω's alone and resets only those.
    /// An evicted ω is left as estimated — resetting it would claim an orthogonality nobody restored — and once one of
    /// them exceeds √ε the run counts as having lost semi-orthogonality (<see cref="LostSemiOrthogonalityAt"/>) and
    /// continues as the plain recurrence (no more reorthogonalization): ghosts can appear, as without reorthogonalization,
    /// but Ritz values stay in the spectrum's range and Gauss quadrature stays accurate (Paige 1976; Greenbaum 1989;
    /// Knizhnerman 1996).</summary>
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
                if (Math.Abs(t) > SqrtEps)
                {
                    if (k >= j + 1 - StoredRows(j)) triggered = true;
                    else LostSemiOrthogonalityAt ??= j + 1;
                }
            }
        }
        next[j] = _omegaFloor;
        next[j + 1] = 1.0;
        _reorthogonalizeNext = false;
        // Once semi-orthogonality to an evicted vector is lost it cannot be restored, and projecting against the window
        // would then remove O(1) components the recurrence does not account for (β_{j−1} ≠ q_{j−1}ᵀAq_j), which measured
        // as Ritz values far outside the spectrum; the plain recurrence is stable in Paige's sense instead, so it takes over.
        if (LostSemiOrthogonalityAt is not null) triggered = forced = false;
        if ((triggered || forced) && j > 0)
        {
            OrthogonalizeAgainstBasis(w, j);
            OrthogonalizeAgainstBasis(w, j);
            beta = w.norm().item<double>();
            for (int k = j + 1 - StoredRows(j); k <= j; k++) next[k] = _omegaFloor;
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

    /// <summary>A copy of the basis rows q_0..q_{m−1} as float64 [m, n] (caller owns), or null if not stored in full.</summary>
    public Tensor? CopyBasis()
    {
        if (!_storeBasis || _window is not null) return null;
        using var scope = NewDisposeScope();
        return _basis!.Rows(Steps).DetachFromDisposeScope();
    }

    /// <summary>Qᵀ S for S [m, r] (m = <see cref="Steps"/>): Ritz vectors from the stored basis without copying it; the
    /// caller's dispose scope owns the result.</summary>
    public Tensor CombineBasis(Tensor s)
    {
        if (!_storeBasis || _window is not null)
            throw new InvalidOperationException("Ritz vectors need the whole Lanczos basis: it was not stored (no reorthogonalization, or a bounded window)");
        return _basis!.Combine(s, Steps);
    }

    public void Dispose()
    {
        _basis?.Dispose();
        _qPrev?.Dispose();
        _qCur?.Dispose();
    }
}
