using System.Diagnostics;
using Curvature.Analysis;
using Curvature.Estimators;
using Curvature.Models;
using Curvature.Operators;
using Curvature.Theory;
using Curvature.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Study;

/// <summary>
/// The BatchNorm study: paired training runs that differ only in normalisation (same seed, initial weights of the shared
/// layers, data order and schedule), with the Hessian of the loss on a fixed analysis subset measured at checkpoints
/// through training — top-K eigenvalues, λ₁/λ_K, the gradient's concentration f_K, gᵀHg/‖g‖², the trace, each layer's
/// block, smoothness along the gradient — then SLQ densities at matched training loss and at the end, the BatchNorm-mode
/// comparison (train vs eval vs population statistics), an init-scale sweep, and the linear-neuron theory on the same
/// inputs. Ghorbani, Krishnan &amp; Xiao 2019 (§3–4); Santurkar et al. 2018 (§3.1); LeCun et al. 1998 (§4.3, §5).
/// </summary>
/// <remarks>Every probe draws its random vectors from a fresh generator seeded with the study seed, so any checkpoint's
/// numbers are reproduced by <c>curvature hessian --weights CHECKPOINT --seed SEED</c> with the same settings. The library is
/// silent: progress goes to the caller's <see cref="IProgress{T}"/>, checkpoints to <c>onCheckpoint</c>.</remarks>
public static class BatchNormStudy
{
    /// <summary>Runs the study.</summary>
    /// <param name="data">Training, held-out, analysis and population data.</param>
    /// <param name="options">Arms, training, checkpoints and measurement settings.</param>
    /// <param name="buildModel">A fresh model with the given normalisation and init scale, in the data's dtype, initialised
    /// from the same seed every time (so paired arms share their initial weights).</param>
    /// <param name="seed">Seed of every probe's random vectors.</param>
    /// <param name="progress">Progress per stage.</param>
    /// <param name="onCheckpoint">Called with (arm, step, model) at each checkpoint of each main arm, before its analysis —
    /// e.g. to save the weights; the model must not be kept or changed.</param>
    public static StudyResult Run(StudyData data, StudyOptions options, Func<NormKind, double, nn.Module<Tensor, Tensor>> buildModel, ulong seed,
                                  IProgress<ProbeProgress>? progress = null, Action<string, int, nn.Module<Tensor, Tensor>>? onCheckpoint = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(buildModel);
        data.Validate();
        options.Validate();
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        using var analysis = new NetworkData(data.TrainInputs.narrow(0, 0, data.AnalysisSamples), data.TrainLabels.narrow(0, 0, data.AnalysisSamples));
        using var population = new NetworkData(data.TrainInputs.narrow(0, 0, data.PopulationSamples), data.TrainLabels.narrow(0, 0, data.PopulationSamples));
        var context = new Context(data, options, analysis, population, seed, progress);

        var runs = new List<ArmRun>();
        try
        {
            foreach (var arm in options.Arms)
                runs.Add(TrainAndMeasure(context, arm, buildModel(arm.Norm, 1.0), onCheckpoint));

            double target = runs.Max(r => r.Checkpoints[^1].Curvature.Loss);
            var matched = runs.Select(r => Closest(r, target)).ToArray();
            MeasureSelected(context, runs, matched);

            var sweep = Sweep(context, runs, buildModel);
            var linear = LinearTheory(data);
            var arms = runs.Select(r => r.Result()).ToArray();
            return new StudyResult(arms, sweep, target, matched, linear, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            foreach (var run in runs) run.Dispose();
        }
    }

    sealed record Context(StudyData Data, StudyOptions Options, NetworkData Analysis, NetworkData Population, ulong Seed, IProgress<ProbeProgress>? Progress)
    {
        public LossKind Loss => Options.Training.Loss;
    }

    /// <summary>A trained arm: its model at the end, a snapshot of each checkpoint, and the measurements.</summary>
    sealed class ArmRun(StudyArm arm, nn.Module<Tensor, Tensor> model, TrainingHistory history, List<CheckpointResult> checkpoints,
                        Dictionary<int, ModelSnapshot> snapshots) : IDisposable
    {
        public StudyArm Arm { get; } = arm;
        public nn.Module<Tensor, Tensor> Model { get; } = model;
        public List<CheckpointResult> Checkpoints { get; } = checkpoints;
        public Dictionary<int, ModelSnapshot> Snapshots { get; } = snapshots;
        public TrainingHistory History { get; } = history;

        public ArmResult Result() => new(Arm.Name, Arm.Norm.ToString().ToLowerInvariant(), Arm.LearningRate, 1.0,
            Arm.Norm != NormKind.Batch ? "none" : Arm.PopulationStatistics ? "population" : "batch",
            AnalysisMode(Arm).ToString().ToLowerInvariant(), ParameterSet.Select(Model).Size, History, Checkpoints.ToArray());

        public void Dispose()
        {
            foreach (var s in Snapshots.Values) s.Dispose();
            Model.Dispose();
        }
    }

    /// <summary>The BatchNorm mode the arm trains in, hence the one its Hessian is analysed in.</summary>
    static BatchNormMode AnalysisMode(StudyArm arm) => arm.PopulationStatistics ? BatchNormMode.Population : BatchNormMode.Train;

    static TrainingOptions TrainingFor(StudyOptions options, StudyArm arm) => options.Training with
    {
        LearningRate = arm.LearningRate,
        CheckpointSteps = options.CheckpointSteps.ToArray(),
        PopulationRefreshEvery = arm.PopulationStatistics ? options.PopulationRefreshEvery : 0,
    };

    static ArmRun TrainAndMeasure(Context c, StudyArm arm, nn.Module<Tensor, Tensor> model, Action<string, int, nn.Module<Tensor, Tensor>>? onCheckpoint)
    {
        var checkpoints = new List<CheckpointResult>();
        var snapshots = new Dictionary<int, ModelSnapshot>();
        string stage = $"{arm.Name}: train {c.Options.Training.Steps} steps, analyse {c.Options.CheckpointSteps.Count} checkpoints";
        int total = StudyProgress.RunUnits(c.Options.CheckpointSteps.Count), steps = c.Options.Training.Steps;
        try
        {
            using var trainer = new Trainer(model, TrainingFor(c.Options, arm), c.Data.TrainInputs, c.Data.TrainLabels, c.Data.HeldOutInputs, c.Data.HeldOutLabels,
                                            arm.PopulationStatistics ? c.Population : null);
            c.Progress?.Report(new ProbeProgress(stage, 0, total));
            var history = trainer.Run(onCheckpoint: (step, m) =>
            {
                onCheckpoint?.Invoke(arm.Name, step, m);
                try { checkpoints.Add(Measure(c, arm, m, step)); }
                catch (ArgumentException e)
                {
                    // A diverged arm shows up as non-finite weights or loss at its next checkpoint: say which one.
                    throw new ArgumentException($"study arm '{arm.Name}' at step {step} (η = {arm.LearningRate:G3}): {e.Message}", e);
                }
                snapshots[step] = ModelSnapshot.Capture(m, includeParameters: true);
                c.Progress?.Report(new ProbeProgress(stage, StudyProgress.Done(step, steps, checkpoints.Count), total));
            }, progress: new Progress(p => c.Progress?.Report(new ProbeProgress(stage, StudyProgress.Done(p.Step, steps, checkpoints.Count), total))));
            return new ArmRun(arm, model, history, checkpoints, snapshots);
        }
        catch
        {
            foreach (var s in snapshots.Values) s.Dispose();
            model.Dispose();
            throw;
        }
    }

    /// <summary>Synchronous <see cref="IProgress{T}"/> (System.Progress posts to a synchronisation context).</summary>
    sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    static HessianOperator Operator(Context c, nn.Module<Tensor, Tensor> model, BatchNormMode mode, ParameterSet? parameters = null) =>
        new(model, c.Loss, c.Analysis, mode, parameters, mode == BatchNormMode.Population ? c.Population : null);

    /// <summary>The per-checkpoint probe settings: top-K, the Hutch++ trace, mini-batch f_K over batches of SGD's size, no
    /// density (that is measured at the selected checkpoints only).</summary>
    static CurvatureProbeOptions ProbeOptions(StudyOptions o, bool trace) =>
        new(o.TopK, Density: false, Trace: trace, o.DensitySteps, o.DensityProbes, Exact: false, o.Tolerance, TraceProducts: o.TraceProducts,
            GradientBatchSize: o.Training.BatchSize);

    static CheckpointResult Measure(Context c, StudyArm arm, nn.Module<Tensor, Tensor> model, int step)
    {
        using var scope = NewDisposeScope();
        var mode = AnalysisMode(arm);
        using var op = Operator(c, model, mode);
        CurvatureReport curvature;
        using (var generator = new Generator(c.Seed))
            curvature = CurvatureProbe.Run(op, "hessian", ProbeOptions(c.Options, trace: true), generator);
        double accuracy = op.Accuracy();
        LayerCurvature[] layers = [];
        if (c.Options.PerLayer)
            using (var generator = new Generator(c.Seed))
                layers = LayerCurvatureProbe.Run(model, c.Loss, c.Analysis, mode, mode == BatchNormMode.Population ? c.Population : null, c.Options.LayerTolerance, generator);
        var smoothness = c.Options.SmoothnessStepSizes.Count > 0 ? SmoothnessProbe.Run(op, c.Options.SmoothnessStepSizes) : null;
        return new CheckpointResult(step, accuracy, curvature, layers, smoothness, [], null);
    }

    /// <summary>The checkpoint whose analysis loss is closest to <paramref name="target"/> (the later one on a tie).</summary>
    static MatchedCheckpoint Closest(ArmRun run, double target)
    {
        var best = run.Checkpoints.Where(p => double.IsFinite(p.Curvature.Loss))
                                  .OrderBy(p => Math.Abs(p.Curvature.Loss - target)).ThenByDescending(p => p.Step).FirstOrDefault()
                   ?? run.Checkpoints[^1];
        return new MatchedCheckpoint(run.Arm.Name, best.Step, best.Curvature.Loss);
    }

    /// <summary>SLQ densities at the matched and the last checkpoint of each arm, and for BatchNorm arms the same Hessian
    /// in the other BatchNorm modes there.</summary>
    static void MeasureSelected(Context c, List<ArmRun> runs, MatchedCheckpoint[] matched)
    {
        var work = runs.Select((r, i) => (Run: r, Steps: new[] { matched[i].Step, r.Checkpoints[^1].Step }.Distinct().ToArray())).ToList();
        int total = work.Sum(w => w.Steps.Length), done = 0;
        const string stage = "densities (SLQ) and BatchNorm modes";
        c.Progress?.Report(new ProbeProgress(stage, 0, total));
        foreach (var (run, steps) in work)
            foreach (int step in steps)
            {
                using var scope = NewDisposeScope();
                run.Snapshots[step].Restore();
                int index = run.Checkpoints.FindIndex(p => p.Step == step);
                var mode = AnalysisMode(run.Arm);
                DensityMeasurement density;
                using (var op = Operator(c, run.Model, mode))
                using (var generator = new Generator(c.Seed))
                    density = Density(op, c.Options, generator);
                var modes = new List<CurvatureReport>();
                if (run.Arm.Norm == NormKind.Batch && c.Options.CompareBatchNormModes)
                    foreach (var other in new[] { BatchNormMode.Train, BatchNormMode.Eval, BatchNormMode.Population }.Where(m => m != mode))
                    {
                        using var op = Operator(c, run.Model, other);
                        using var generator = new Generator(c.Seed);
                        modes.Add(CurvatureProbe.Run(op, "hessian", ProbeOptions(c.Options, trace: false), generator));
                    }
                run.Checkpoints[index] = run.Checkpoints[index] with { Density = density, BatchNormModes = modes.ToArray() };
                c.Progress?.Report(new ProbeProgress(stage, ++done, total));
            }
    }

    static DensityMeasurement Density(NetworkOperator op, StudyOptions o, Generator generator)
    {
        long before = op.Products;
        int steps = (int)Math.Min(o.DensitySteps, op.Size);
        var slq = StochasticLanczosQuadrature.Run(op, new SlqOptions(o.DensityProbes, steps), generator);
        double negative = slq.TraceOf(x => x < 0 ? -x : 0).Estimate;
        return new DensityMeasurement(o.DensityProbes, steps, slq.Density(DensitySmoothing.PapyanKappa, logScale: true), slq.Density(),
                                      slq.Trace.Estimate, slq.Trace.StandardError, negative / slq.Nuclear.Estimate, op.Products - before);
    }

    /// <summary>The init-scale sweep: each swept arm retrained at every scale ≠ 1 (the 1× run is the main arm), λmax and the
    /// analysis loss at each checkpoint.</summary>
    static SweepRun[] Sweep(Context c, List<ArmRun> runs, Func<NormKind, double, nn.Module<Tensor, Tensor>> buildModel)
    {
        var o = c.Options;
        if (o.InitScales.Count == 0) return [];
        var result = new List<SweepRun>();
        var steps = o.CheckpointSteps.ToArray();
        var todo = o.SweepArms.SelectMany(a => o.InitScales.Select(s => (Run: runs.First(r => r.Arm.Name == a), Scale: s))).ToList();
        foreach (var (run, scale) in todo)
        {
            if (scale == 1.0)
            {
                result.Add(new SweepRun(run.Arm.Name, 1.0, run.Arm.LearningRate, run.History, steps,
                                        run.Checkpoints.Select(p => p.Curvature.TopEigenvalues[0]).ToArray(), run.Checkpoints.Select(p => p.Curvature.Loss).ToArray()));
                continue;
            }
            string stage = $"init sweep: {run.Arm.Name} at {scale:G3}× the initial weights";
            int total = StudyProgress.RunUnits(steps.Length);
            var lambda = new List<double>();
            var loss = new List<double>();
            using var model = buildModel(run.Arm.Norm, scale);
            using var trainer = new Trainer(model, TrainingFor(o, run.Arm), c.Data.TrainInputs, c.Data.TrainLabels, c.Data.HeldOutInputs, c.Data.HeldOutLabels,
                                            run.Arm.PopulationStatistics ? c.Population : null);
            var history = trainer.Run(onCheckpoint: (step, m) =>
            {
                using var scope = NewDisposeScope();
                using var op = Operator(c, m, AnalysisMode(run.Arm));
                using var generator = new Generator(c.Seed);
                loss.Add(op.LossAndGradient().Loss);
                using var top = TopEigenpairs.Compute(op, 1, EigenvalueOrder.LargestAlgebraic, generator, o.LayerTolerance);
                lambda.Add(top.Values[0]);
                c.Progress?.Report(new ProbeProgress(stage, StudyProgress.Done(step, o.Training.Steps, lambda.Count), total));
            }, progress: new Progress(p => c.Progress?.Report(new ProbeProgress(stage, StudyProgress.Done(p.Step, o.Training.Steps, lambda.Count), total))));
            result.Add(new SweepRun(run.Arm.Name, scale, run.Arm.LearningRate, history, steps, lambda.ToArray(), loss.ToArray()));
        }
        return result.OrderBy(r => o.SweepArms.ToList().IndexOf(r.Arm)).ThenBy(r => r.InitScale).ToArray();
    }

    /// <summary>The linear-neuron lab on the analysis inputs (flattened), regressing the indicator of class 0 — the
    /// one-layer theory (input mean → one huge eigenvalue, removed by centring) on exactly the pixels the networks see.</summary>
    static LinearLabResult LinearTheory(StudyData data)
    {
        using var scope = NewDisposeScope();
        int a = data.AnalysisSamples;
        var x = data.TrainInputs.narrow(0, 0, a).reshape(a, -1).to_type(ScalarType.Float64);
        var y = data.TrainLabels.narrow(0, 0, a).eq(0).to_type(ScalarType.Float64);
        return LinearNeuronLab.Run(LinearLabInput.FromData(x, y, $"the study's analysis subset ({a} examples, {x.shape[1]} inputs), target: class 0"));
    }
}
