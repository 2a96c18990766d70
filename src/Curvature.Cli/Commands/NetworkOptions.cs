using System.CommandLine;
using Curvature.Data;
using static TorchSharp.torch;

namespace Curvature.Cli.Commands;

/// <summary>
/// The model and data options shared by the network verbs (<c>hessian</c>, <c>train</c>): declared once, with
/// the same names and defaults, and turned into data and a <see cref="NetworkConfig"/> the same way.
/// </summary>
internal sealed class NetworkOptions
{
    public Option<string> Model { get; } = OptionFactory.Choice("--model", "mlp", "Architecture.", "mlp", "cnn", "resnet");
    public Option<string> Hidden { get; }
    public Option<string> Channels { get; } = ListOption.Create("--channels", "4,8", "CNN channels per conv layer.");
    public Option<string> Kernels { get; } = ListOption.Create("--kernels", "5,3", "CNN kernel sizes.");
    public Option<string> Strides { get; } = ListOption.Create("--strides", "2,2", "CNN strides.");
    public Option<string> Padding { get; } = ListOption.Create("--padding", "0,0", "CNN paddings (default 0 for every conv layer).", allowZero: true);
    public Option<bool> GlobalPool { get; } = OptionFactory.Create("--global-pool", false, "CNN: global average pool before the Linear.");
    public Option<int> Depth { get; } = OptionFactory.Positive("--depth", 1, "ResNet: n blocks per stage (6n + 2 layers).");
    public Option<string> Activation { get; }
    public Option<string> Norm { get; } = OptionFactory.Choice("--norm", "none", "Normalisation after each hidden layer.", "none", "batch", "layer", "group", "centered");
    public Option<int> Classes { get; } = OptionFactory.Positive("--classes", 10, "Output classes.");
    public Option<double> InitScale { get; } = OptionFactory.Positive("--init-scale", 1.0, "Multiply the weights by this after PyTorch's default initialisation.");
    public Option<string?> Weights { get; }
    public Option<string> Dataset { get; } = OptionFactory.Choice("--dataset", "fashion-mnist", "Data.", "fashion-mnist", "cifar10", "gaussian-mixture");
    public Option<string?> Data { get; } = OptionFactory.OptionalText("--data", "Directory with the data files (default: the embedded Fashion-MNIST test split).");
    public Option<int> Samples { get; }
    public Option<string> Standardize { get; } = OptionFactory.Choice("--standardize", "none", "Input standardisation (statistics of the first N samples).", "none", "global", "per-pixel");
    public Option<string> Dtype { get; }
    public Option<string> Loss { get; } = OptionFactory.Choice("--loss", "cross-entropy", "Loss (mse = ½‖z − onehot(y)‖², mean over samples).", "cross-entropy", "mse");
    public Option<ulong> Seed { get; }
    public Option<int> MixtureDims { get; } = OptionFactory.Positive("--mixture-dims", 32, "Gaussian mixture: dimensions.");
    public Option<double> MixtureSeparation { get; } = OptionFactory.Positive("--mixture-separation", 3.0, "Gaussian mixture: class-mean separation (within-class std 1).");

    /// <summary>The precision a run uses: --dtype, where auto is the precision policy — float32 products for the conv nets
    /// (float64 convolutions' double backward is 1.5–3× slower here and float32 perturbs eigenvalues by ~1e-7·λ₁, far below
    /// every stochastic error: docs/BENCHMARKS.md §8.6) and float64 for MLPs (where it costs little and exact-mode
    /// comparisons reach 1e-10).</summary>
    public string ResolvedDtype(ParseResult parse) =>
        parse.GetValue(Dtype) is "auto" or null ? (parse.GetValue(Model) == "mlp" ? "float64" : "float32") : parse.GetValue(Dtype)!;

