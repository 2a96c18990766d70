using Curvature.Checkpoints;
using Curvature.Data;
using Curvature.Models;
using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Cli.Commands;

/// <summary>The model and data a network verb analyses, as the user described them; recorded in the JSON.</summary>
/// <param name="Model">"mlp", "cnn" or "resnet".</param>
/// <param name="Hidden">MLP hidden widths.</param>
/// <param name="Channels">CNN channels per conv layer.</param>
/// <param name="Kernels">CNN kernel sizes.</param>
/// <param name="Strides">CNN strides.</param>
/// <param name="Padding">CNN paddings.</param>
/// <param name="GlobalPool">CNN global average pool before the Linear.</param>
/// <param name="Depth">ResNet n (6n + 2 layers).</param>
/// <param name="Activation">"tanh" or "relu".</param>
/// <param name="Norm">"none", "batch", "layer", "group" or "centered".</param>
/// <param name="Classes">Output classes.</param>
/// <param name="InitScale">Weight scale after PyTorch's default initialisation.</param>
/// <param name="Weights">Checkpoint loaded, or null for the freshly initialised model.</param>
/// <param name="Dataset">"fashion-mnist", "cifar10" or "gaussian-mixture".</param>
/// <param name="Data">Directory of the data files, or null for the embedded default.</param>
/// <param name="Split">Which split was read.</param>
/// <param name="Samples">N, the first N examples analysed.</param>
/// <param name="BatchSize">Batch size of the fixed partition.</param>
/// <param name="Standardize">"none", "global" or "per-pixel" (statistics of the analysed samples).</param>
/// <param name="PopulationSamples">Size of the population subset for BatchNorm mode population.</param>
/// <param name="Dtype">"float32" or "float64".</param>
/// <param name="Loss">"cross-entropy" or "mse".</param>
/// <param name="Seed">Seed of the initialisation, the synthetic data and the estimators.</param>
/// <param name="DataSha256">SHA-256 of the analysed inputs and targets as float64/int64 bytes: the data's identity.</param>
/// <param name="WeightsSha256">SHA-256 of the weights file's bytes (lowercase hex), or null without one: the path alone
/// does not say which weights were analysed.</param>
public sealed record NetworkConfig(
    string Model, int[] Hidden, int[] Channels, int[] Kernels, int[] Strides, int[] Padding, bool GlobalPool, int Depth,
    string Activation, string Norm, int Classes, double InitScale, string? Weights,
    string Dataset, string? Data, string Split, int Samples, int BatchSize, string Standardize, int PopulationSamples,
    string Dtype, string Loss, ulong Seed, string DataSha256, string? WeightsSha256 = null);

/// <summary>Builds models and loads data for the network verbs (hessian, and later train and study).</summary>
internal static class NetworkSetup
{
    public static ScalarType ParseDtype(string name) => name switch
    {
        "float32" => ScalarType.Float32,
        "float64" => ScalarType.Float64,
        _ => throw new UserInputException($"--dtype: unknown value '{name}'; expected float32 or float64"),
    };

    public static NormKind ParseNorm(string name) => name switch
    {
        "none" => NormKind.None, "batch" => NormKind.Batch, "layer" => NormKind.Layer, "group" => NormKind.Group,
        "centered" => NormKind.Centered,
        _ => throw new UserInputException($"--norm: unknown value '{name}'"),
    };

    public static Models.Activation ParseActivation(string name) => name switch
    {
        "tanh" => Models.Activation.Tanh, "relu" => Models.Activation.Relu,
        _ => throw new UserInputException($"--activation: unknown value '{name}'"),
    };

    public static LossKind ParseLoss(string name) => name switch
    {
        "cross-entropy" => LossKind.CrossEntropy, "mse" => LossKind.MeanSquaredError,
        _ => throw new UserInputException($"--loss: unknown value '{name}'"),
    };

