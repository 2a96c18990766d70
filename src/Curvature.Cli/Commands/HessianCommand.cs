using System.CommandLine;
using Curvature.Analysis;
using Curvature.Cli.Output;
using Curvature.Data;
using Curvature.Distributed;
using Curvature.Estimators;
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
        var net = new NetworkOptions(
            "PyTorch state dict (.pt) or .safetensors to analyse (default: the seeded initialisation).",
            "Analyse the first N examples (1,000: as in the study notes).",
            "Precision of the products (the Krylov basis is float64 either way).",
            "Seed of the initialisation, the synthetic data and the estimators.");
        var batchSize = OptionFactory.Optional<int>("--batch-size", "Batch size of the fixed partition (default: all N in one batch).");
        var bnMode = OptionFactory.Choice("--bn-mode", "train", "BatchNorm statistics: batch (train), running (eval), or a population subset.", "train", "eval", "population");
        var populationSamples = OptionFactory.Positive("--population-samples", 5000, "BatchNorm population mode: statistics of the first P examples.");
        var operatorKind = OptionFactory.Choice("--operator", "hessian", "Curvature matrix.", "hessian", "ggn", "fisher");
        var parameters = OptionFactory.OptionalText("--params", "Only these parameters: comma-separated globs of names, e.g. '1.*' or '*.weight'.");
        var top = OptionFactory.Positive("--top", 10, "Number of top eigenpairs K.");
        var density = OptionFactory.Create("--density", false, "Estimate the spectral density by SLQ (also gives the trace, |λ| and negative mass).");
        var trace = OptionFactory.Create("--trace", false, "Estimate the trace (by SLQ with --density, else by Hutch++).");
        var gradientBatch = OptionFactory.Optional<int>("--gradient-batch-size", "Mini-batch f_K from gradients of consecutive batches of this size (default: the partition's batches).");
        var traceProducts = OptionFactory.Positive("--trace-products", HutchPlusPlus.DefaultInitialMatvecs, "Hutch++ budget of --trace without --density (≥ 4).");
        var exact = OptionFactory.Create("--exact", false, $"Materialise the matrix (≤ {CurvatureProbe.MaxExactParameters} parameters) and report every estimate's error.");
        var lanczosSteps = OptionFactory.Positive("--lanczos-steps", 90, "SLQ Lanczos steps per probe (90: Ghorbani et al. 2019).");
        var probes = OptionFactory.Positive("--probes", 10, "SLQ probe vectors (10: Ghorbani et al. 2019).");
        var probeBlock = OptionFactory.Optional<int>("--probe-block", $"SLQ probes run side by side, sharing one block product per Lanczos step (1 to --probes; default: as many as fit {StochasticLanczosQuadrature.ProbeBlockBudgetBytes >> 30} GiB of Krylov bases, from the options alone). Changes only the products' round-off.");
        var tolerance = OptionFactory.Optional<double>("--tolerance", "Relative residual ‖Hv − λv‖/‖H‖ of the top eigenpairs (default 1e-8 in float64, 1e-5 in float32: a few hundred ulps of the products).");
        var basis = OptionFactory.Choice("--basis", "float64", "Krylov basis of the top eigenpairs and the SLQ probes: float64 or float32 rows in memory, or in a memory-mapped file (disk, disk-float32); see README, Memory of the Krylov basis.",
                                         "float64", "float32", "disk", "disk-float32");
        var basisDir = OptionFactory.OptionalText("--basis-dir", "Directory of the basis file with --basis disk (default: the system's temporary directory).");
        var reorth = OptionFactory.Choice("--reorth", "full", "Reorthogonalization of the SLQ density: full (Ghorbani et al. 2019), selective (Simon 1984) or none.", "full", "selective", "none");
        var graphCache = OptionFactory.Choice("--graph-cache", "auto", "Keep each batch's gradient graph for all the products of an estimator (auto: while it fits in half the available memory) or rebuild it per product (off). The numbers are identical either way.", "auto", "off");
        var maxStored = OptionFactory.Optional<int>("--max-stored-vectors", "With --reorth selective: keep only the S most recent SLQ basis vectors ((S+3)·n·8 bytes).");
        var json = OptionFactory.OptionalText("--json", "Write the JSON record to this file.");
        var outDir = OptionFactory.OptionalText("--out", $"Write the record and the figures to this directory (default {DefaultOutputDirectory} when --json is not given).");
        var checkpoint = OptionFactory.OptionalText("--checkpoint", "Save the state of the long stages (top eigenpairs, SLQ, Hutch++) in this directory, so an interrupted run can continue with --resume.");
        var resume = OptionFactory.Create("--resume", false, "Continue the run saved in --checkpoint (refused if any option that affects the numbers differs).");
        var checkpointEvery = OptionFactory.Positive("--checkpoint-every", HessianResume.DefaultInterval, "With --checkpoint: save every K operator products (and on Ctrl-C).");
        var cluster = new ClusterOptionSet(
            "Compute the operator's products data-parallel on a cluster: HOST:PORT for this coordinator's silo (e.g. 127.0.0.1:11111; workers join with 'curvature worker --cluster HOST:PORT') or redis://HOST:PORT. See docs/DISTRIBUTED.md.",
            "With --cluster: seconds to wait for --workers workers to join.");
        var workers = OptionFactory.Positive("--workers", 1, "With --cluster: workers to wait for before the run starts.");
        var shards = OptionFactory.Optional<int>("--shards", "With --cluster: data shards, each a run of whole batches (default: one per worker).");

        var command = new Command("hessian", "Curvature of a network's loss: top eigenpairs, density, trace and gradient concentration, in a chosen BatchNorm mode.");
        foreach (var o in net.All.Concat([batchSize, bnMode, populationSamples, operatorKind, parameters, top, density, trace, traceProducts, gradientBatch, exact,
                                          lanczosSteps, probes, probeBlock, tolerance, basis, basisDir, reorth, maxStored, graphCache, json, outDir, checkpoint, resume, checkpointEvery,
                                          workers, shards]).Concat(cluster.All))
            command.Options.Add(o);

        command.SetAction(parse =>
        {
            string? jsonPath = parse.GetValue(json);
            string? outPath = parse.GetValue(outDir) ?? (jsonPath is null ? DefaultOutputDirectory : null);
            if (jsonPath is not null) OutputPlan.CheckWritableFile(jsonPath, "--json");
            if (outPath is not null) OutputPlan.CheckWritableDirectory(outPath, "--out");
            if (parse.GetValue(batchSize) is <= 0) throw new UserInputException($"--batch-size must be a positive number; got {parse.GetValue(batchSize)}");
            if (parse.GetValue(gradientBatch) is <= 0) throw new UserInputException($"--gradient-batch-size must be a positive number; got {parse.GetValue(gradientBatch)}");
            if (parse.GetValue(traceProducts) < 4) throw new UserInputException($"--trace-products must be at least 4 (Hutch++ needs 2 residual probes for a standard error); got {parse.GetValue(traceProducts)}");
            if (parse.GetValue(probeBlock) is { } block && (block < 1 || block > parse.GetValue(probes)))
                throw new UserInputException($"--probe-block must be between 1 and --probes ({parse.GetValue(probes)}); got {block}");
            if (parse.GetValue(tolerance) is { } given && !(given > 0 && given < 1)) throw new UserInputException($"--tolerance must be between 0 and 1; got {given}");
            var storage = KrylovOptions.Storage(parse.GetValue(basis)!, parse.GetValue(basisDir));
            var reorthogonalization = KrylovOptions.Reorthogonalization(parse.GetValue(reorth)!);
            int? maxStoredVectors = KrylovOptions.MaxStoredVectors(parse.GetValue(maxStored), reorthogonalization);
            string? checkpointPath = parse.GetValue(checkpoint);
            if (parse.GetValue(resume) && checkpointPath is null) throw new UserInputException("--resume needs --checkpoint DIR: the directory of the run to continue");
            var clusterAddress = parse.GetValue(cluster.Cluster) is { } clusterText ? ClusterOptionSet.Address(clusterText) : null;
            if (clusterAddress is null && (parse.GetResult(workers) is { Implicit: false } || parse.GetValue(shards) is not null))
                throw new UserInputException("--workers and --shards need --cluster HOST:PORT");
            if (parse.GetValue(shards) is < 1) throw new UserInputException($"--shards must be a positive number; got {parse.GetValue(shards)}");
            // Installed before the data are read, so Ctrl-C at any moment is a clean stop.
            using var interrupt = new InterruptSignal();
            var run = RunInfo.Capture(context.Args);
            var scalar = NetworkSetup.ParseDtype(net.ResolvedDtype(parse));
            ulong s = parse.GetValue(net.Seed);
            string mode = parse.GetValue(bnMode)!;
            int n = parse.GetValue(net.Samples);
            int populationCount = mode == "population" ? Math.Max(n, parse.GetValue(populationSamples)) : n;

            using var scope = NewDisposeScope();
            var (loaded, allLabels, split) = net.LoadData(parse, populationCount);
            var allInputs = net.Standardized(parse, loaded, n);
            var inputs = allInputs.narrow(0, 0, n);
            var labels = allLabels.narrow(0, 0, n);
            // The batch size recorded is the one used: the partition caps it at N (a larger --batch-size means one batch).
            var config = net.Config(parse, split, n, Math.Min(parse.GetValue(batchSize) ?? n, n), mode == "population" ? populationCount : 0, inputs, labels);

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
            if (clusterAddress is not null && bn == BatchNormMode.Population)
                throw new UserInputException("--cluster: BatchNorm mode population is not distributed (its statistics come from a separate subset); use --bn-mode train or eval");
            if (clusterAddress is not null && parse.GetValue(parameters) is not null)
                throw new UserInputException("--cluster: --params is not distributed (the shards analyse all parameters); leave it out");
            var shardRanges = clusterAddress is null ? null : ClusterCoordinator.Ranges(n, config.BatchSize, parse.GetValue(shards) ?? parse.GetValue(workers));
            using NetworkOperator curvature = op switch
            {
                "hessian" => new HessianOperator(network, lossKind, analysisData, bn, selection, population),
                "ggn" => new GaussNewtonOperator(network, lossKind, analysisData, bn, selection, population),
                _ => new EmpiricalFisherOperator(network, lossKind, analysisData, bn, selection, population),
            };
            if (parse.GetValue(graphCache) == "off") curvature.GraphCacheBudget = 0;
            // float32 basis rows give eigenvectors to ~1e-7 relative (BasisPrecision.Float32), as float32 products do.
            double residualTolerance = parse.GetValue(tolerance)
                ?? (scalar == ScalarType.Float32 || storage.Precision == BasisPrecision.Float32 ? Float32Tolerance : Tolerances.RitzResidualRelative);
            var options = new CurvatureProbeOptions(parse.GetValue(top), parse.GetValue(density), parse.GetValue(trace), parse.GetValue(lanczosSteps), parse.GetValue(probes), parse.GetValue(exact),
                                                    residualTolerance, TraceProducts: parse.GetValue(traceProducts),
                                                    GradientBatchSize: parse.GetValue(gradientBatch), Basis: storage,
                                                    Reorthogonalization: reorthogonalization, MaxStoredVectors: maxStoredVectors, ProbeBlock: parse.GetValue(probeBlock));
            CheckpointDirectory? saved = null;
            if (checkpointPath is not null)
            {
                // The width the run will use (explicit or automatic: both are functions of the configuration), so the same
                // width reached either way resumes; without the density no SLQ runs and the request is recorded as given.
                object? width = options.Density ? StochasticLanczosQuadrature.ProbeBlockOf(selection.Size, CurvatureProbe.SlqOptionsFor(selection.Size, options))
                                                : options.ProbeBlock;
                var fields = HessianResume.Configuration(config, run,
                [
                    ("--bn-mode", mode), ("--operator", op), ("--params", parse.GetValue(parameters) ?? "all"), ("--top", options.TopK),
                    ("--density", options.Density), ("--trace", options.Trace), ("--trace-products", options.TraceProducts),
                    ("--gradient-batch-size", options.GradientBatchSize), ("--exact", options.Exact), ("--lanczos-steps", options.LanczosSteps),
                    ("--probes", options.Probes), ("--probe-block", width), ("--tolerance", options.Tolerance),
                    // Where the basis lives changes no bit (float64 disk ≡ memory), but its precision and the SLQ
                    // reorthogonalization do; --basis is checked whole so a resume repeats the run as it was asked.
                    ("--basis", parse.GetValue(basis)), ("--reorth", parse.GetValue(reorth)), ("--max-stored-vectors", maxStoredVectors),
                    // Shards change how the products' sums are grouped, so their round-off; where they run changes nothing.
                    ("--shards", shardRanges?.Length),
                ]);
                saved = HessianResume.Open(checkpointPath, parse.GetValue(resume), fields, parse.GetValue(checkpointEvery));
            }
            // Stopping the coordinator's silo ends the workers' part of the run and deletes the run's files, however it ends.
            ClusterCoordinator? coordinator = null;
            try
            {
                coordinator = clusterAddress is null ? null : ClusterCoordinator.Start(context,
                    new SiloSettings(SiloRole.Coordinator, clusterAddress, cluster.Directory(new ParseResultView(parse)),
                                     GraphCacheBudget: parse.GetValue(graphCache) == "off" ? 0 : null,
                                     ResponseTimeout: TimeSpan.FromSeconds(parse.GetValue(cluster.ResponseTimeout))),
                    parse.GetValue(workers), shardRanges!, NetworkSetup.Spec(config, inputs.shape.Skip(1).ToArray()), network, inputs, labels, config.BatchSize,
                    bn, lossKind, op switch { "hessian" => OperatorKind.Hessian, "ggn" => OperatorKind.GaussNewton, _ => OperatorKind.EmpiricalFisher },
                    scalar, TimeSpan.FromSeconds(parse.GetValue(cluster.JoinTimeout)), interrupt.Token);
                using var generator = new Generator(s);
                CurvatureReport report;
                try
                {
                    report = ProgressBars.Run(context, progress => CurvatureProbe.Run(curvature, op, options, generator, progress, saved, interrupt.Token, coordinator?.Products));
                }
                catch (OperationCanceledException) when (interrupt.Token.IsCancellationRequested)
                {
                    context.Stderr.WriteLine(HessianResume.Interrupted(checkpointPath));
                    return interrupt.ExitCode;
                }
                catch (CheckpointDirectoryException e)
                {
                    throw new UserInputException(HessianResume.Describe(e));
                }

                string recordJson = Json.Record("curvature.hessian", run, report, ("config", config),
                                                ("model_has_batch_statistics", curvature.HasBatchStatistics),
                                                ("gradient_batch_size", parse.GetValue(gradientBatch) ?? config.BatchSize),
                                                ("graph_cache", parse.GetValue(graphCache)),
                                                ("cluster", coordinator?.Record()),
                                                ("krylov", KrylovOptions.Record(parse.GetValue(basis)!, storage, reorthogonalization, maxStoredVectors)));
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
            }
            catch (OperationCanceledException) when (interrupt.Token.IsCancellationRequested && coordinator is null)
            {
                // Ctrl-C while the coordinator waited for its workers: nothing was computed yet.
                context.Stderr.WriteLine(HessianResume.Interrupted(checkpointPath));
                return interrupt.ExitCode;
            }
            finally
            {
                coordinator?.Dispose();
            }
        });
        return command;
    }
}