    /// <summary>Declares the options; the verb-specific wording of a few descriptions and defaults is passed in.
    /// The MLP defaults (784-64-32-10 tanh, 1,000 samples) are the small analysis net; the study passes the notes' 100,100 relu on 5,000.</summary>
    public NetworkOptions(string weightsDescription, string samplesDescription, string dtypeDescription, string seedDescription,
                          string hidden = "64,32", string activation = "tanh", int samples = 1000, string dtype = "auto")
    {
        Hidden = ListOption.Create("--hidden", hidden, "MLP hidden widths.");
        Activation = OptionFactory.Choice("--activation", activation, "Nonlinearity.", "tanh", "relu");
        Weights = OptionFactory.OptionalText("--weights", weightsDescription);
        Samples = OptionFactory.Positive("--samples", samples, samplesDescription);
        Dtype = OptionFactory.Choice("--dtype", dtype, dtypeDescription + " auto: float32 for cnn and resnet, float64 for mlp (docs/BENCHMARKS.md §8.6).",
                                     "auto", "float32", "float64");
        Seed = OptionFactory.Create("--seed", 0UL, seedDescription);
    }

    /// <summary>All the shared options, for <c>Command.Options</c>.</summary>
    public IEnumerable<Option> All =>
        [Model, Hidden, Channels, Kernels, Strides, Padding, GlobalPool, Depth, Activation, Norm, Classes, InitScale, Weights,
         Dataset, Data, Samples, Standardize, Dtype, Loss, Seed, MixtureDims, MixtureSeparation];

    /// <summary>The first <paramref name="count"/> examples (float64 inputs, int64 labels) and the split read,
    /// with the class count checked against the labels. Tensors go to the caller's dispose scope.</summary>
    public (Tensor Inputs, Tensor Labels, string Split) LoadData(ParseResult parse, int count)
    {
        var (inputs, labels, split) = NetworkSetup.LoadData(parse.GetValue(Dataset)!, parse.GetValue(Data), count, parse.GetValue(Classes), parse.GetValue(Seed),
                                                            ScalarType.Float64, parse.GetValue(MixtureDims), parse.GetValue(MixtureSeparation));
        if (inputs.shape[0] < count)
            throw new UserInputException($"--samples: the data has only {inputs.shape[0]} examples; {count} are needed");
        long maxLabel = labels.max().item<long>();
        if (maxLabel >= parse.GetValue(Classes))
            throw new UserInputException($"--classes {parse.GetValue(Classes)}: the data has labels up to {maxLabel}");
        return (inputs, labels, split);
    }

    /// <summary>Standardises <paramref name="all"/> with the statistics of its first <paramref name="n"/> rows
    /// (the analysed or training samples), per <c>--standardize</c>.</summary>
    public Tensor Standardized(ParseResult parse, Tensor all, int n)
    {
        string mode = parse.GetValue(Standardize)!;
        if (mode == "none") return all;
        using var stats = StandardizationStatistics.Compute(all.narrow(0, 0, n), mode == "global" ? Standardization.Global : Standardization.PerPixel);
        return stats.Apply(all);
    }

    /// <summary>The record of what was run. Padding is 0 per layer unless given: the fixed default "0,0" fits only
    /// the default two layers, so "--channels 2 --kernels 5 --strides 3" would otherwise fail with a padding-count
    /// error the user never asked for.</summary>
    public NetworkConfig Config(ParseResult parse, string split, int samples, int batchSize, int populationSamples, Tensor inputs, Tensor labels)
    {
        var channels = ListOption.Parse("--channels", parse.GetValue(Channels)!);
        var padding = parse.GetResult(Padding) is { Implicit: false } ? ListOption.Parse("--padding", parse.GetValue(Padding)!, allowZero: true) : new int[channels.Length];
        return new NetworkConfig(parse.GetValue(Model)!, ListOption.Parse("--hidden", parse.GetValue(Hidden)!), channels,
            ListOption.Parse("--kernels", parse.GetValue(Kernels)!), ListOption.Parse("--strides", parse.GetValue(Strides)!), padding,
            parse.GetValue(GlobalPool), parse.GetValue(Depth), parse.GetValue(Activation)!, parse.GetValue(Norm)!, parse.GetValue(Classes), parse.GetValue(InitScale),
            parse.GetValue(Weights), parse.GetValue(Dataset)!, parse.GetValue(Data), split, samples, batchSize, parse.GetValue(Standardize)!,
            populationSamples, ResolvedDtype(parse), parse.GetValue(Loss)!, parse.GetValue(Seed), NetworkSetup.Fingerprint(inputs, labels),
            NetworkSetup.FileSha256(parse.GetValue(Weights)));
    }
}
