using System.CommandLine;
using Curvature.Checkpoints;
using Curvature.Cli.Output;
using Curvature.Data;
using Curvature.Training;
using static TorchSharp.torch;

namespace Curvature.Cli.Commands;

/// <summary>The training settings of a <c>curvature train</c> run, recorded in its JSON.</summary>
/// <param name="LearningRate">η₀.</param>
/// <param name="Momentum">μ.</param>
/// <param name="WeightDecay">wd.</param>
/// <param name="BatchSize">B used (capped at N).</param>
/// <param name="Steps">T.</param>
/// <param name="Schedule">"constant", "step" or "cosine".</param>
/// <param name="Gamma">Step schedule γ.</param>
/// <param name="StepEvery">Step schedule k.</param>
/// <param name="EvalEvery">Held-out evaluation interval.</param>
/// <param name="HeldOut">Held-out examples (those after the N training ones).</param>
/// <param name="CheckpointSteps">Steps saved.</param>
/// <param name="ResumedFrom">Checkpoint directory resumed from, or null.</param>
public sealed record TrainSettings(double LearningRate, double Momentum, double WeightDecay, int BatchSize, int Steps, string Schedule,
                                   double Gamma, int StepEvery, int EvalEvery, int HeldOut, int[] CheckpointSteps, string? ResumedFrom);

/// <summary><c>curvature train</c>: trains a zoo model with SGD (momentum, weight decay, schedule) on a seeded data
/// order, writing resumable checkpoints that <c>curvature hessian --weights</c> can analyse.</summary>
internal static class TrainCommand
{
    /// <summary>Where output goes when --out is not given.</summary>
    public const string DefaultOutputDirectory = "curvature-out/train";

