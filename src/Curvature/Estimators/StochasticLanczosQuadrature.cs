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
public sealed record SlqOptions(int Probes = 10, int Steps = 90, ProbeDistribution Distribution = ProbeDistribution.Rademacher,
                                Reorthogonalization Reorthogonalization = Reorthogonalization.Full);

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
public sealed record SlqResult(long Size, int[] Steps, double[][] Nodes, double[][] Weights,
                               SpectralMoment Trace, SpectralMoment FrobeniusSquared, SpectralMoment Nuclear, SlqOptions Options)
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
public static class StochasticLanczosQuadrature
{
    /// <summary>Stage name under which <see cref="Run"/> saves its state in an <see cref="IEstimatorCheckpoint"/>.</summary>
    public const string Stage = "slq";

    /// <summary>Runs SLQ with probes drawn from <paramref name="generator"/>. With a <paramref name="checkpoint"/> the run
    /// resumes from the state saved for <see cref="Stage"/> (finished probes, the probe in progress and the generator) and
    /// saves at its start, every interval of products, after each probe, on cancellation and at its end; the result is
    /// bit-identical to an uninterrupted run. <paramref name="cancellation"/> is checked between products
    /// (<see cref="OperationCanceledException"/> after the state is saved).</summary>
    public static SlqResult Run(ILinearOperator a, SlqOptions options, Generator generator,
                                IEstimatorCheckpoint? checkpoint = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(generator);
        if (options.Probes < 1) throw new ArgumentOutOfRangeException(nameof(options), $"SLQ needs at least one probe; got {options.Probes}");
        var lanczos = new LanczosOptions(options.Steps, options.Reorthogonalization);
        Lanczos.Validate(a, lanczos);

        var nodes = new List<double[]>(options.Probes);
        var weights = new List<double[]>(options.Probes);
        var steps = new List<int>(options.Probes);
        long products = 0;
        LanczosState? current = null;
        var schedule = new CheckpointSchedule(checkpoint, Stage, cancellation);
        var loaded = schedule.Load();
        if (loaded is not null)
        {
            var saved = CheckpointSchedule.As<SlqState>(loaded, Stage);
            CheckpointSchedule.RequireSame(Stage, "n", saved.Size, a.Size);
            CheckpointSchedule.RequireSame(Stage, "options", saved.Options, options);
            if (saved.Nodes.Length != saved.Weights.Length || saved.Nodes.Length != saved.Steps.Length || saved.Nodes.Length > options.Probes
                || (saved.Current is not null && saved.Nodes.Length == options.Probes))
                throw new ArgumentException($"the checkpoint's '{Stage}' state holds {saved.Nodes.Length} probes' nodes, {saved.Weights.Length} weights and {saved.Steps.Length} step counts for {options.Probes} probes");
            GeneratorStates.Restore(generator, saved.GeneratorState);
            nodes.AddRange(saved.Nodes);
            weights.AddRange(saved.Weights);
            steps.AddRange(saved.Steps);
            current = saved.Current;
            products = saved.Steps.Sum(s => (long)s);
        }
        SlqState Between() => new(a.Size, options, steps.ToArray(), nodes.ToArray(), weights.ToArray(), null, products, GeneratorStates.Capture(generator));
        if (loaded is null) schedule.Save(Between);

        while (nodes.Count < options.Probes)
        {
            using var scope = NewDisposeScope();
            LanczosProcess process;
            if (current is not null)
            {
                process = new LanczosProcess(a, current, lanczos, null);
                current = null;
            }
            else
            {
                schedule.StopIfCancelled(Between);
                var probe = RandomVectors.Draw(a.Size, 1, options.Distribution, generator).squeeze(1);
                process = new LanczosProcess(a, probe, lanczos, null);
            }
            using (process)
            {
                SlqState InProbe() => new(a.Size, options, steps.ToArray(), nodes.ToArray(), weights.ToArray(), process.Capture(),
                                          products + process.Steps, GeneratorStates.Capture(generator));
                process.Extend(options.Steps - process.Steps, () => schedule.StopIfCancelled(InProbe), () => schedule.Count(1, InProbe));
                using var run = Lanczos.Snapshot(process, a.Size, options.Reorthogonalization, copyBasis: false);
                nodes.Add(run.RitzValues);
                weights.Add(run.Weights);
                steps.Add(run.Steps);
                products += run.Steps;
            }
            schedule.Save(Between);
        }
        var result = new SlqResult(a.Size, steps.ToArray(), nodes.ToArray(), weights.ToArray(), null!, null!, null!, options);
        return result with
        {
            Trace = result.TraceOf(x => x),
            FrobeniusSquared = result.TraceOf(x => x * x),
            Nuclear = result.TraceOf(Math.Abs),
        };
    }
}
