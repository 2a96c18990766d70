using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Estimators;

/// <summary>Options of an SLQ run.</summary>
/// <param name="Probes">Number of probe vectors n_v. Default 10 (Ghorbani et al. 2019, §2: 10 draws).</param>
/// <param name="Steps">Lanczos steps m per probe. Default 90 (Ghorbani et al. 2019, §2: 90 steps).</param>
/// <param name="Distribution">Probe distribution; Rademacher by default (lower variance for the trace:
/// Hutchinson 1989).</param>
/// <param name="Reorthogonalization">Default full: Gauss quadrature wants an orthogonal basis.</param>
/// <param name="ProbeBlock">How many probes run their recurrences in lockstep, sharing one block product per step
/// (1 ≤ b ≤ <paramref name="Probes"/>); null chooses <see cref="StochasticLanczosQuadrature.AutomaticProbeBlock"/>, a
/// function of n and these options only. The width changes only the operator's round-off, never the draws.</param>
/// <param name="Basis">Where and in what precision each probe's Krylov basis is kept (null = float64 in memory; see
/// <see cref="BasisStorage"/>).</param>
/// <param name="MaxStoredVectors">With selective reorthogonalization, keep only this many basis vectors per probe
/// (<see cref="LanczosOptions.MaxStoredVectors"/>); null = all.</param>
public sealed record SlqOptions(int Probes = 10, int Steps = 90, ProbeDistribution Distribution = ProbeDistribution.Rademacher,
                                Reorthogonalization Reorthogonalization = Reorthogonalization.Full, int? ProbeBlock = null,
                                BasisStorage? Basis = null, int? MaxStoredVectors = null);

/// <summary>The raw outcome of SLQ: nodes and weights per probe (so densities can be re-smoothed) and the
/// spectral moments they imply, each with a standard error across probes.</summary>
/// <param name="Size">n.</param>
/// <param name="Steps">Lanczos steps actually run per probe (shorter after a breakdown).</param>
/// <param name="Nodes">Ritz values θ_{l,i} per probe l.</param>
/// <param name="Weights">Quadrature weights τ_{l,i} = s_{1i}² per probe (sum to 1).</param>
/// <param name="Trace">tr(A) ≈ n·Σ τθ.</param>
/// <param name="FrobeniusSquared">‖A‖_F² = tr(A²) ≈ n·Σ τθ².</param>
/// <param name="Nuclear">‖A‖_* = tr|A| ≈ n·Σ τ|θ|.</param>
/// <param name="Options">The options used.</param>
/// <param name="ProbeBlock">Probes that ran in lockstep (the block width actually used: <see cref="SlqOptions.ProbeBlock"/>
/// or, when that is null, <see cref="StochasticLanczosQuadrature.AutomaticProbeBlock"/>).</param>
public sealed record SlqResult(long Size, int[] Steps, double[][] Nodes, double[][] Weights,
                               SpectralMoment Trace, SpectralMoment FrobeniusSquared, SpectralMoment Nuclear, SlqOptions Options,
                               int ProbeBlock)
{
    /// <summary>The density on a grid with the chosen smoothing (see <see cref="SpectralDensity.FromQuadrature"/>).</summary>
    public SpectralDensity Density(DensitySmoothing smoothing = DensitySmoothing.GhorbaniVariance, int points = SpectralDensity.DefaultPoints,
                                   bool logScale = false, double epsilon = SpectralDensity.DefaultLogEpsilon,
                                   (double Low, double High)? range = null) =>
        SpectralDensity.FromQuadrature(Nodes, Weights, Options.Steps, smoothing, points, logScale, epsilon, range);

    /// <summary>n·E[Σ τ f(θ)], the SLQ estimate of tr f(A) for any f, with its standard error.</summary>
    public SpectralMoment TraceOf(Func<double, double> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var samples = new double[Nodes.Length];
        for (int l = 0; l < Nodes.Length; l++)
        {
            double s = 0;
            for (int i = 0; i < Nodes[l].Length; i++) s += Weights[l][i] * f(Nodes[l][i]);
            samples[l] = Size * s;
        }
        return SpectralMoment.FromSamples(samples);
    }
}

/// <summary>
/// Stochastic Lanczos quadrature: for a probe v, vᵀf(A)v/‖v‖² = Σᵢ τᵢ f(θᵢ) + O(Gauss-quadrature error)
/// with θ, τ from m Lanczos steps started at v (Golub &amp; Meurant 2010, Thm 6.4; Ubaru, Chen &amp; Saad 2017);
/// averaging over probes gives tr f(A)/n and the spectral density (Lin, Saad &amp; Yang 2016;
/// Ghorbani, Krishnan &amp; Xiao 2019, §2). Probes are normalised, so the estimate is the spherical
/// form n·E[qᵀf(A)q], unbiased for both Rademacher and Gaussian directions.
/// </summary>
/// <remarks>
/// Probes run in groups of b (<see cref="SlqOptions.ProbeBlock"/>) whose recurrences advance in lockstep: each step
/// multiplies one block [n, b′] of the current vectors of the recurrences still running (b′ ≤ b shrinks as recurrences
/// break down), so a network operator shares its forward pass and first backward pass across the b′ columns. The
/// recurrences are independent (each is the single-probe recurrence), the probes are drawn one by one in probe order as
/// in a sequential run, so the block width changes nothing but the operator's own round-off: for an operator whose block
/// columns equal its single products bit for bit the result is bit-identical for every width.
/// </remarks>
public static class StochasticLanczosQuadrature
{
    /// <summary>Stage name under which <see cref="Run"/> saves its state in an <see cref="IEstimatorCheckpoint"/>.</summary>
    public const string Stage = "slq";

