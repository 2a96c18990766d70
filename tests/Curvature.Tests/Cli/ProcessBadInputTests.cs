using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Curvature.Cli;
using Curvature.Tests.Data;

namespace Curvature.Tests.Cli;

/// <summary>
/// Bad input, end to end (issue 6): the built <c>curvature</c> run as a separate process, so the real exit code and the
/// real console streams are asserted. Every case must give a non-zero exit code (2 for bad input), exactly one line on
/// standard error that starts "curvature: " and names the problem (and the fix, where there is one), nothing on
/// standard output, and no output: neither the <c>--out</c> directory nor the <c>--json</c> file exists afterwards and
/// no temporary file is left — the scratch folder holds exactly the inputs the case wrote. Each case starts from a tiny
/// configuration that runs (<see cref="ProcessBadInputWeightsTests.ControlRunsAndFloat32WeightsAreConverted"/>), so it
/// fails for its own defect alone. The cases are split over four classes so that xunit runs their processes in parallel.
/// </summary>
internal static class BadInputProcess
{
    /// <summary>Guard against a hung child only: a rejection takes 0.1–1 s alone (process start, TorchSharp load).</summary>
    static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(60);

    /// <summary>The tiny data: 12 Fashion-MNIST-format images of 4×4 pixels, labels 0..9; an MLP 16-4-10 on it has
    /// (16 + 1)·4 + (4 + 1)·10 = 118 parameters.</summary>
    public const int Count = 12, Side = 4, Parameters = (Side * Side + 1) * 4 + (4 + 1) * 10;

    public const string Images = "t10k-images-idx3-ubyte", Labels = "t10k-labels-idx1-ubyte";

    /// <summary>A tiny hessian run on <paramref name="data"/>: MLP 16-4-10, all 12 samples, top 2, 2 × 5 SLQ; options in
    /// <paramref name="more"/> replace the base ones of the same name (the parser refuses a repeated option).</summary>
    public static string[] Hessian(string data, params string[] more) =>
        Merge(["hessian", "--data", data, "--samples", $"{Count}", "--hidden", "4", "--top", "2", "--lanczos-steps", "5", "--probes", "2"], more);

    /// <summary>A tiny training run on <paramref name="data"/>: 2 steps of batch 4.</summary>
    public static string[] Train(string data, params string[] more) =>
        Merge(["train", "--data", data, "--samples", $"{Count}", "--hidden", "4", "--steps", "2", "--batch-size", "4", "--checkpoint-steps", "0,2"], more);

    /// <summary><paramref name="baseArgs"/> (verb, then option–value pairs) with the options of <paramref name="more"/>
    /// (option–value pairs) replacing those of the same name or appended.</summary>
    static string[] Merge(string[] baseArgs, string[] more)
    {
        var args = baseArgs.ToList();
        for (int i = 0; i < more.Length; i += 2)
        {
            int at = args.IndexOf(more[i]);
            if (at >= 0) args[at + 1] = more[i + 1];
            else args.AddRange([more[i], more[i + 1]]);
        }
        return args.ToArray();
    }