    /// <summary>Builds the model the config describes for inputs of the given shape (per sample).</summary>
    public static nn.Module<Tensor, Tensor> BuildModel(NetworkConfig c, long[] sampleShape, ScalarType dtype)
    {
        var model = Build(c, sampleShape, dtype);
        // PyTorch's initialisation times --init-scale can overflow the dtype (1e200 is ∞ in float32).
        if (Models.ModelChecks.FindNonFinite(model) is { } bad)
            throw new UserInputException($"--init-scale {c.InitScale:G}: the initial weights overflow {c.Dtype}: {bad}; choose a smaller --init-scale"
                                         + (dtype == ScalarType.Float32 ? " or --dtype float64" : ""));
        return model;
    }

    static nn.Module<Tensor, Tensor> Build(NetworkConfig c, long[] sampleShape, ScalarType dtype)
    {
        try
        {
            return Spec(c, sampleShape) switch
            {
                MlpSpec mlp => mlp.Build(dtype, c.Seed),
                CnnSpec cnn => cnn.Build(dtype, c.Seed),
                ResNetSpec resnet => resnet.Build(dtype, c.Seed),
                var other => throw new InvalidOperationException($"no builder for {other}"),
            };
        }
        catch (ArgumentException e)
        {
            throw new UserInputException(e.Message);
        }
    }

    /// <summary>The zoo spec (<see cref="MlpSpec"/>, <see cref="CnnSpec"/> or <see cref="ResNetSpec"/>) the config
    /// describes for inputs of the given shape (per sample).</summary>
    public static object Spec(NetworkConfig c, long[] sampleShape)
    {
        switch (c.Model)
        {
            case "mlp":
                return new MlpSpec((int)sampleShape.Aggregate(1L, (a, b) => a * b), c.Hidden, c.Classes,
                                   ParseActivation(c.Activation), ParseNorm(c.Norm)) { InitScale = c.InitScale };
            case "cnn":
                if (sampleShape.Length != 3) throw new UserInputException($"--model cnn needs image data [C, H, W]; {c.Dataset} samples have shape [{string.Join(", ", sampleShape)}]");
                return new CnnSpec((int)sampleShape[0], (int)sampleShape[1], (int)sampleShape[2], c.Channels, c.Kernels, c.Strides, c.Padding,
                                   c.Classes, ParseActivation(c.Activation), ParseNorm(c.Norm), c.GlobalPool) { InitScale = c.InitScale };
            case "resnet":
                if (sampleShape.Length != 3) throw new UserInputException($"--model resnet needs image data [C, H, W]; {c.Dataset} samples have shape [{string.Join(", ", sampleShape)}]");
                return new ResNetSpec(c.Depth, c.Classes, ParseNorm(c.Norm), ParseActivation(c.Activation), (int)sampleShape[0]) { InitScale = c.InitScale };
            default:
                throw new UserInputException($"--model: unknown value '{c.Model}'; expected mlp, cnn or resnet");
        }
    }

    /// <summary>Loads a checkpoint strictly into the model (keys, shapes, dtypes named on mismatch).</summary>
    /// <summary>Loads a checkpoint strictly into the model (keys, shapes, dtypes named on mismatch) and refuses weights
    /// that hold NaN or ∞ before any analysis or training starts. Floating-point tensors of another precision are
    /// converted (float32 → float64 is exact); integer/bool tensors must match.</summary>
    public static void LoadWeights(nn.Module model, string path)
    {
        if (Directory.Exists(path)) throw new UserInputException($"--weights {path}: is a directory; give the checkpoint file (e.g. {Path.Combine(path, "model.safetensors")})");
        if (!File.Exists(path)) throw new UserInputException($"--weights {path}: no such file");
        try
        {
            Checkpoint.Load(model, path);
        }
        catch (CheckpointException e)
        {
            // A key or shape mismatch means the file holds another architecture (or one built for other data).
            string hint = e.Key is not null && (e.Message.Contains(" shape ", StringComparison.Ordinal) || e.Message.Contains("is in the", StringComparison.Ordinal))
                ? "; the checkpoint was saved from a different model: give the --model, --hidden/--channels/--depth, --norm, --classes and data it was trained with"
                : "";
            throw new UserInputException($"--weights {e.Message}{hint}");
        }
        if (Models.ModelChecks.FindNonFinite(model) is { } bad)
            throw new UserInputException($"--weights {path}: the weights contain {bad}; the checkpoint is unusable (saved after training diverged?) — use an earlier checkpoint");
    }

