using System.Text.Json.Nodes;
using Curvature.Checkpoints;
using Curvature.Cli;
using Curvature.Data;
using Curvature.Models;
using TorchSharp;
using static Curvature.Tests.Cli.HessianCli;
using static TorchSharp.torch;

namespace Curvature.Tests.Cli;

/// <summary><c>curvature hessian --weights</c>: a model built with the CLI's own spec for <see cref="HessianCli.Tiny"/>
/// (MLP 784-4-10, tanh) but a different seed, saved as .pt and .safetensors, analysed by the CLI and compared with
/// the loss computed directly from the saved model.</summary>
public sealed class CheckpointRuns : IDisposable
{
    /// <summary>Seed of the saved model; the runs' own seed is 0, so the fresh initialisation differs from it.</summary>
    public const ulong SavedSeed = 7;

    public CheckpointRuns()
    {
        Temp = new TempDirectory();
        PtFile = Temp.Combine("model.pt");
        SafetensorsFile = Temp.Combine("model.safetensors");
        using (var model = new MlpSpec(784, [4], 10, Activation.Tanh).Build(ScalarType.Float64, SavedSeed))
        {
            Checkpoint.Save(model, PtFile);
            Checkpoint.Save(model, SafetensorsFile);
            DirectLoss = LossOnFirstImages(model, 64);
        }
        Fresh = Record(Temp, Tiny);
        FromPt = Record(Temp, [.. Tiny, "--weights", PtFile]);
        FromSafetensors = Record(Temp, [.. Tiny, "--weights", SafetensorsFile]);
    }

    public TempDirectory Temp { get; }
    public string PtFile { get; }
    public string SafetensorsFile { get; }
    public double DirectLoss { get; }
    public JsonObject Fresh { get; }
    public JsonObject FromPt { get; }
    public JsonObject FromSafetensors { get; }

    /// <summary>Mean cross-entropy of <paramref name="model"/> on the first <paramref name="count"/> embedded test
    /// images, computed here with TorchSharp's own loss (not the library's).</summary>
    static double LossOnFirstImages(nn.Module<Tensor, Tensor> model, int count)
    {
        using var scope = NewDisposeScope();
        using var images = FashionMnist.LoadDefault(FashionMnist.TestSplit, count, ScalarType.Float64);
        using var noGrad = no_grad();
        var output = model.call(images.Images.reshape(images.Count, -1));
        return nn.functional.cross_entropy(output, images.Labels).item<double>();
    }

    public void Dispose() => Temp.Dispose();
}

public sealed class HessianCheckpointTests(CheckpointRuns runs) : IClassFixture<CheckpointRuns>
{
    /// <summary>The CLI and the direct computation evaluate the same float64 forward pass and mean; they may differ
    /// only in the order of a few reductions, i.e. by a handful of ulps.</summary>
    const double SameComputation = 1e-14;

    [Fact]
    public void CheckpointLossIsTheSavedModelsLoss()
    {
        foreach (var (record, file) in new[] { (runs.FromPt, runs.PtFile), (runs.FromSafetensors, runs.SafetensorsFile) })
        {
            Assert.Equal(file, (string?)record["config"]!["weights"]);
            AssertClose(runs.DirectLoss, (double)record["loss"]!, SameComputation, $"loss of {Path.GetFileName(file)}");
            Assert.NotEqual((double)runs.Fresh["loss"]!, (double)record["loss"]!);
        }
        Assert.Null(runs.Fresh["config"]!["weights"]);
        Assert.Null(runs.Fresh["config"]!["weights_sha256"]);
    }

    [Fact]
    public void BothFormatsGiveTheSameAnalysis()
    {
        // Same weights, so every number agrees; only the weights path in the config and the command line differ.
        var pt = Comparable(runs.FromPt);
        var safetensors = Comparable(runs.FromSafetensors);
        // The two files hold the same tensors in different formats, so their bytes — and weights_sha256 — differ.
        Assert.NotEqual((string?)pt["config"]!["weights_sha256"], (string?)safetensors["config"]!["weights_sha256"]);
        foreach (var config in new[] { pt["config"]!.AsObject(), safetensors["config"]!.AsObject() })
        {
            Assert.Matches("^[0-9a-f]{64}$", (string?)config["weights_sha256"]);
            config.Remove("weights");
            config.Remove("weights_sha256");
        }
        Assert.True(JsonNode.DeepEquals(pt, safetensors), "the .pt and .safetensors runs differ");
        Assert.NotEqual(Doubles(runs.Fresh["top_eigenvalues"]), Doubles(runs.FromPt["top_eigenvalues"]));
    }

    [Fact]
    public void WiderHiddenLayerIsRejectedNamingTheKey()
    {
        using var temp = new TempDirectory();
        string file = temp.Combine("wider.pt");
        using (var model = new MlpSpec(784, [5], 10, Activation.Tanh).Build(ScalarType.Float64, CheckpointRuns.SavedSeed))
            Checkpoint.Save(model, file);
        var line = AssertRejected(temp, [.. Tiny, "--weights", file]);
        Assert.Contains("'1.weight'", line);
        Assert.Contains("[5, 784]", line);
        Assert.Contains("[4, 784]", line);
    }

    [Fact]
    public void NormLayersTheModelLacksAreRejectedNamingTheKey()
    {
        using var temp = new TempDirectory();
        string file = temp.Combine("batchnorm.safetensors");
        using (var model = new MlpSpec(784, [4], 10, Activation.Tanh, NormKind.Batch).Build(ScalarType.Float64, CheckpointRuns.SavedSeed))
            Checkpoint.Save(model, file);
        var line = AssertRejected(temp, [.. Tiny, "--weights", file]);
        // With the norm at index 2 the output Linear moves from 3 to 4: the model's 3.weight is not in the file.
        Assert.Contains("key '3.weight' ([10, 4], float64) is in the model but not in the file", line);
        Assert.Contains("more mismatched keys", line);
    }

    /// <summary>Runs with both outputs, asserts exit 2, one line, nothing written but the checkpoint; returns the line.</summary>
    static string AssertRejected(TempDirectory temp, string[] args)
    {
        string json = temp.Combine("record.json"), outDir = temp.Combine("out");
        var before = TempDirectory.FilesUnder(temp.Path);
        var outcome = CliRunner.Run([.. args, "--json", json, "--out", outDir]);
        string line = outcome.AssertRejectedInOneLine();
        Assert.Equal(before, TempDirectory.FilesUnder(temp.Path));
        return line;
    }
}