    /// <summary>Writes a valid tiny test split into <paramref name="directory"/> (created); returns it.</summary>
    public static string WriteSplit(string directory, byte[]? images = null, byte[]? labels = null)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, Images), images ?? IdxFiles.Bytes([Count, Side, Side], IdxFiles.SomeBytes(Count * Side * Side, seed: 1)));
        File.WriteAllBytes(Path.Combine(directory, Labels), labels ?? IdxFiles.Bytes([Count], IdxFiles.SomeBytes(Count, seed: 2, max: 10)));
        return directory;
    }

    /// <summary>A safetensors file written byte by byte (8-byte little-endian header length, JSON header, raw data), so
    /// each defect — a NaN, a missing key, a wrong shape or dtype — is exactly the one intended.</summary>
    public static void WriteSafetensors(string path, params (string Name, string DType, long[] Shape, double[] Values)[] tensors)
    {
        var header = new StringBuilder("{");
        var data = new MemoryStream();
        foreach (var (name, dtype, shape, values) in tensors)
        {
            long start = data.Length;
            foreach (double v in values)
            {
                var buffer = new byte[8];
                switch (dtype)
                {
                    case "F64": BinaryPrimitives.WriteDoubleLittleEndian(buffer, v); data.Write(buffer, 0, 8); break;
                    case "F32": BinaryPrimitives.WriteSingleLittleEndian(buffer, (float)v); data.Write(buffer, 0, 4); break;
                    case "I64": BinaryPrimitives.WriteInt64LittleEndian(buffer, (long)v); data.Write(buffer, 0, 8); break;
                    default: throw new ArgumentException(dtype);
                }
            }
            if (header.Length > 1) header.Append(',');
            header.Append($"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{start},{data.Length}]}}");
        }
        header.Append('}');
        var headerBytes = Encoding.UTF8.GetBytes(header.ToString());
        using var file = File.Create(path);
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)headerBytes.Length);
        file.Write(length);
        file.Write(headerBytes);
        data.Position = 0;
        data.CopyTo(file);
    }

    /// <summary>The state dict of the MLP <paramref name="inputs"/>-4-10 with small deterministic values, as
    /// (name, dtype, shape, values); a case alters one entry to make its defect.</summary>
    public static List<(string Name, string DType, long[] Shape, double[] Values)> Mlp(int inputs = Side * Side, string dtype = "F64")
    {
        double[] Values(int n, int seed) { var r = new Random(seed); return Enumerable.Range(0, n).Select(_ => r.NextDouble() * 0.6 - 0.3).ToArray(); }
        return
        [
            ("1.weight", dtype, [4, inputs], Values(4 * inputs, 1)),
            ("1.bias", dtype, [4], new double[4]),
            ("3.weight", dtype, [10, 4], Values(40, 2)),
            ("3.bias", dtype, [10], new double[10]),
        ];
    }

    /// <summary>Runs <c>curvature</c> with <paramref name="args"/> plus <c>--out</c>/<c>--json</c> inside
    /// <paramref name="scratch"/> (when the verb has them), and asserts the whole bad-input contract. Returns the line.</summary>
    public static string AssertRejected(TempDirectory scratch, string[] args, string[] named, int exitCode = ExitCodes.BadInput,
                                        bool addOut = true, bool addJson = false)
    {
        string outDir = scratch.Combine("out"), json = scratch.Combine("record.json");
        var full = new List<string>(args);
        if (addOut) full.AddRange(["--out", outDir]);
        if (addJson) full.AddRange(["--json", json]);
        var before = Listing(scratch.Path);

        var outcome = Run(scratch.Path, full.ToArray());

        string context = $"curvature {string.Join(' ', full)}\n{outcome}";
        Assert.True(outcome.ExitCode == exitCode, $"expected exit {exitCode}: {context}");
        Assert.True(outcome.Stdout.Length == 0, $"stdout is not empty: {context}");
        var lines = outcome.StderrLines;
        Assert.True(lines.Length == 1, $"expected one stderr line, got {lines.Length}: {context}");
        string line = lines[0];
        Assert.StartsWith("curvature: ", line);
        foreach (string part in named) Assert.True(line.Contains(part, StringComparison.Ordinal), $"'{part}' is not named in: {line}");
        Assert.False(Directory.Exists(outDir), $"the --out directory was created: {context}");
        Assert.False(File.Exists(json), $"the --json file was written: {context}");
        Assert.Equal(before, Listing(scratch.Path));   // no temporary or partial file anywhere in the scratch folder
        return line;
    }

    /// <summary>Every file and directory below <paramref name="root"/>, relative, sorted.</summary>
    public static string[] Listing(string root) =>
        Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(root, p)).Order(StringComparer.Ordinal).ToArray();

    public static CliOutcome Run(string workingDirectory, params string[] args) => Support.CliProcess.Run(workingDirectory, args, HangLimit);
}

/// <summary>Data files that are wrong: IDX and CIFAR-10 readers, the Gaussian mixture's parameters, sizes.</summary>
public sealed class ProcessBadInputDataTests
{
    static byte[] GoodImages() => IdxFiles.Bytes([BadInputProcess.Count, 4, 4], IdxFiles.SomeBytes(BadInputProcess.Count * 16, seed: 1));

    [Fact]
    public void LinearIdxImagesTruncated()
    {
        using var t = new TempDirectory();
        string data = BadInputProcess.WriteSplit(t.Combine("data"), images: GoodImages()[..^7]);
        BadInputProcess.AssertRejected(t, ["linear", "--dataset", "fashion-mnist", "--data", data], [BadInputProcess.Images, "truncated", "185"], addJson: true);
    }

