using System.CommandLine;
using Curvature.Analysis;
using Curvature.Cli.Output;
using Curvature.Data;
using Curvature.Operators;
using Curvature.Reporting.Hessian;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Cli.Commands;

/// <summary><c>curvature hessian</c>: the curvature of a network's loss on real data — top eigenpairs, density,
/// trace, gradient concentration — for the Hessian, the Gauss–Newton matrix or the empirical Fisher, with
/// BatchNorm in train, eval or population mode.</summary>
internal static class HessianCommand
{
    /// <summary>Where output goes when neither --json nor --out is given.</summary>
    public const string DefaultOutputDirectory = "curvature-out/hessian";

    /// <summary>Residual tolerance for float32 products: their relative round-off is ~1e-6 after two backward
    /// passes, so 1e-5 is reachable where float64's 1e-8 is not.</summary>
    public const double Float32Tolerance = 1e-5;

    // Defaults: an MLP 784-64-32-10 (tanh, no norm) on the first 1,000 embedded Fashion-MNIST test images as one
    // batch, float64, top 10 (= classes, Ghorbani et al. 2019): small enough for well under a minute on 2 cores.
    public static Command Create(CommandContext context)
    {
        var model = OptionFactory.Choice("--model", "mlp", "Architecture.", "mlp", "cnn", "resnet");
        var hidden = ListOption.Create("--hidden", "64,32", "MLP hidden widths.");
        var channels = ListOption.Create("--channels", "4,8", "CNN channels per conv layer.");
        var kernels = ListOption.Create("--kernels", "5,3", "CNN kernel sizes.");
        var strides = ListOption.Create("--strides", "2,2", "CNN strides.");
        var padding = ListOption.Create("--padding", "0,0", "CNN paddings (default 0 for every conv layer).", allowZero: true);
        var globalPool = OptionFactory.Create("--global-pool", false, "CNN: global average pool before the Linear.");
        var depth = OptionFactory.Positive("--depth", 1, "ResNet: n blocks per stage (6n + 2 layers).");
        var activation = OptionFactory.Choice("--activation", "tanh", "Nonlinearity.", "tanh", "relu");
        var norm = OptionFactory.Choice("--norm", "none", "Normalisation after each hidden layer.", "none", "batch", "layer", "group", "centered");
        var classes = OptionFactory.Positive("--classes", 10, "Output classes.");
        var initScale = OptionFactory.Positive("--init-scale", 1.0, "Multiply the weights by this after PyTorch's default initialisation.");
        var weights = OptionFactory.OptionalText("--weights", "PyTorch state dict (.pt) or .safetensors to analyse (default: the seeded initialisation).");
        var dataset = OptionFactory.Choice("--dataset", "fashion-mnist", "Data.", "fashion-mnist", "cifar10", "gaussian-mixture");
        var data = OptionFactory.OptionalText("--data", "Directory with the data files (default: the embedded Fashion-MNIST test split).");
        var samples = OptionFactory.Positive("--samples", 1000, "Analyse the first N examples (1,000: as in the study notes).");
        var batchSize = OptionFactory.Optional<int>("--batch-size", "Batch size of the fixed partition (default: all N in one batch).");
        var standardize = OptionFactory.Choice("--standardize", "none", "Input standardisation (statistics of the analysed samples).", "none", "global", "per-pixel");
        var bnMode = OptionFactory.Choice("--bn-mode", "train", "BatchNorm statistics: batch (train), running (eval), or a population subset.", "train", "eval", "population");
        var populationSamples = OptionFactory.Positive("--population-samples", 5000, "BatchNorm population mode: statistics of the first P examples.");
        var dtype = OptionFactory.Choice("--dtype", "float64", "Precision of the products (the Krylov basis is float64 either way).", "float32", "float64");
        var operatorKind = OptionFactory.Choice("--operator", "hessian", "Curvature matrix.", "hessian", "ggn", "fisher");
        var loss = OptionFactory.Choice("--loss", "cross-entropy", "Loss (mse = ½‖z − onehot(y)‖², mean over samples).", "cross-entropy", "mse");
        var parameters = OptionFactory.OptionalText("--params", "Only these parameters: comma-separated globs of names, e.g. '1.*' or '*.weight'.");
        var top = OptionFactory.Positive("--top", 10, "Number of top eigenpairs K.");
        var density = OptionFactory.Create("--density", false, "Estimate the spectral density by SLQ (also gives the trace, |λ| and negative mass).");
        var trace = OptionFactory.Create("--trace", false, "Estimate the trace (by SLQ).");
        var exact = OptionFactory.Create("--exact", false, $"Materialise the matrix (≤ {CurvatureProbe.MaxExactParameters} parameters) and report every estimate's error.");
        var lanczosSteps = OptionFactory.Positive("--lanczos-steps", 90, "SLQ Lanczos steps per probe (90: Ghorbani et al. 2019).");
        var probes = OptionFactory.Positive("--probes", 10, "SLQ probe vectors (10: Ghorbani et al. 2019).");
        var tolerance = OptionFactory.Optional<double>("--tolerance", "Relative residual ‖Hv − λv‖/‖H‖ of the top eigenpairs (default 1e-8 in float64, 1e-5 in float32: a few hundred ulps of the products).");
        var seed = OptionFactory.Create("--seed", 0UL, "Seed of the initialisation, the synthetic data and the estimators.");
        var mixtureDims = OptionFactory.Positive("--mixture-dims", 32, "Gaussian mixture: dimensions.");
        var mixtureSeparation = OptionFactory.Positive("--mixture-separation", 3.0, "Gaussian mixture: class-mean separation (within-class std 1).");
        var json = OptionFactory.OptionalText("--json", "Write the JSON record to this file.");
        var outDir = OptionFactory.OptionalText("--out", $"Write the record and the figures to this directory (default {DefaultOutputDirectory} when --json is not given).");

        var command = new Command("hessian", "Curvature of a network's loss: top eigenpairs, density, trace and gradient concentration, in a chosen BatchNorm mode.");
        foreach (var o in new Option[] { model, hidden, channels, kernels, strides, padding, globalPool, depth, activation, norm, classes, initScale, weights,
                                         dataset, data, samples, batchSize, standardize, bnMode, populationSamples, dtype, operatorKind, loss, parameters,
                                         top, density, trace, exact, lanczosSteps, probes, tolerance, seed, mixtureDims, mixtureSeparation, json, outDir })
            command.Options.Add(o);

        command.SetAction(parse =>
        {
            string? jsonPath = parse.GetValue(json);
            string? outPath = parse.GetValue(outDir) ?? (jsonPath is null ? DefaultOutputDirectory : null);
            if (jsonPath is not null) OutputPlan.CheckWritableFile(jsonPath, "--json");
            if (outPath is not null) OutputPlan.CheckWritableDirectory(outPath, "--out");
            if (parse.GetValue(batchSize) is <= 0) throw new UserInputException($"--batch-size must be a positive number; got {parse.GetValue(batchSize)}");
            if (parse.GetValue(tolerance) is { } given && !(given > 0 && given < 1)) throw new UserInputException($"--tolerance must be between 0 and 1; got {given}");
            var run = RunInfo.Capture(context.Args);
            var scalar = NetworkSetup.ParseDtype(parse.GetValue(dtype)!);
            ulong s = parse.GetValue(seed);
            string mode = parse.GetValue(bnMode)!;
            int n = parse.GetValue(samples);
            int populationCount = mode == "population" ? Math.Max(n, parse.GetValue(populationSamples)) : n;

            using var scope = NewDisposeScope();
            var (allInputs, allLabels, split) = NetworkSetup.LoadData(parse.GetValue(dataset)!, parse.GetValue(data), populationCount, parse.GetValue(classes), s,
                                                                       ScalarType.Float64, parse.GetValue(mixtureDims), parse.GetValue(mixtureSeparation));
            if (allLabels.max().item<long>() >= parse.GetValue(classes))
                throw new UserInputException($"--classes {parse.GetValue(classes)}: the data has labels up to {allLabels.max().item<long>()}");
            var inputs = allInputs.narrow(0, 0, n);
            var labels = allLabels.narrow(0, 0, n);
            string standardization = parse.GetValue(standardize)!;
            if (standardization != "none")
            {
                using var stats = StandardizationStatistics.Compute(inputs, standardization == "global" ? Standardization.Global : Standardization.PerPixel);
                inputs = stats.Apply(inputs);
                allInputs = stats.Apply(allInputs);
            }
            // Padding 0 per layer unless given: the fixed default "0,0" fits only the default two layers, so
            // "--channels 2 --kernels 5 --strides 3" would fail with a padding-count error the user never asked for.
            var channelList = ListOption.Parse("--channels", parse.GetValue(channels)!);
            var paddingList = parse.GetResult(padding) is { Implicit: false } ? ListOption.Parse("--padding", parse.GetValue(padding)!, allowZero: true) : new int[channelList.Length];
            // The batch size recorded is the one used: the partition caps it at N (a larger --batch-size means one batch).
            var config = new NetworkConfig(parse.GetValue(model)!, ListOption.Parse("--hidden", parse.GetValue(hidden)!), channelList,
                ListOption.Parse("--kernels", parse.GetValue(kernels)!), ListOption.Parse("--strides", parse.GetValue(strides)!), paddingList,
                parse.GetValue(globalPool), parse.GetValue(depth), parse.GetValue(activation)!, parse.GetValue(norm)!, parse.GetValue(classes), parse.GetValue(initScale),
                parse.GetValue(weights), parse.GetValue(dataset)!, parse.GetValue(data), split, n, Math.Min(parse.GetValue(batchSize) ?? n, n), standardization,
                mode == "population" ? populationCount : 0, parse.GetValue(dtype)!, parse.GetValue(loss)!, s, NetworkSetup.Fingerprint(inputs, labels));

            var network = NetworkSetup.BuildModel(config, inputs.shape.Skip(1).ToArray(), scalar);
            if (config.Weights is not null) NetworkSetup.LoadWeights(network, config.Weights);
            var bn = mode switch { "train" => BatchNormMode.Train, "eval" => BatchNormMode.Eval, _ => BatchNormMode.Population };
            var lossKind = NetworkSetup.ParseLoss(config.Loss);
            using var analysisData = new NetworkData(inputs, labels, config.BatchSize);
            using var population = bn == BatchNormMode.Population ? new NetworkData(allInputs, allLabels) : null;
            ParameterSet selection;
            try { selection = ParameterSet.Select(network, parse.GetValue(parameters)); }
            catch (ArgumentException e) { throw new UserInputException($"--params: {e.Message}"); }
            if (parse.GetValue(top) > selection.Size)
                throw new UserInputException($"--top {parse.GetValue(top)} is more than the {selection.Size} parameters analysed");
            if (parse.GetValue(exact) && selection.Size > CurvatureProbe.MaxExactParameters)
                throw new UserInputException($"--exact materialises the {selection.Size}×{selection.Size} matrix; it is limited to {CurvatureProbe.MaxExactParameters} parameters (use --params to analyse a group)");

            string op = parse.GetValue(operatorKind)!;
            using NetworkOperator curvature = op switch
            {
                "hessian" => new HessianOperator(network, lossKind, analysisData, bn, selection, population),
                "ggn" => new GaussNewtonOperator(network, lossKind, analysisData, bn, selection, population),
                _ => new EmpiricalFisherOperator(network, lossKind, analysisData, bn, selection, population),
            };
            double residualTolerance = parse.GetValue(tolerance) ?? (scalar == ScalarType.Float32 ? Float32Tolerance : Tolerances.RitzResidualRelative);
            var options = new CurvatureProbeOptions(parse.GetValue(top), parse.GetValue(density), parse.GetValue(trace), parse.GetValue(lanczosSteps), parse.GetValue(probes), parse.GetValue(exact),
                                                    residualTolerance);
            using var generator = new Generator(s);
            var report = ProgressBars.Run(context, progress => CurvatureProbe.Run(curvature, op, options, generator, progress));

            string recordJson = Json.Record("curvature.hessian", run, report, ("config", config),
                                            ("model_has_batch_statistics", curvature.HasBatchStatistics));
            var plan = new OutputPlan();
            if (jsonPath is not null) plan.AddText(jsonPath, recordJson);
            if (outPath is not null)
            {
                plan.AddText(Path.Combine(outPath, "hessian.json"), recordJson);
                foreach (var figure in HessianFigures.Build(report, HessianFigures.Describe(config.Model, config.Dataset, config.Samples, config.Dtype, report, options)))
                {
                    plan.Add(Path.Combine(outPath, figure.Name + ".png"), figure.Png);
                    plan.AddText(Path.Combine(outPath, figure.Name + ".svg"), figure.Svg);
                }
            }
            plan.Commit();
            HessianTable.Write(LinearCommand.Console(context), config, report, plan.Paths);
            return ExitCodes.Ok;
        });
        return command;
    }
}
