using System.CommandLine;
using Curvature.Cli.Output;
using Curvature.Study;
using static TorchSharp.torch;

namespace Curvature.Cli.Commands;

/// <summary><c>curvature demo</c>: the main job. With no arguments and no downloads, a scaled-down BatchNorm study on the
/// embedded Fashion-MNIST sample — with and without BatchNorm and with centring only — ending in the HTML report.</summary>
internal static class DemoCommand
{
    /// <summary>Where the report goes when --out is not given.</summary>
    public const string DefaultOutputDirectory = "curvature-out/demo";

    /// <summary>The demo's scale: the study notes' set-up (MLP 784-100-100-10 relu, 5,000 training images in [0, 1], SGD
    /// momentum 0.9, batch 128, 1,000 steps, η 0.05 / 0.1, checkpoints 0…1000, top 10, Hessian on 1,000 images in float64)
    /// with cheaper densities (5 × 60 SLQ instead of 10 × 90) and three arms, so that it finishes in about 2½ minutes on an
    /// idle 2-core machine (measured: README, docs/BENCHMARKS.md); <c>--full</c> is the notes' clearest case, the 4×100 relu
    /// MLP, with Ghorbani et al.'s 10 × 90 SLQ and the layer-norm and population-statistics arms.</summary>
    internal sealed record Scale(int[] Hidden, string Arms, int Train, int HeldOut, int Analysis, int Steps, int Probes, int LanczosSteps)
    {
        public static Scale Demo { get; } = new([100, 100], "none,batch,centered", 5000, 1000, 1000, 1000, 5, 60);
        public static Scale Full { get; } = new([100, 100, 100, 100], "none,batch,centered,layer,population", 5000, 1000, 1000, 1000, 10, 90);
    }

    /// <summary>The data library's message without its "samples = N: " prefix (the demo has no --samples).</summary>
    internal static string DataMessage(Data.CurvatureDataException e) =>
        e.Message.StartsWith("samples = ", StringComparison.Ordinal) && e.Message.IndexOf(": ", StringComparison.Ordinal) is var i and > 0 ? e.Message[(i + 2)..] : e.Message;

    public static Command Create(CommandContext context)
    {
        var outDir = OptionFactory.OptionalText("--out", $"Write the report here (default {DefaultOutputDirectory}).");
        var full = OptionFactory.Create("--full", false, "The full study: MLP 784-100-100-100-100-10, 1,000 analysis images, 10 × 90 SLQ, arms none, batch, centered, layer, population (several times longer).");
        var data = OptionFactory.OptionalText("--data", "Directory with Fashion-MNIST IDX files (the train split if present) instead of the embedded sample.");
        var seed = OptionFactory.Create("--seed", 0UL, "Seed of the initialisation, the data order and the estimators.");
        var command = new Command("demo", "The main job: a BatchNorm study on the embedded Fashion-MNIST sample, ending in an HTML report.");
        foreach (var o in new Option[] { outDir, full, data, seed }) command.Options.Add(o);

        command.SetAction(parse =>
        {
            string outPath = parse.GetValue(outDir) ?? DefaultOutputDirectory;
            OutputPlan.CheckWritableDirectory(outPath, "--out");
            var scale = parse.GetValue(full) ? Scale.Full : Scale.Demo;
            var run = RunInfo.Capture(context.Args);
            ulong s = parse.GetValue(seed);
            const ScalarType dtype = ScalarType.Float64;
            using var scope = NewDisposeScope();
            Tensor inputs, labels;
            string split;
            try { (inputs, labels, split) = NetworkSetup.LoadData("fashion-mnist", parse.GetValue(data), scale.Train + scale.HeldOut, 10, s, dtype, 0, 0); }
            catch (Data.CurvatureDataException e)
            {
                throw new UserInputException($"--data {parse.GetValue(data)}: the demo needs {scale.Train + scale.HeldOut} images ({scale.Train} to train on, {scale.HeldOut} held out): {DataMessage(e)}");
            }
            var train = inputs.narrow(0, 0, scale.Train);
            var trainLabels = labels.narrow(0, 0, scale.Train);
            var config = new NetworkConfig("mlp", scale.Hidden, [], [], [], [], false, 0, "relu", scale.Arms, 10, 1.0, null, "fashion-mnist", parse.GetValue(data), split,
                                           scale.Train, 128, "none", scale.Train, "float64", "cross-entropy", s, NetworkSetup.Fingerprint(train, trainLabels));
            var arms = StudyCommand.ParseArms(scale.Arms, 0.05, 0.1);
            var options = new StudyOptions(arms, new Training.TrainingOptions(0.05, scale.Steps) { Seed = s }, StudyOptions.LogSpacedSteps(scale.Steps))
            {
                DensityProbes = scale.Probes, DensitySteps = scale.LanczosSteps,
            };
            var studyData = new StudyData(train, trainLabels, inputs.narrow(0, scale.Train, scale.HeldOut), labels.narrow(0, scale.Train, scale.HeldOut),
                                          scale.Analysis, scale.Train);
            return StudyExecution.Run(context, run, new StudyJob(config, studyData, StudyCommand.Validated(options), scale.HeldOut, dtype, outPath));
        });
        return command;
    }
}
