namespace Curvature.Estimators;

/// <summary>The resumable state of one estimator stage: plain data, owned by nobody, safe to keep.</summary>
/// <param name="Products">Products with the operator (a block of k counts k) the stage had spent when the state was
/// taken; a resumed run does not repeat them, so callers add them to their own count.</param>
/// <param name="GeneratorState">The random generator's state at that moment (<c>torch.Generator.get_state()</c> bytes),
/// restored on resume so the remaining draws are those of an uninterrupted run.</param>
public abstract record EstimatorState(long Products, byte[] GeneratorState);

/// <summary>The state of a <see cref="TopEigenpairs.Compute"/> run: in progress (<paramref name="Lanczos"/> set) or
/// finished (<paramref name="Result"/> set).</summary>
/// <param name="Size">n.</param>
/// <param name="K">Eigenpairs wanted.</param>
/// <param name="Order">Which end of the spectrum.</param>
/// <param name="RelativeTolerance">Residual tolerance of the run.</param>
/// <param name="Limit">Maximum steps of the run.</param>
/// <param name="NextCheck">Step count at which the run next checks convergence (the end of the current chunk).</param>
/// <param name="Lanczos">The recurrence, while the run is in progress.</param>
/// <param name="Result">The eigenpairs, once the run has finished.</param>
/// <param name="Products">See <see cref="EstimatorState.Products"/>.</param>
/// <param name="GeneratorState">See <see cref="EstimatorState.GeneratorState"/>.</param>
public sealed record TopEigenpairsState(long Size, int K, EigenvalueOrder Order, double RelativeTolerance, int Limit, int NextCheck,
                                        LanczosState? Lanczos, EigenpairsData? Result, long Products, byte[] GeneratorState)
    : EstimatorState(Products, GeneratorState);

/// <summary>Finished eigenpairs as plain data (see <see cref="Eigenpairs"/>).</summary>
/// <param name="Values">Eigenvalue estimates in the requested order.</param>
/// <param name="Vectors">Eigenvectors [n, k], row-major float64.</param>
/// <param name="Residuals">True residual norms.</param>
/// <param name="Converged">Whether each pair met the tolerance.</param>
/// <param name="Products">Products the solver spent.</param>
/// <param name="Method">The solver's description.</param>
public sealed record EigenpairsData(double[] Values, double[] Vectors, double[] Residuals, bool[] Converged, int Products, string Method);

/// <summary>The state of a <see cref="StochasticLanczosQuadrature.Run"/>: the finished probes' quadrature and, inside a
/// group of probes running in lockstep, every recurrence of that group (each one's start vector is row 0 of its basis;
/// the generator has already drawn the whole group).</summary>
/// <param name="Size">n.</param>
/// <param name="Options">The run's options.</param>
/// <param name="ProbeBlock">The block width the run used (resolved: never null); a run with another width refuses the state.</param>
/// <param name="Steps">Lanczos steps of each finished probe.</param>
/// <param name="Nodes">Ritz values of each finished probe.</param>
/// <param name="Weights">Quadrature weights of each finished probe.</param>
/// <param name="Group">The recurrences of the group in progress — probes Nodes.Length, Nodes.Length + 1, … in order,
/// finished ones (stopped, or at m steps) included — or empty between groups.</param>
/// <param name="Products">See <see cref="EstimatorState.Products"/>.</param>
/// <param name="GeneratorState">See <see cref="EstimatorState.GeneratorState"/>.</param>
public sealed record SlqState(long Size, SlqOptions Options, int ProbeBlock, int[] Steps, double[][] Nodes, double[][] Weights, LanczosState[] Group,
                              long Products, byte[] GeneratorState)
    : EstimatorState(Products, GeneratorState);

/// <summary>The state of a <see cref="HutchPlusPlus.Estimate"/> run: started (<paramref name="Result"/> null: the
/// generator's state at the start, from which the run is repeated — it costs only its budget of products) or finished.</summary>
/// <param name="Size">n.</param>
/// <param name="Matvecs">The budget m.</param>
/// <param name="Distribution">Probe distribution.</param>
/// <param name="BlockSize">Columns per product block.</param>
/// <param name="Result">The estimate, once finished.</param>
/// <param name="Products">See <see cref="EstimatorState.Products"/>.</param>
/// <param name="GeneratorState">See <see cref="EstimatorState.GeneratorState"/>.</param>
public sealed record HutchPlusPlusState(long Size, int Matvecs, ProbeDistribution Distribution, int BlockSize, TraceEstimate? Result,
                                        long Products, byte[] GeneratorState)
    : EstimatorState(Products, GeneratorState);