    /// <summary>Memory the automatic probe block may give to the Krylov bases held at once: 1 GiB. A group of b probes
    /// keeps b float64 bases of (m + 1) rows of n alongside each other (b copies where a sequential run keeps one), so
    /// the width is capped by memory, not only by the probe count; 1 GiB is a small share of a workstation or CI runner
    /// and still lets all 10 probes × 90 steps run side by side up to n ≈ 147,000 parameters (2³⁰ / (10·91·8)). A constant, not the
    /// free memory, so the same configuration gives the same width — and the same numbers — on every machine.</summary>
    public const long ProbeBlockBudgetBytes = 1L << 30;

    /// <summary>The automatic probe block: the largest b ≤ <see cref="SlqOptions.Probes"/> with
    /// b·rows·n·8 bytes ≤ <see cref="ProbeBlockBudgetBytes"/>, at least 1, where rows = min(m + 1, n + 1) for a stored
    /// basis (Full or Selective reorthogonalization) and 2 otherwise (the last two vectors). Depends on n and the options
    /// only.</summary>
    public static int AutomaticProbeBlock(long size, SlqOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        ArgumentNullException.ThrowIfNull(options);
        long rows = options.Reorthogonalization == Reorthogonalization.None ? 2
                  : options.MaxStoredVectors is int window ? window + 3L
                  : Math.Min(size + 1, Math.Max(options.Steps + 1L, 2));
        long perProbe = rows * size * (options.Basis ?? BasisStorage.Default).BytesPerEntry;
        return (int)Math.Clamp(ProbeBlockBudgetBytes / perProbe, 1, Math.Max(options.Probes, 1));
    }

    /// <summary>The options as far as they change numbers: the block width is checked on its own, and of the basis only its
    /// precision matters (a float64 basis on disk is bit-identical to one in memory).</summary>
    static SlqOptions Comparable(SlqOptions o) =>
        o with { ProbeBlock = null, Basis = o.Basis is { Precision: not BasisPrecision.Float64 } b ? new BasisStorage(b.Precision) : null };

    /// <summary>The block width a run with these options uses: <see cref="SlqOptions.ProbeBlock"/>, or
    /// <see cref="AutomaticProbeBlock"/> when that is null.</summary>
    public static int ProbeBlockOf(long size, SlqOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.ProbeBlock ?? AutomaticProbeBlock(size, options);
    }