    // Defaults from /work/shared/design/STUDY-NOTES.md: SGD momentum 0.9, batch 128, 1,000 steps, learning rate 0.05
    // (the rate used without BN), checkpoints at 0, 10, 30, 100, 300, 1000.
    public static Command Create(CommandContext context)
    {
        var net = new NetworkOptions(
            "Start from this state dict (.pt or .safetensors) instead of the seeded initialisation.",
            "Train on the first N examples.",
            "Precision of the model and the data.",
            "Seed of the initialisation, the synthetic data and the data order.");
        var heldOut = OptionFactory.NonNegative("--held-out", 0, "Evaluate on the next M examples after the N training ones (0: no held-out data).");
        var lr = OptionFactory.Positive("--lr", 0.05, "Base learning rate (0.05: the study notes' rate without BN).");
        var sgd = new TrainingOptionSet();
        var evalEvery = OptionFactory.NonNegative("--eval-every", 0, "Evaluate the held-out data every k steps (always at the start and the end).");
        var checkpointSteps = ListOption.Create("--checkpoint-steps", "0,10,30,100,300,1000", "Steps whose state is saved (the study notes' checkpoints; those beyond --steps are dropped only when the default is used).", allowZero: true);
        var outDir = OptionFactory.OptionalText("--out", $"Write the record and the checkpoints to this directory (default {DefaultOutputDirectory}).");
        var resume = OptionFactory.OptionalText("--resume", "Continue the run saved in this checkpoint directory (same options required).");

        var command = new Command("train", "Train a network with SGD (momentum, weight decay, schedule) on a seeded data order; writes resumable checkpoints.");
        foreach (var o in net.All.Concat(sgd.All).Concat([heldOut, lr, evalEvery, checkpointSteps, outDir, resume]))
            command.Options.Add(o);

        command.SetAction(parse =>
        {
            string outPath = parse.GetValue(outDir) ?? DefaultOutputDirectory;
            OutputPlan.CheckWritableDirectory(outPath, "--out");
            string? resumeDir = parse.GetValue(resume);
            if (resumeDir is not null && !File.Exists(Path.Combine(resumeDir, TrainerState.StateFile)))
                throw new UserInputException($"--resume {resumeDir}: not a training checkpoint directory (no {TrainerState.StateFile})");
            int totalSteps = parse.GetValue(sgd.Steps);
            var requested = ListOption.Parse("--checkpoint-steps", parse.GetValue(checkpointSteps)!, allowZero: true);
            bool defaultCheckpoints = parse.GetResult(checkpointSteps) is null or { Implicit: true };
            if (!defaultCheckpoints && requested.FirstOrDefault(s => s > totalSteps) is var beyond and > 0)
                throw new UserInputException($"--checkpoint-steps {beyond} is beyond --steps {totalSteps}");
            int[] saveAt = requested.Where(s => s <= totalSteps).Distinct().Order().ToArray();

            var run = RunInfo.Capture(context.Args);
            var scalar = NetworkSetup.ParseDtype(net.ResolvedDtype(parse));
            ulong s = parse.GetValue(net.Seed);
            int n = parse.GetValue(net.Samples), m = parse.GetValue(heldOut);

            using var scope = NewDisposeScope();
            var (loaded, allLabels, split) = net.LoadData(parse, n + m);
            var allInputs = net.Standardized(parse, loaded, n);
            var inputs = allInputs.narrow(0, 0, n);
            var labels = allLabels.narrow(0, 0, n);
            var trainInputs = inputs.to_type(scalar);
            var heldInputs = m > 0 ? allInputs.narrow(0, n, m).to_type(scalar) : null;
            var heldLabels = m > 0 ? allLabels.narrow(0, n, m) : null;
            var config = net.Config(parse, split, n, Math.Min(parse.GetValue(sgd.BatchSize), n), 0, inputs, labels);

            string scheduleName = parse.GetValue(sgd.Schedule)!;
            var options = sgd.Build(parse, parse.GetValue(lr), s, NetworkSetup.ParseLoss(config.Loss)) with
            {
                EvaluateEvery = parse.GetValue(evalEvery), CheckpointSteps = saveAt,
            };

            var network = NetworkSetup.BuildModel(config, inputs.shape.Skip(1).ToArray(), scalar);
            if (config.Weights is not null && resumeDir is null) NetworkSetup.LoadWeights(network, config.Weights);
            Trainer trainer;
            try
            {
                trainer = resumeDir is null
                    ? new Trainer(network, options, trainInputs, labels, heldInputs, heldLabels)
                    : Trainer.Resume(network, options, trainInputs, labels, resumeDir, heldInputs, heldLabels);
            }
            catch (CheckpointException e) { throw new UserInputException($"--resume: {e.Message}"); }
            catch (ArgumentException e) { throw new UserInputException(e.Message); }

            var saved = new List<string>();
            bool createdOut = !Directory.Exists(outPath), createdCheckpoints = !Directory.Exists(Path.Combine(outPath, "checkpoints"));
            TrainingHistory history;
            using (trainer)
            {
                // Checkpoints are resumable trainer states written as the run reaches them (the record comes at the end), so a
                // run that dies later keeps them. A run that fails on its own — the loss diverged — removes them again.
                int startStep = trainer.Step;
                try
                {
                    history = ProgressBars.Run(context, progress => trainer.Run(onCheckpoint: (step, _) =>
                    {
                        if (step == startStep && resumeDir is not null) return;   // already saved by the run resumed from
                        string dir = Path.Combine(outPath, "checkpoints", $"step-{step}");
                        Save(trainer, dir, saved);
                        saved.Add(dir);
                    }, progress: new StepProgress(progress)));
                    Save(trainer, Path.Combine(outPath, "final"), saved);
                }
                catch (DivergedException e)
                {
                    foreach (string dir in saved) TryDeleteDirectory(dir);
                    if (createdOut) TryDeleteDirectory(outPath);
                    else if (createdCheckpoints) TryDeleteDirectory(Path.Combine(outPath, "checkpoints"));
                    throw new UserInputException($"training diverged: the mini-batch loss is {e.Loss} at step {e.Step} of {totalSteps}; "
                                                 + $"lower --lr (now {options.LearningRate:G}){(config.InitScale != 1 ? " or --init-scale" : "")}; nothing was written");
                }
            }
            var settings = new TrainSettings(options.LearningRate, options.Momentum, options.WeightDecay, config.BatchSize, totalSteps, scheduleName,
                                             parse.GetValue(sgd.Gamma), parse.GetValue(sgd.StepEvery), options.EvaluateEvery, m, saveAt, resumeDir);
            string recordJson = Json.Record("curvature.train", run, history, ("config", config), ("training", settings),
                                            ("checkpoints", saved.Select(p => Path.GetRelativePath(outPath, p)).ToArray()));
            var plan = new OutputPlan();
            plan.AddText(Path.Combine(outPath, "train.json"), recordJson);
            plan.Commit();
            string last = history.Loss.Length > 0 ? $"{history.Loss[^1]:G6}" : "n/a";
            string heldText = history.HeldOutLoss.Length > 0 ? $", held-out loss {history.HeldOutLoss[^1]:G6} accuracy {history.HeldOutAccuracy[^1]:P1}" : "";
            context.Stdout.WriteLine($"trained {totalSteps} steps: last mini-batch loss {last}{heldText}; wrote {Path.Combine(outPath, "train.json")}");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Forwards training steps to the progress bars synchronously (System.Progress would post them to the
    /// thread pool, out of order and after the run), and stops the run at the first non-finite mini-batch loss: every
    /// later step, checkpoint and the record would be NaN.</summary>
    sealed class StepProgress(IProgress<Analysis.ProbeProgress> bars) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (!double.IsFinite(value.Loss)) throw new DivergedException(value.Step, double.IsNaN(value.Loss) ? "NaN" : value.Loss > 0 ? "+∞" : "−∞");
            bars.Report(new Analysis.ProbeProgress("training", value.Step, value.Steps));
        }
    }

    /// <summary>The loss of update <paramref name="step"/> was not finite.</summary>
    sealed class DivergedException(int step, string loss) : Exception($"the loss is {loss} at step {step}")
    {
        public int Step { get; } = step;
        public string Loss { get; } = loss;
    }

    /// <summary>Saves a resumable checkpoint; a failure (disk full, permissions) removes the incomplete directory and is
    /// reported as an output error that names the complete checkpoints kept.</summary>
    static void Save(Trainer trainer, string dir, List<string> saved)
    {
        bool existed = Directory.Exists(dir);
        try
        {
            trainer.Save(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CheckpointException)
        {
            if (!existed) TryDeleteDirectory(dir);
            var cause = e is CheckpointException { InnerException: { } inner } ? inner : e;
            string reason = cause is IOException { HResult: OutputPlan.DiskFullErrno } || cause.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)
                ? "no space left on device (disk full?)" : cause.Message.Split('\n')[0];
            string kept = saved.Count > 0 ? $"; the complete checkpoints up to {saved[^1]} are kept (--resume one of them)" : "";
            throw new IOException($"{dir}: {reason}{kept}", e);
        }
    }

    static void TryDeleteDirectory(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
