using Curvature.Analysis;
using Curvature.Estimators;
using Curvature.Theory;
using Curvature.Training;

namespace Curvature.Study;

/// <summary>
/// Everything a BatchNorm study measured: paired training runs that differ only in normalisation, the curvature at
/// each checkpoint of each, the init-scale sweep, the checkpoints matched by training loss, and the linear-neuron
/// theory on the same inputs. Plain data: the CLI writes it as JSON (snake_case) and CSV, the report draws it.
/// </summary>
/// <param name="Arms">The main arms (norm none, batch, …), in the order requested.</param>
/// <param name="InitSweep">The init-scale sweep runs (empty when not requested).</param>
/// <param name="MatchedLossTarget">The training loss at which densities are compared: the largest final analysis
/// loss among the arms, i.e. a loss every arm reaches.</param>
/// <param name="Matched">Per arm, the checkpoint whose analysis loss is closest to <paramref name="MatchedLossTarget"/>.</param>
/// <param name="Linear">The linear-neuron lab on the analysis inputs (the one-layer theory), or null.</param>
/// <param name="WallSeconds">Wall-clock time of the whole study.</param>
public sealed record StudyResult(
    ArmResult[] Arms,
    SweepRun[] InitSweep,
    double MatchedLossTarget,
    MatchedCheckpoint[] Matched,
    LinearLabResult? Linear,
    double WallSeconds);

/// <summary>One training run of the study and its measurements.</summary>
/// <param name="Name">The arm's name ("none", "batch", "centered", "layer", "population").</param>
/// <param name="Norm">The model's normalisation ("none", "batch", "centered", "layer", "group").</param>
/// <param name="LearningRate">η used (constant unless the schedule says otherwise).</param>
/// <param name="InitScale">Weight scale after the default initialisation.</param>
/// <param name="TrainingStatistics">BatchNorm statistics during training: "batch" (each mini-batch's) or
/// "population" (a fixed subset's, refreshed every R steps); "none" without BatchNorm.</param>
/// <param name="AnalysisMode">The BatchNorm mode of the curvature operator: "train" (the analysis subset as one batch)
/// or "population"; it matches how the arm trains.</param>
/// <param name="NumParams">Trainable parameters.</param>
/// <param name="History">Per-step mini-batch loss/accuracy and held-out evaluations.</param>
/// <param name="Checkpoints">Measurements at each checkpoint step, ascending.</param>
public sealed record ArmResult(
    string Name,
    string Norm,
    double LearningRate,
    double InitScale,
    string TrainingStatistics,
    string AnalysisMode,
    long NumParams,
    TrainingHistory History,
    CheckpointResult[] Checkpoints);

/// <summary>The measurements of one arm at one checkpoint.</summary>
/// <param name="Step">Updates done.</param>
/// <param name="AnalysisAccuracy">Accuracy on the analysis subset in the analysis mode.</param>
/// <param name="Curvature">Top-K, λ₁/λ_K, f_K (full-batch and mini-batch), gᵀHg/‖g‖², trace (Hutch++) and the analysis
/// loss (<see cref="CurvatureReport.Loss"/>) of the Hessian in the arm's analysis mode; no density.</param>
/// <param name="Layers">Top eigenvalue of each layer's Hessian block (empty when not measured).</param>
/// <param name="Smoothness">Loss and gradient along the gradient direction (Santurkar et al. 2018), or null.</param>
/// <param name="BatchNormModes">For BatchNorm arms at the density checkpoints: the same Hessian with BatchNorm in the other
/// modes (eval: running statistics; population: statistics of the population subset; train); empty otherwise.</param>
/// <param name="Density">The SLQ spectral density, measured at the selected checkpoints (matched loss, last), else null.</param>
public sealed record CheckpointResult(
    int Step,
    double AnalysisAccuracy,
    CurvatureReport Curvature,
    LayerCurvature[] Layers,
    SmoothnessReport? Smoothness,
    CurvatureReport[] BatchNormModes,
    DensityMeasurement? Density);

