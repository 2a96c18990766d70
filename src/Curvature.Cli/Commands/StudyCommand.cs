using System.CommandLine;
using Curvature.Cli.Output;
using Curvature.Study;
using static TorchSharp.torch;

namespace Curvature.Cli.Commands;

/// <summary><c>curvature study</c>: paired trainings that differ only in normalisation, with the Hessian tracked through
/// training, the BatchNorm-mode comparison, the init-scale sweep, per-layer curvature and smoothness, and the report.</summary>
internal static class StudyCommand
{
    /// <summary>Where the report goes when --out is not given.</summary>
    public const string DefaultOutputDirectory = "curvature-out/study";

    // Defaults from /work/shared/design/STUDY-NOTES.md: MLP 784-100-100-10 relu on the first 5,000 images, pixels in
    // [0, 1] (not standardised), SGD momentum 0.9, batch 128, 1,000 steps, η 0.05 without BN and 0.1 with BN, Hessian
    // on 1,000 images in float64, checkpoints 0, 10, 30, 100, 300, 1000, top 10.
    public static Command Create(CommandContext context)
    {
        var net = new NetworkOptions("(not used by study)", "Train on the first N examples (5,000: the study notes).",
                                     "Precision of models, data and products (float64: the study notes).",
                                     "Seed of the initialisation (shared by all arms), the data order and the estimators.",
                                     hidden: "100,100", activation: "relu", samples: 5000, dtype: "float64");
        var sgd = new TrainingOptionSet();
        var arms = OptionFactory.Create("--arms", "none,batch,centered", $"Arms (comma-separated): {string.Join(", ", StudyArm.StandardNames)}.");
        var lr = OptionFactory.Positive("--lr", 0.05, "Learning rate of the arms without BatchNorm (none, centered, layer; 0.05: the study notes).");
        var lrBn = OptionFactory.Positive("--lr-bn", 0.1, "Learning rate of the BatchNorm arms (batch, population; 0.1: the study notes).");
        var heldOut = OptionFactory.NonNegative("--held-out", 1000, "Evaluate on the next M examples after the N training ones.");
        var analysis = OptionFactory.Positive("--analysis-samples", 1000, "The Hessian is that of the first A training examples, as one batch (1,000: the study notes).");
        var population = OptionFactory.Optional<int>("--population-samples", "Population BatchNorm statistics from the first P training examples (default: all N).");
        var checkpoints = OptionFactory.OptionalText("--checkpoints", "Steps measured (default log-spaced: 0, 10, 30, 100, 300, … and the last).");
        var top = OptionFactory.Positive("--top", 10, "Top eigenvalues K (10 = classes: Ghorbani et al. 2019).");
        var tolerance = OptionFactory.Positive("--tolerance", 1e-6, "Relative residual of the top eigenpairs (1e-6: six digits of λ).");
        var traceProducts = OptionFactory.Positive("--trace-products", 30, "Hutch++ budget of the trace at every checkpoint (≥ 4).");
        var probes = OptionFactory.Positive("--probes", 10, "SLQ probes of the densities (10: Ghorbani et al. 2019).");
        var lanczosSteps = OptionFactory.Positive("--lanczos-steps", 90, "SLQ Lanczos steps per probe (90: Ghorbani et al. 2019).");
        var noLayers = OptionFactory.Create("--no-per-layer", false, "Skip the per-layer Hessian blocks.");
        var smoothness = OptionFactory.Create("--smoothness-steps", "0.01,0.02,0.05,0.1,0.2,0.5,1", "Step sizes along the gradient for the smoothness measures ('none' to skip).");
        var initScales = OptionFactory.Create("--init-scales", "0.5,1,2", "Init-scale sweep ('none' to skip).");
        var sweepArms = OptionFactory.Create("--sweep-arms", "none,batch", "Arms the init-scale sweep retrains.");
        var refresh = OptionFactory.Positive("--population-refresh", 100, "Population arm: recompute the BatchNorm statistics every R steps.");
        var outDir = OptionFactory.OptionalText("--out", $"Write the report, record, tables and checkpoints here (default {DefaultOutputDirectory}).");

        var command = new Command("study", "Paired trainings with and without BatchNorm: curvature through training, and a report.");
        foreach (var o in net.All.Where(o => o != net.Norm && o != net.Weights && o != net.InitScale).Concat(sgd.All)
                     .Concat([arms, lr, lrBn, heldOut, analysis, population, checkpoints, top, tolerance, traceProducts, probes, lanczosSteps, noLayers,
                              smoothness, initScales, sweepArms, refresh, outDir]))
            command.Options.Add(o);

        command.SetAction(parse =>
        {
            string outPath = parse.GetValue(outDir) ?? DefaultOutputDirectory;
            OutputPlan.CheckWritableDirectory(outPath, "--out");
            if (!(parse.GetValue(tolerance) < 1)) throw new UserInputException($"--tolerance must be below 1; got {parse.GetValue(tolerance)}");
            int n = parse.GetValue(net.Samples), m = parse.GetValue(heldOut), a = parse.GetValue(analysis);
            int p = parse.GetValue(population) ?? n;
            if (a > n) throw new UserInputException($"--analysis-samples {a} is more than the {n} training examples (--samples)");
            if (p < a || p > n) throw new UserInputException($"--population-samples must be between --analysis-samples ({a}) and --samples ({n}); got {p}");
            var armList = ParseArms(parse.GetValue(arms)!, parse.GetValue(lr), parse.GetValue(lrBn));
            var sweep = ListOption.ParsePositiveNumbers("--init-scales", parse.GetValue(initScales)!, allowEmpty: true);
            var swept = sweep.Length == 0 ? [] : parse.GetValue(sweepArms)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            foreach (string name in swept)
                if (armList.All(x => x.Name != name)) throw new UserInputException($"--sweep-arms: '{name}' is not one of the --arms ({string.Join(", ", armList.Select(x => x.Name))})");
            int steps = parse.GetValue(sgd.Steps);
            int[] at = parse.GetValue(checkpoints) is { } text ? ListOption.Parse("--checkpoints", text, allowZero: true) : StudyOptions.LogSpacedSteps(steps);
            if (at.FirstOrDefault(s => s > steps) is var beyond and > 0) throw new UserInputException($"--checkpoints {beyond} is beyond --steps {steps}");
            if (at.Zip(at.Skip(1)).Any(z => z.Second <= z.First)) throw new UserInputException("--checkpoints must be strictly increasing");

            var run = RunInfo.Capture(context.Args);
            var scalar = NetworkSetup.ParseDtype(net.ResolvedDtype(parse));
            ulong seed = parse.GetValue(net.Seed);
            using var scope = NewDisposeScope();
            Tensor loaded, allLabels;
            string split;
            try { (loaded, allLabels, split) = net.LoadData(parse, n + m); }
            catch (Data.CurvatureDataException e) when (m > 0)
            {
                throw new UserInputException($"--samples {n} and --held-out {m} need {n + m} examples: {DemoCommand.DataMessage(e)}");
            }
            var all = net.Standardized(parse, loaded, n).to_type(scalar);
            var config = net.Config(parse, split, n, Math.Min(parse.GetValue(sgd.BatchSize), n), p, all.narrow(0, 0, n), allLabels.narrow(0, 0, n))
                         with { Norm = string.Join(",", armList.Select(x => x.Name)), Weights = null, InitScale = 1.0 };
            var options = new StudyOptions(armList, sgd.Build(parse, parse.GetValue(lr), seed, NetworkSetup.ParseLoss(config.Loss)), at)
            {
                TopK = parse.GetValue(top), Tolerance = parse.GetValue(tolerance), TraceProducts = parse.GetValue(traceProducts),
                DensityProbes = parse.GetValue(probes), DensitySteps = parse.GetValue(lanczosSteps), PerLayer = !parse.GetValue(noLayers),
                SmoothnessStepSizes = ListOption.ParsePositiveNumbers("--smoothness-steps", parse.GetValue(smoothness)!, allowEmpty: true),
                InitScales = sweep, SweepArms = swept, PopulationRefreshEvery = parse.GetValue(refresh),
            };
            var data = new StudyData(all.narrow(0, 0, n), allLabels.narrow(0, 0, n), m > 0 ? all.narrow(0, n, m) : null, m > 0 ? allLabels.narrow(0, n, m) : null, a, p);
            return StudyExecution.Run(context, run, new StudyJob(config, data, Validated(options), m, scalar, outPath));
        });
        return command;
    }

    /// <summary>The standard arms named in <paramref name="text"/>, with the two learning rates.</summary>
    public static StudyArm[] ParseArms(string text, double rate, double rateWithBatchNorm)
    {
        var names = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0) throw new UserInputException("--arms: at least one arm is needed");
        foreach (var name in names)
            if (!StudyArm.StandardNames.Contains(name))
                throw new UserInputException($"--arms: unknown arm '{name}'; expected {string.Join(", ", StudyArm.StandardNames)}");
        if (names.Distinct().Count() != names.Length) throw new UserInputException($"--arms {text}: an arm is named twice");
        return names.Select(x => StudyArm.Standard(x, rate, rateWithBatchNorm)).ToArray();
    }

    /// <summary>The options, with the library's checks turned into one-line input errors before any work starts.</summary>
    public static StudyOptions Validated(StudyOptions options)
    {
        try { options.Validate(); }
        catch (ArgumentException e) { throw new UserInputException(e.Message.StartsWith("study: ", StringComparison.Ordinal) ? e.Message["study: ".Length..] : e.Message); }
        return options;
    }
}
