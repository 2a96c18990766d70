using System.CommandLine;
using Curvature.Cli.Output;
using Curvature.Data;
using Curvature.Reporting.Linear;
using Curvature.Theory;
using Spectre.Console;
using static TorchSharp.torch;

namespace Curvature.Cli.Commands;

/// <summary><c>curvature linear</c>: the linear-neuron lab — exact spectrum of the input second-moment
/// matrix (estimated by Lanczos and SLQ above <c>--dense-limit</c>), Marchenko–Pastur theory, learning-rate bounds and gradient-descent dynamics for every
/// preprocessing mode (LeCun, Kanter &amp; Solla 1991; Efficient BackProp 1998, §4.3, §5).</summary>
internal static class LinearCommand
{
    /// <summary>Where output goes when neither --json nor --out is given: every run leaves a record.</summary>
    public const string DefaultOutputDirectory = "curvature-out/linear";

    // Synthetic defaults: N = 200 inputs, p = 1000 samples (α = 5, a bulk well separated from 0), mean 0.5 and
    // variance 1, so the mean's outlier N m² + v = 51 sits far above the bulk edge v(1 + 1/√α)² ≈ 2.1 —
    // LeCun et al.'s point, visible at a glance; noise 0.1, seed 1.
    sealed record Defaults
    {
        public const int Inputs = 200, Samples = 1000;
        public const double Mean = 0.5, Variance = 1.0, Noise = 0.1;
        public const ulong Seed = 1;
    }