    [Fact]
    public void HessianIdxWrongMagic()
    {
        using var t = new TempDirectory();
        var images = GoodImages();
        images[0] = 0x12;
        string data = BadInputProcess.WriteSplit(t.Combine("data"), images: images);
        BadInputProcess.AssertRejected(t, BadInputProcess.Hessian(data), [BadInputProcess.Images, "not an IDX file", "0x12"], addJson: true);
    }

    [Fact]
    public void TrainIdxWrongElementType()
    {
        using var t = new TempDirectory();
        string data = BadInputProcess.WriteSplit(t.Combine("data"), images: IdxFiles.Bytes([BadInputProcess.Count, 4, 4], new byte[BadInputProcess.Count * 16 * 4], type: 0x0D));
        BadInputProcess.AssertRejected(t, BadInputProcess.Train(data), [BadInputProcess.Images, "element type 0x0D (float32)", "only 0x08"]);
    }

    [Fact]
    public void StudyImageAndLabelCountsDiffer()
    {
        using var t = new TempDirectory();
        string data = BadInputProcess.WriteSplit(t.Combine("data"), labels: IdxFiles.Bytes([BadInputProcess.Count - 1], IdxFiles.SomeBytes(BadInputProcess.Count - 1, seed: 2, max: 10)));
        BadInputProcess.AssertRejected(t, ["study", "--data", data, "--samples", "12", "--held-out", "0", "--analysis-samples", "12", "--steps", "2", "--checkpoints", "0,2",
                                           "--hidden", "4", "--batch-size", "4", "--init-scales", "none"],
                                       ["has 12 images", "has 11 labels", BadInputProcess.Labels]);
    }

    [Fact]
    public void HessianEmptyDataset()
    {
        using var t = new TempDirectory();
        string data = BadInputProcess.WriteSplit(t.Combine("data"), images: IdxFiles.Bytes([0, 4, 4], []), labels: IdxFiles.Bytes([0], []));
        BadInputProcess.AssertRejected(t, BadInputProcess.Hessian(data), ["empty data set", "0 items"], addJson: true);
    }

    [Fact]
    public void LinearMoreSamplesThanTheData()
    {
        using var t = new TempDirectory();
        string data = BadInputProcess.WriteSplit(t.Combine("data"));
        BadInputProcess.AssertRejected(t, ["linear", "--dataset", "fashion-mnist", "--data", data, "--samples", "13"], ["--samples 13", "has 12 examples", "choose 1..12"], addJson: true);
    }

    [Fact]
    public void DemoLabelsHeaderTruncated()
    {
        using var t = new TempDirectory();
        string data = BadInputProcess.WriteSplit(t.Combine("data"), labels: [0, 0, 8]);
        BadInputProcess.AssertRejected(t, ["demo", "--data", data], ["--data", BadInputProcess.Labels, "truncated header"]);
    }

    [Fact]
    public void HessianCifarFileTruncated()
    {
        using var t = new TempDirectory();
        string data = t.Combine("cifar");
        Directory.CreateDirectory(data);
        File.WriteAllBytes(Path.Combine(data, "test_batch.bin"), IdxFiles.SomeBytes(3073 + 1000, seed: 3, max: 10));   // one record and a partial one
        BadInputProcess.AssertRejected(t, ["hessian", "--dataset", "cifar10", "--data", data, "--samples", "1", "--hidden", "4", "--top", "2"],
                                       ["test_batch.bin", "truncated or corrupt", "3073-byte records"], addJson: true);
    }

    [Fact]
    public void HessianCifarDirectoryWithoutTheFiles()
    {
        using var t = new TempDirectory();
        string data = t.Combine("cifar");
        Directory.CreateDirectory(data);
        BadInputProcess.AssertRejected(t, ["hessian", "--dataset", "cifar10", "--data", data, "--samples", "1", "--hidden", "4", "--top", "2"], [data, "test_batch.bin"], addJson: true);
    }

    [Fact]
    public void HessianMixtureWithOneClass()
    {
        using var t = new TempDirectory();
        BadInputProcess.AssertRejected(t, ["hessian", "--dataset", "gaussian-mixture", "--classes", "1", "--mixture-dims", "4", "--hidden", "4", "--samples", "20", "--top", "2"],
                                       ["--classes 1", "at least 2 classes"], addJson: true);
    }