    /// <summary>Inputs [N, …] (images as [N, C, H, W]) and int64 labels [N] of the first <paramref name="samples"/>
    /// examples; the caller disposes.</summary>
    public static (Tensor Inputs, Tensor Labels, string Split) LoadData(string dataset, string? directory, int samples, int classes, ulong seed, ScalarType dtype,
                                                                      int mixtureDimensions, double mixtureSeparation)
    {
        switch (dataset)
        {
            case "fashion-mnist":
            {
                if (directory is not null && !Directory.Exists(directory)) throw new UserInputException($"--data {directory}: no such directory");
                string split = directory is not null && FashionMnist.HasSplit(directory, FashionMnist.TrainSplit) ? FashionMnist.TrainSplit : FashionMnist.TestSplit;
                using var images = directory is null ? FashionMnist.LoadDefault(split, samples, dtype) : FashionMnist.Load(directory, split, samples, dtype);
                return (images.Images.reshape(images.Count, 1, images.Height, images.Width).clone(), images.Labels.clone(), split);
            }
            case "cifar10":
            {
                if (directory is null) throw new UserInputException("--dataset cifar10 needs --data DIR with the CIFAR-10 binary files (data_batch_1.bin … or test_batch.bin)");
                if (!Directory.Exists(directory)) throw new UserInputException($"--data {directory}: no such directory");
                string split = Cifar10Reader.HasSplit(directory, Cifar10Reader.TrainSplit) ? Cifar10Reader.TrainSplit : Cifar10Reader.TestSplit;
                using var images = Cifar10Reader.Load(directory, split, samples, dtype);
                return (images.Images.clone(), images.Labels.clone(), split);
            }
            case "gaussian-mixture":
            {
                var config = new GaussianMixtureConfig(classes, mixtureDimensions, samples, mixtureSeparation, 1.0, seed);
                try { config.Validate(); }
                catch (ArgumentException e)
                {
                    // The library names its own symbols (K, d, n, s); on the command line they are options.
                    string option = e.Message.Contains("classes K;", StringComparison.Ordinal) ? $"--classes {classes}"
                        : e.Message.Contains("samples n", StringComparison.Ordinal) || e.Message.StartsWith("n·d", StringComparison.Ordinal) ? $"--samples {samples}"
                        : e.Message.Contains("dimensions d", StringComparison.Ordinal) || e.Message.StartsWith("K·d", StringComparison.Ordinal) ? $"--mixture-dims {mixtureDimensions}"
                        : e.Message.Contains("separation", StringComparison.Ordinal) ? $"--mixture-separation {mixtureSeparation:G}"
                        : "--dataset gaussian-mixture";
                    throw new UserInputException($"{option}: {e.Message}");
                }
                using var draw = GaussianMixture.Draw(config, dtype);
                return (draw.Inputs.clone(), draw.Labels.clone(), "synthetic");
            }
            default:
                throw new UserInputException($"--dataset: unknown value '{dataset}'; expected fashion-mnist, cifar10 or gaussian-mixture");
        }
    }

    /// <summary>SHA-256 of a file's bytes (lowercase hex), or null when there is no path or no such file (loading it
    /// reports that).</summary>
    public static string? FileSha256(string? path)
    {
        if (path is null || !File.Exists(path)) return null;
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(stream)).ToLowerInvariant();
    }

    /// <summary>SHA-256 of inputs and targets (as stored), so a record names exactly which data it saw.</summary>
    public static string Fingerprint(Tensor inputs, Tensor targets)
    {
        using var sha = System.Security.Cryptography.SHA256.Create();
        var a = inputs.contiguous().bytes.ToArray();
        var b = targets.contiguous().bytes.ToArray();
        sha.TransformBlock(a, 0, a.Length, null, 0);
        sha.TransformFinalBlock(b, 0, b.Length);
        return Convert.ToHexString(sha.Hash!).ToLowerInvariant();
    }
}