/// <summary>The top eigenvalue of one layer's diagonal Hessian block (the Hessian restricted to that layer's
/// parameters, others fixed).</summary>
/// <param name="Layer">The layer's module name (e.g. "1" for the first Linear of an MLP).</param>
/// <param name="Parameters">The parameter names in the block.</param>
/// <param name="Size">Parameters in the block.</param>
/// <param name="TopEigenvalue">λ₁ of the block.</param>
/// <param name="Residual">‖H_b v − λ₁ v‖.</param>
/// <param name="Converged">Whether the residual met the tolerance.</param>
/// <param name="Products">Block–vector products spent.</param>
public sealed record LayerCurvature(string Layer, string[] Parameters, long Size, double TopEigenvalue, double Residual, bool Converged, long Products);

/// <summary>
/// Santurkar et al. 2018 ("How Does Batch Normalization Help Optimization?", §3.1, Fig. 4): the loss and the
/// gradient along the (full-batch, analysis-subset) gradient direction, θ(η) = θ − η g, for step sizes η.
/// </summary>
/// <param name="StepSizes">η values (ascending, &gt; 0).</param>
/// <param name="Loss">L(θ − η g) for each η.</param>
/// <param name="GradientChange">‖∇L(θ − η g) − ∇L(θ)‖ for each η.</param>
/// <param name="Loss0">L(θ).</param>
/// <param name="GradientNorm">‖g‖ = ‖∇L(θ)‖.</param>
/// <param name="LossVariation">max − min of L over {θ} ∪ {θ − η g} ("variation of the loss").</param>
/// <param name="GradientPredictiveness">max over η of ‖∇L(θ − η g) − ∇L(θ)‖ (ℓ₂ change of the gradient; smaller =
/// more predictive).</param>
/// <param name="EffectiveBeta">max over η of ‖∇L(θ − η g) − ∇L(θ)‖ / (η‖g‖) ("effective β-smoothness").</param>
public sealed record SmoothnessReport(
    double[] StepSizes,
    double[] Loss,
    double[] GradientChange,
    double Loss0,
    double GradientNorm,
    double LossVariation,
    double GradientPredictiveness,
    double EffectiveBeta);

/// <summary>An SLQ spectral density of the Hessian at one checkpoint.</summary>
/// <param name="Probes">Rademacher probes.</param>
/// <param name="LanczosSteps">Lanczos steps per probe.</param>
/// <param name="LogDensity">Density of ln(|λ| + ε) (Papyan's smoothing).</param>
/// <param name="LinearDensity">Gaussian-smoothed density on a linear grid.</param>
/// <param name="Trace">tr(H) by SLQ.</param>
/// <param name="TraceStderr">Its standard error.</param>
/// <param name="NegativeMassShare">Σ_{λ&lt;0}|λ| / Σ|λ| by SLQ.</param>
/// <param name="Products">Hessian–vector products spent.</param>
public sealed record DensityMeasurement(
    int Probes,
    int LanczosSteps,
    SpectralDensity LogDensity,
    SpectralDensity LinearDensity,
    double Trace,
    double TraceStderr,
    double NegativeMassShare,
    long Products);

/// <summary>One run of the init-scale sweep: λmax and the loss over training at one initial weight scale.</summary>
/// <param name="Arm">The arm it varies ("none" or "batch").</param>
/// <param name="InitScale">Weight scale s (weights × s after the default initialisation).</param>
/// <param name="LearningRate">η (the arm's).</param>
/// <param name="History">The training history.</param>
/// <param name="Steps">Checkpoint steps.</param>
/// <param name="LambdaMax">λ₁ of the Hessian (arm's analysis mode) at each checkpoint.</param>
/// <param name="Loss">Analysis-subset loss at each checkpoint.</param>
public sealed record SweepRun(string Arm, double InitScale, double LearningRate, TrainingHistory History, int[] Steps, double[] LambdaMax, double[] Loss);

/// <summary>The checkpoint of one arm whose analysis loss is closest to the matched target.</summary>
/// <param name="Arm">Arm name.</param>
/// <param name="Step">The checkpoint step.</param>
/// <param name="Loss">Its analysis loss.</param>
public sealed record MatchedCheckpoint(string Arm, int Step, double Loss);