    [Fact]
    public void TrainMixtureWithFewerSamplesThanClasses()
    {
        using var t = new TempDirectory();
        BadInputProcess.AssertRejected(t, ["train", "--dataset", "gaussian-mixture", "--classes", "10", "--mixture-dims", "4", "--hidden", "4", "--samples", "5", "--steps", "2"],
                                       ["--samples 5", "at least the number of classes K = 10"]);
    }

    [Fact]
    public void HessianLabelsBeyondTheClasses()
    {
        using var t = new TempDirectory();
        string data = BadInputProcess.WriteSplit(t.Combine("data"));
        BadInputProcess.AssertRejected(t, BadInputProcess.Hessian(data, "--classes", "3"), ["--classes 3", "labels up to"], addJson: true);
    }
}

/// <summary>Weight files that are wrong, and weights that are not finite or make the loss overflow.</summary>
public sealed class ProcessBadInputWeightsTests
{
    /// <summary>Runs the base hessian (or train) case with a weights file written by <paramref name="write"/>.</summary>
    static string Rejected(string weightsName, Action<string> write, string[] named, string[]? more = null, bool train = false)
    {
        using var t = new TempDirectory();
        string data = BadInputProcess.WriteSplit(t.Combine("data"));
        string weights = t.Combine(weightsName);
        write(weights);
        string[] extra = ["--weights", weights, .. more ?? []];
        return train
            ? BadInputProcess.AssertRejected(t, BadInputProcess.Train(data, extra), named)
            : BadInputProcess.AssertRejected(t, BadInputProcess.Hessian(data, extra), named, addJson: true);
    }

    /// <summary>The control: the base configuration runs — and float32 weights load into a float64 run (converted
    /// exactly, the documented choice), so every failing case below fails for its own defect.</summary>
    [Fact]
    public void ControlRunsAndFloat32WeightsAreConverted()
    {
        using var t = new TempDirectory();
        string data = BadInputProcess.WriteSplit(t.Combine("data"));
        string weights = t.Combine("f32.safetensors");
        BadInputProcess.WriteSafetensors(weights, [.. BadInputProcess.Mlp(dtype: "F32")]);
        var outcome = BadInputProcess.Run(t.Path, BadInputProcess.Hessian(data, "--weights", weights, "--dtype", "float64", "--json", t.Combine("r.json")));
        Assert.True(outcome.ExitCode == ExitCodes.Ok, outcome.ToString());
        Assert.Equal("", outcome.Stderr);
        Assert.True(File.Exists(t.Combine("r.json")));
    }

    [Fact]
    public void WeightsFileMissing() =>
        Rejected("absent.safetensors", _ => { }, ["--weights", "absent.safetensors: no such file"]);

    [Fact]
    public void WeightsFileIsADirectory() =>
        Rejected("dir.safetensors", path => Directory.CreateDirectory(path), ["dir.safetensors: is a directory", "give the checkpoint file"]);