    /// <summary>Runs SLQ with probes drawn from <paramref name="generator"/>, in groups of
    /// <see cref="ProbeBlockOf"/> probes advanced in lockstep. With a <paramref name="checkpoint"/> the run resumes from
    /// the state saved for <see cref="Stage"/> (finished probes, every recurrence of the group in progress and the
    /// generator) and saves at its start, every interval of products (a block of b′ columns counts b′), after each group,
    /// on cancellation and at its end; the result is bit-identical to an uninterrupted run. A state saved with another
    /// block width is refused (<see cref="ArgumentException"/>): the width changes the round-off of the block products,
    /// so no continuation with another width could match either uninterrupted run. <paramref name="cancellation"/> is
    /// checked between products (<see cref="OperationCanceledException"/> after the state is saved).</summary>
    public static SlqResult Run(ILinearOperator a, SlqOptions options, Generator generator,
                                IEstimatorCheckpoint? checkpoint = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(generator);
        if (options.Probes < 1) throw new ArgumentOutOfRangeException(nameof(options), $"SLQ needs at least one probe; got {options.Probes}");
        if (options.ProbeBlock is { } given && (given < 1 || given > options.Probes))
            throw new ArgumentOutOfRangeException(nameof(options), $"the probe block must be between 1 and the number of probes ({options.Probes}); got {given}");
        using var session = ProductSession.Begin(a);   // the network graphs are built once for all the products below
        var lanczos = new LanczosOptions(options.Steps, options.Reorthogonalization, Basis: options.Basis, MaxStoredVectors: options.MaxStoredVectors);
        Lanczos.Validate(a, lanczos);
        int width = ProbeBlockOf(a.Size, options);

        var nodes = new List<double[]>(options.Probes);
        var weights = new List<double[]>(options.Probes);
        var steps = new List<int>(options.Probes);
        long products = 0;
        LanczosState[] pending = [];
        var schedule = new CheckpointSchedule(checkpoint, Stage, cancellation);
        var loaded = schedule.Load();
        if (loaded is not null)
        {
            var saved = CheckpointSchedule.As<SlqState>(loaded, Stage);
            CheckpointSchedule.RequireSame(Stage, "n", saved.Size, a.Size);
            CheckpointSchedule.RequireSame(Stage, "options", Comparable(saved.Options), Comparable(options));
            if (saved.ProbeBlock != width)
                throw new ArgumentException($"the checkpoint's '{Stage}' state was made with probes in blocks of {saved.ProbeBlock}; this run uses blocks of {width}. "
                                            + "The block width changes the round-off of the products, so the run cannot continue bit-identically: "
                                            + $"resume with a probe block of {saved.ProbeBlock}");
            int finished = saved.Nodes.Length;
            if (saved.Weights.Length != finished || saved.Steps.Length != finished || finished > options.Probes
                || (saved.Group.Length > 0 && saved.Group.Length != Math.Min(width, options.Probes - finished)))
                throw new ArgumentException($"the checkpoint's '{Stage}' state holds {finished} probes' nodes, {saved.Weights.Length} weights, {saved.Steps.Length} step counts "
                                            + $"and a group of {saved.Group.Length} recurrences for {options.Probes} probes in blocks of {width}");
            GeneratorStates.Restore(generator, saved.GeneratorState);
            nodes.AddRange(saved.Nodes);
            weights.AddRange(saved.Weights);
            steps.AddRange(saved.Steps);
            pending = saved.Group;
            products = saved.Steps.Sum(s => (long)s);
        }
        SlqState Between() => new(a.Size, options, width, steps.ToArray(), nodes.ToArray(), weights.ToArray(), [], products, GeneratorStates.Capture(generator));
        if (loaded is null) schedule.Save(Between);

        while (nodes.Count < options.Probes)
        {
            var group = new List<LanczosProcess>(width);
            try
            {
                if (pending.Length > 0)
                {
                    foreach (var state in pending) group.Add(new LanczosProcess(a, state, lanczos, null));
                    pending = [];
                }
                else
                {
                    schedule.StopIfCancelled(Between);
                    // Each probe drawn on its own, in probe order: the generator's sequence is that of a sequential run.
                    for (int i = 0, size = Math.Min(width, options.Probes - nodes.Count); i < size; i++)
                    {
                        using var draw = NewDisposeScope();
                        group.Add(new LanczosProcess(a, RandomVectors.Draw(a.Size, 1, options.Distribution, generator).squeeze(1), lanczos, null));
                    }
                }
                SlqState InGroup() => new(a.Size, options, width, steps.ToArray(), nodes.ToArray(), weights.ToArray(), group.Select(p => p.Capture()).ToArray(),
                                          products + group.Sum(p => (long)p.Steps), GeneratorStates.Capture(generator));
                RunInLockstep(a, group, options.Steps, () => schedule.StopIfCancelled(InGroup), count => schedule.Count(count, InGroup));
                foreach (var process in group)
                {
                    using var run = Lanczos.Snapshot(process, a.Size, options.Reorthogonalization, copyBasis: false);
                    nodes.Add(run.RitzValues);
                    weights.Add(run.Weights);
                    steps.Add(run.Steps);
                    products += run.Steps;
                }
            }
            finally
            {
                foreach (var process in group) process.Dispose();
            }
            schedule.Save(Between);
        }
        var result = new SlqResult(a.Size, steps.ToArray(), nodes.ToArray(), weights.ToArray(), null!, null!, null!, options, width);
        return result with
        {
            Trace = result.TraceOf(x => x),
            FrobeniusSquared = result.TraceOf(x => x * x),
            Nuclear = result.TraceOf(Math.Abs),
        };
    }

    /// <summary>Advances the recurrences of <paramref name="group"/> to <paramref name="steps"/> steps each (or until they
    /// stop), one block product per step over those still running. <paramref name="beforeProduct"/> and
    /// <paramref name="afterProduct"/> (given the columns multiplied) run between products, where every recurrence is
    /// at a step boundary.</summary>
    static void RunInLockstep(ILinearOperator a, List<LanczosProcess> group, int steps, Action beforeProduct, Action<int> afterProduct)
    {
        while (true)
        {
            var active = group.Where(p => p.CanStep && p.Steps < steps).ToList();
            if (active.Count == 0) return;
            beforeProduct();
            using (var scope = NewDisposeScope())
            {
                if (active.Count == 1)
                {
                    // One column: the product of the vector itself, exactly as a sequential run computes it.
                    active[0].Advance(a.Multiply(active[0].Current));
                }
                else
                {
                    var product = a.Multiply(stack(active.Select(p => p.Current), 1));
                    // Each column as its own contiguous tensor, laid out like a single product's result, so the
                    // recurrence's reductions see the same memory layout whatever the width.
                    for (int i = 0; i < active.Count; i++) active[i].Advance(product[.., i].contiguous());
                }
            }
            afterProduct(active.Count);
        }
    }
}