    public static Command Create(CommandContext context)
    {
        var inputs = OptionFactory.Positive("--inputs", Defaults.Inputs, "Synthetic data: number of inputs N.");
        var samples = OptionFactory.Optional<int>("--samples", $"Number of samples p (synthetic default {Defaults.Samples}; with --dataset, the first p examples — default all).");
        var mean = OptionFactory.Create("--mean", Defaults.Mean, "Synthetic data: mean m of every input component.");
        var variance = OptionFactory.Positive("--variance", Defaults.Variance, "Synthetic data: variance v of every input component.");
        var noise = OptionFactory.NonNegative("--noise", Defaults.Noise, "Synthetic data: standard deviation of the label noise.");
        var preprocess = OptionFactory.Choice("--preprocess", "none", "Preprocessing reported first (all four are computed side by side).",
                                              PreprocessingNames.All.Select(m => m.ToName()).ToArray());
        var seed = OptionFactory.Create("--seed", Defaults.Seed, "Seed of the synthetic data and teacher.");
        var eta = OptionFactory.Optional<double>("--eta", "Absolute learning rate for every mode (default: --eta-factor / λmax of each mode).");
        var etaFactor = OptionFactory.Positive("--eta-factor", 1.0, "Learning rate as a multiple of 1/λmax (1 = no oscillation, 2 = divergence bound).");
        var tolerance = OptionFactory.Positive("--tolerance", GradientDescentOptions.DefaultTolerance, "Stop when the excess loss falls below this fraction of its start.");
        var maxSteps = OptionFactory.Positive("--max-steps", GradientDescentOptions.DefaultMaxSteps, "Step cap of each gradient-descent run.");
        var dataset = OptionFactory.Choice("--dataset", "synthetic", "Input data.", "synthetic", "fashion-mnist");
        var data = OptionFactory.OptionalText("--data", "Directory with the Fashion-MNIST files (default: the embedded test split); the train split is used when present.");
        var targetClass = OptionFactory.Create("--target-class", 0, "Fashion-MNIST: the class the neuron regresses (target 1 for it, 0 otherwise).");
        var denseLimit = OptionFactory.Positive("--dense-limit", ExactSpectrum.MaxDenseDimension,
            $"Largest min(p, N) whose spectrum is computed densely (at most {ExactSpectrum.MaxDenseDimension}); above it Lanczos and SLQ estimate it.");
        var json = OptionFactory.OptionalText("--json", "Write the JSON record to this file.");
        var outDir = OptionFactory.OptionalText("--out", $"Write the record and the figures (PNG and SVG) to this directory (default {DefaultOutputDirectory} when --json is not given).");

        var command = new Command("linear", "The linear-neuron lab: why centred, normalised inputs train faster (exact spectra, Marchenko–Pastur, GD dynamics).");
        foreach (var o in new Option[] { inputs, samples, mean, variance, noise, preprocess, seed, eta, etaFactor, tolerance, maxSteps, dataset, data, targetClass, denseLimit, json, outDir })
            command.Options.Add(o);
        targetClass.Validators.Add(r =>
        {
            if (!OptionFactory.TryGetValue(r, out int v)) return;
            if (v is < 0 or >= FashionMnist.ClassCount) r.AddError($"--target-class must be a class index 0..{FashionMnist.ClassCount - 1}; got {v}");
        });

        command.SetAction(parse =>
        {
            var options = new LinearLabOptions
            {
                Preprocessing = PreprocessingNames.Parse(parse.GetValue(preprocess)!),
                Eta = parse.GetValue(eta),
                EtaFactor = parse.GetValue(etaFactor),
                Tolerance = parse.GetValue(tolerance),
                MaxSteps = parse.GetValue(maxSteps),
                MaxDenseDimension = parse.GetValue(denseLimit),
            };
            if (options.MaxDenseDimension > ExactSpectrum.MaxDenseDimension)
                throw new UserInputException($"--dense-limit must be at most {ExactSpectrum.MaxDenseDimension}; got {options.MaxDenseDimension}");
            if (options.Eta is { } e && !(e > 0 && double.IsFinite(e))) throw new UserInputException($"--eta must be a positive number; got {e}");
            if (parse.GetValue(samples) is { } p && p <= 0) throw new UserInputException($"--samples must be a positive number; got {p}");
            options.ToDynamicsOptions();

            string? jsonPath = parse.GetValue(json);
            string? outPath = parse.GetValue(outDir) ?? (jsonPath is null ? DefaultOutputDirectory : null);
            if (jsonPath is not null) OutputPlan.CheckWritableFile(jsonPath, "--json");
            if (outPath is not null) OutputPlan.CheckWritableDirectory(outPath, "--out");

            var run = RunInfo.Capture(context.Args);
            LinearLabResult result;
            bool synthetic = parse.GetValue(dataset) == "synthetic";
            if (synthetic)
            {
                var config = new SyntheticGaussianConfig(parse.GetValue(inputs), parse.GetValue(samples) ?? Defaults.Samples,
                                                         parse.GetValue(mean), parse.GetValue(variance), parse.GetValue(noise), parse.GetValue(seed));
                result = LinearNeuronLab.Run(LinearLabInput.FromSynthetic(config), options);
            }
            else
            {
                using var images = LoadFashionMnist(parse.GetValue(data), parse.GetValue(samples));
                using var targets = images.Labels.eq(parse.GetValue(targetClass)).to_type(ScalarType.Float64);
                string source = $"fashion-mnist {images.Split} split ({images.Directory}), target: class {parse.GetValue(targetClass)} ({FashionMnist.ClassNames[parse.GetValue(targetClass)]})";
                result = LinearNeuronLab.Run(LinearLabInput.FromData(images.Images, targets, source), options);
            }

            var plan = new OutputPlan();
            string recordJson = Json.Record("curvature.linear", run, result);
            if (jsonPath is not null) plan.AddText(jsonPath, recordJson);
            if (outPath is not null)
            {
                plan.AddText(Path.Combine(outPath, "linear.json"), recordJson);
                foreach (var figure in LinearLabFigures.Build(result))
                {
                    plan.Add(Path.Combine(outPath, figure.Name + ".png"), figure.Png);
                    plan.AddText(Path.Combine(outPath, figure.Name + ".svg"), figure.Svg);
                }
            }
            plan.Commit();
            LinearTable.Write(Console(context), result, plan.Paths);
            return ExitCodes.Ok;
        });
        return command;
    }

    static LabeledImages LoadFashionMnist(string? directory, int? samples)
    {
        if (directory is null) return FashionMnist.LoadDefault(FashionMnist.TestSplit, samples);
        if (!Directory.Exists(directory)) throw new UserInputException($"--data {directory}: no such directory");
        string split = FashionMnist.HasSplit(directory, FashionMnist.TrainSplit) ? FashionMnist.TrainSplit : FashionMnist.TestSplit;
        return FashionMnist.Load(directory, split, samples);
    }

    internal static IAnsiConsole Console(CommandContext context)
    {
        bool terminal = ReferenceEquals(context.Stdout, System.Console.Out) && !System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(context.Stdout),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        if (!terminal) console.Profile.Width = 132; // files and pipes: wide enough that table rows do not wrap
        return console;
    }
}