    [Fact]
    public void WeightsTruncated() => Rejected("cut.safetensors", path =>
    {
        BadInputProcess.WriteSafetensors(path, [.. BadInputProcess.Mlp()]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^100]);
    }, ["cut.safetensors", "truncated"]);

    [Fact]
    public void WeightsRandomBytes() =>
        Rejected("random.pt", path => File.WriteAllBytes(path, IdxFiles.SomeBytes(4096, seed: 9)), ["random.pt", "not a PyTorch checkpoint"]);

    [Fact]
    public void WeightsTextFile() =>
        Rejected("notes.safetensors", path => File.WriteAllText(path, "these are my notes, not a checkpoint\n"), ["notes.safetensors", "not a valid safetensors file"]);

    [Fact]
    public void WeightsMissingKey() =>
        Rejected("missing.safetensors", path => BadInputProcess.WriteSafetensors(path, [.. BadInputProcess.Mlp().Take(3)]),
                 ["'3.bias'", "in the model but not in the file", "different model"]);

    [Fact]
    public void WeightsUnexpectedKey() =>
        Rejected("extra.safetensors", path => BadInputProcess.WriteSafetensors(path, [.. BadInputProcess.Mlp(), ("5.weight", "F64", [2], [0.0, 0.0])]),
                 ["'5.weight'", "in the file but not in the model"]);

    [Fact]
    public void WeightsMisshapedTensor() =>
        Rejected("shape.safetensors", path =>
        {
            var dict = BadInputProcess.Mlp();
            dict[2] = ("3.weight", "F64", [10, 5], new double[50]);
            BadInputProcess.WriteSafetensors(path, [.. dict]);
        }, ["'3.weight' has shape [10, 5] in the file but [10, 4] in the model"]);

    [Fact]
    public void WeightsIntegerDtypeIsRefused() =>
        Rejected("int.safetensors", path =>
        {
            var dict = BadInputProcess.Mlp();
            dict[1] = ("1.bias", "I64", [4], new double[4]);
            BadInputProcess.WriteSafetensors(path, [.. dict]);
        }, ["'1.bias' has dtype int64 in the file but float64 in the model"]);

    [Fact]
    public void WeightsWithNaN() =>
        Rejected("nan.safetensors", path =>
        {
            var dict = BadInputProcess.Mlp();
            dict[0].Values[3] = double.NaN;
            BadInputProcess.WriteSafetensors(path, [.. dict]);
        }, ["weights contain NaN in 1.weight (1 of 64 values)", "use an earlier checkpoint"]);

    [Fact]
    public void TrainFromWeightsWithInfinity() =>
        Rejected("inf.safetensors", path =>
        {
            var dict = BadInputProcess.Mlp();
            dict[3].Values[1] = double.PositiveInfinity;
            BadInputProcess.WriteSafetensors(path, [.. dict]);
        }, ["weights contain ∞ in 3.bias"], train: true);

    /// <summary>784-input weights (a Fashion-MNIST MLP) given to a run on 32-dimensional mixture data: the model the CLI
    /// builds for the data has another first layer, and the message says which and how to fix it.</summary>
    [Fact]
    public void WeightsForAnotherInputSize()
    {
        using var t = new TempDirectory();
        string weights = t.Combine("mnist.safetensors");
        BadInputProcess.WriteSafetensors(weights, [.. BadInputProcess.Mlp(inputs: 784)]);
        BadInputProcess.AssertRejected(t, ["hessian", "--dataset", "gaussian-mixture", "--mixture-dims", "32", "--hidden", "4", "--samples", "20", "--top", "2", "--weights", weights],
                                       ["'1.weight' has shape [4, 784] in the file but [4, 32] in the model", "different model"], addJson: true);
    }

    /// <summary>Finite but huge weights: ½‖z − y‖² of outputs near 1e300 overflows to ∞ — named as the loss, before any
    /// estimate is attempted.</summary>
    [Fact]
    public void LossOverflowsAtHugeWeights() =>
        Rejected("huge.safetensors", path =>
        {
            var dict = BadInputProcess.Mlp();
            Array.Fill(dict[2].Values, 1e300);
            BadInputProcess.WriteSafetensors(path, [.. dict]);
        }, ["the loss is +∞", "weights are too large"], more: ["--loss", "mse"]);

    [Fact]
    public void InitScaleOverflowsFloat32()
    {
        using var t = new TempDirectory();
        string data = BadInputProcess.WriteSplit(t.Combine("data"));
        BadInputProcess.AssertRejected(t, BadInputProcess.Hessian(data, "--init-scale", "1e200", "--dtype", "float32"),
                                       ["--init-scale", "overflow float32", "∞ in 1.weight", "--dtype float64"], addJson: true);
    }

    /// <summary>A learning rate so large that the squared error overflows within a few steps: one line naming the step,
    /// and the checkpoints written before it are removed again.</summary>
    [Fact]
    public void TrainingDiverges()
    {
        using var t = new TempDirectory();
        string data = BadInputProcess.WriteSplit(t.Combine("data"));
        BadInputProcess.AssertRejected(t, ["train", "--data", data, "--samples", "12", "--hidden", "4", "--steps", "40", "--batch-size", "4", "--checkpoint-steps", "0,5,40",
                                           "--loss", "mse", "--lr", "1e10"],
                                       ["training diverged", "the mini-batch loss is", "lower --lr", "nothing was written"]);
    }
}

/// <summary>Option values that are unknown, non-positive or out of range, for every verb.</summary>
public sealed class ProcessBadInputOptionsTests
{
    static string HessianRejected(string[] options, params string[] named)
    {
        using var t = new TempDirectory();
        string data = BadInputProcess.WriteSplit(t.Combine("data"));
        return BadInputProcess.AssertRejected(t, BadInputProcess.Hessian(data, options), named, addJson: true);
    }

    static string Rejected(string[] args, bool addOut, bool addJson, params string[] named)
    {
        using var t = new TempDirectory();
        return BadInputProcess.AssertRejected(t, args, named, addOut: addOut, addJson: addJson);
    }

    [Fact]
    public void UnknownModel() => HessianRejected(["--model", "vgg"], "--model: unknown value 'vgg'", "mlp, cnn, resnet");

    [Fact]
    public void UnknownOperator() => HessianRejected(["--operator", "gn"], "--operator: unknown value 'gn'", "hessian, ggn, fisher");

    [Fact]
    public void NegativeHiddenWidth() => HessianRejected(["--hidden", "4,-2"], "--hidden");

    [Fact]
    public void ZeroBatchSize() => HessianRejected(["--batch-size", "0"], "--batch-size", "positive");

    [Fact]
    public void TopLargerThanTheParameters() =>
        HessianRejected(["--top", "1000"], $"--top 1000 is more than the {BadInputProcess.Parameters} parameters");

    [Fact]
    public void HessianZeroLanczosSteps() => HessianRejected(["--lanczos-steps", "0"], "--lanczos-steps", "positive");

    [Fact]
    public void StudyZeroLanczosSteps() => Rejected(["study", "--lanczos-steps", "0"], addOut: true, addJson: false, "--lanczos-steps");

    [Fact]
    public void LinearZeroInputs() => Rejected(["linear", "--inputs", "0"], addOut: true, addJson: true, "--inputs must be a positive number; got 0");

    [Fact]
    public void LinearMeanNaN() => Rejected(["linear", "--mean", "NaN"], addOut: true, addJson: true, "mean", "NaN");

    [Fact]
    public void TrainNegativeSteps() => Rejected(["train", "--dataset", "gaussian-mixture", "--steps", "-1"], addOut: true, addJson: false, "--steps");

    [Fact]
    public void DemoNegativeSeed() => Rejected(["demo", "--seed", "-1"], addOut: true, addJson: false, "--seed");

    [Fact]
    public void UnknownOption() => Rejected(["hessian", "--bogus", "1"], addOut: true, addJson: true, "Unrecognized command or argument '--bogus'");
}

/// <summary>Outputs that cannot be written. Tests may run as root, whom permission bits do not stop, so "not writable"
/// is made real with paths no user can create: below /proc, and below a regular file.</summary>
public sealed class ProcessBadInputOutputTests
{
    [Fact]
    public void HessianOutBelowProc()
    {
        using var t = new TempDirectory();
        string data = BadInputProcess.WriteSplit(t.Combine("data"));
        string target = $"/proc/curvature-test-{Guid.NewGuid():N}/out";
        BadInputProcess.AssertRejected(t, [.. BadInputProcess.Hessian(data), "--out", target], ["--out " + target, "cannot write there", "/proc", "choose a writable location"],
                                       addOut: false, addJson: true);
        Assert.False(Directory.Exists(Path.GetDirectoryName(target)));
    }

    [Fact]
    public void LinearJsonBelowProc()
    {
        using var t = new TempDirectory();
        string target = $"/proc/curvature-test-{Guid.NewGuid():N}.json";
        BadInputProcess.AssertRejected(t, ["linear", "--json", target], ["--json " + target, "cannot write there"]);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public void TrainOutBelowARegularFile()
    {
        using var t = new TempDirectory();
        string file = t.Combine("a-file");
        File.WriteAllText(file, "not a directory");
        string data = BadInputProcess.WriteSplit(t.Combine("data"));
        BadInputProcess.AssertRejected(t, [.. BadInputProcess.Train(data), "--out", Path.Combine(file, "run")], ["--out", "a-file is a file, not a directory"], addOut: false);
        Assert.Equal("not a directory", File.ReadAllText(file));
    }

    [Fact]
    public void StudyOutIsARegularFile()
    {
        using var t = new TempDirectory();
        string file = t.Combine("a-file");
        File.WriteAllText(file, "not a directory");
        BadInputProcess.AssertRejected(t, ["study", "--out", file], ["--out " + file], addOut: false);
        Assert.Equal("not a directory", File.ReadAllText(file));
    }

    [Fact]
    public void HessianJsonIsADirectory()
    {
        using var t = new TempDirectory();
        string data = BadInputProcess.WriteSplit(t.Combine("data"));
        string directory = t.Combine("a-directory");
        Directory.CreateDirectory(directory);
        BadInputProcess.AssertRejected(t, [.. BadInputProcess.Hessian(data), "--json", directory], ["--json " + directory, "is a directory"]);
    }
}
