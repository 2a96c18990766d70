using System.Text.Json.Nodes;
using Curvature.Checkpoints;
using Curvature.Models;
using static TorchSharp.torch;

namespace Curvature.Tests.Cli;

/// <summary>One tiny <c>curvature study</c> run (two arms, three checkpoints) shared by the agreement tests.</summary>
public sealed class TinyStudyRun : IDisposable
{
    /// <summary>The model and probe settings both verbs are given.</summary>
    public static readonly string[] Model = ["--hidden", "16", "--activation", "relu", "--top", "3", "--tolerance", "1e-6", "--trace-products", "30", "--seed", "3"];

    public TinyStudyRun()
    {
        Temp = new TempDirectory();
        Out = Temp.Combine("study");
        Outcome = CliRunner.Run(["study", .. Model, "--samples", "300", "--held-out", "50", "--analysis-samples", "100", "--batch-size", "32",
                                 "--steps", "20", "--checkpoints", "0,10,20", "--arms", "none,batch", "--init-scales", "none",
                                 "--probes", "2", "--lanczos-steps", "10", "--smoothness-steps", "0.1", "--out", Out]);
        Record = File.Exists(Path.Combine(Out, "study.json")) ? JsonNode.Parse(File.ReadAllText(Path.Combine(Out, "study.json")))!.AsObject() : null;
    }

    public TempDirectory Temp { get; }
    public string Out { get; }
    public CliOutcome Outcome { get; }
    public JsonObject? Record { get; }

    public void Dispose() => Temp.Dispose();
}

/// <summary>
/// The acceptance check of issue 4: the study's metrics at a checkpoint equal a separate <c>curvature hessian</c> run on
/// that checkpoint's saved weights — same data (the first A examples as one batch), same BatchNorm mode, same seed of the
/// probe vectors, mini-batch f_K over batches of SGD's size (--gradient-batch-size) — so every number in a study can be reproduced and inspected on its own. Also: the arms are paired
/// (identical initial weights of the shared layers).
/// </summary>
public sealed class StudyCheckpointAgreementTests(TinyStudyRun study) : IClassFixture<TinyStudyRun>
{
    /// <summary>The same products with the same vectors in the same process: only a different summation order inside
    /// libtorch could separate them, which would show at ~1e-13 relative; 1e-10 leaves room for that and nothing else.</summary>
    const double SameComputation = 1e-10;

    [Theory]
    [InlineData("none", 0, "none")]
    [InlineData("none", 20, "none")]
    [InlineData("batch", 0, "batch")]
    [InlineData("batch", 10, "batch")]
    public void Checkpoint_metrics_equal_a_hessian_run_on_the_saved_weights(string arm, int step, string norm)
    {
        Assert.True(study.Outcome.ExitCode == 0, study.Outcome.ToString());
        var arms = study.Record!["arms"]!.AsArray();
        var armNode = arms.Single(a => (string)a!["name"]! == arm)!;
        var checkpoint = armNode["checkpoints"]!.AsArray().Single(c => (int)c!["step"]! == step)!["curvature"]!;

        string weights = Path.Combine(study.Out, "checkpoints", arm, $"step-{step}.safetensors");
        string json = study.Temp.Combine($"hessian-{arm}-{step}.json");
        var run = CliRunner.Run(["hessian", .. TinyStudyRun.Model, "--norm", norm, "--weights", weights, "--samples", "100", "--trace", "--gradient-batch-size", "32", "--json", json]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var hessian = JsonNode.Parse(File.ReadAllText(json))!;

        Assert.Equal((string)hessian["batch_norm_mode"]!, (string)checkpoint["batch_norm_mode"]!);
        Close(hessian["loss"], checkpoint["loss"]);
        Close(hessian["gradient_norm"], checkpoint["gradient_norm"]);
        var expected = hessian["top_eigenvalues"]!.AsArray();
        var actual = checkpoint["top_eigenvalues"]!.AsArray();
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++) Close(expected[i], actual[i]);
        Close(hessian["lambda1_over_lambdak"], checkpoint["lambda1_over_lambdak"]);
        Close(hessian["gradient_overlap_topk"], checkpoint["gradient_overlap_topk"]);
        Close(hessian["gradient_overlap_topk_mini_batch"], checkpoint["gradient_overlap_topk_mini_batch"]);
        Close(hessian["gradient_overlap_topk_mini_batch_stderr"], checkpoint["gradient_overlap_topk_mini_batch_stderr"]);
        Close(hessian["gradient_curvature"], checkpoint["gradient_curvature"]);
        Close(hessian["trace"], checkpoint["trace"]);
        Close(hessian["trace_stderr"], checkpoint["trace_stderr"]);
        Assert.Equal((string)hessian["trace_method"]!, (string)checkpoint["trace_method"]!);
    }

    [Fact]
    public void Arms_start_from_the_same_weights_in_their_shared_layers()
    {
        Assert.True(study.Outcome.ExitCode == 0, study.Outcome.ToString());
        using var scope = NewDisposeScope();
        using var none = new MlpSpec(784, [16], 10, Activation.Relu, NormKind.None).Build(ScalarType.Float64, 99);
        using var batch = new MlpSpec(784, [16], 10, Activation.Relu, NormKind.Batch).Build(ScalarType.Float64, 98);
        Checkpoint.Load(none, Path.Combine(study.Out, "checkpoints", "none", "step-0.safetensors"));
        Checkpoint.Load(batch, Path.Combine(study.Out, "checkpoints", "batch", "step-0.safetensors"));
        var linearNone = none.modules().OfType<TorchSharp.Modules.Linear>().ToList();
        var linearBatch = batch.modules().OfType<TorchSharp.Modules.Linear>().ToList();
        Assert.Equal(2, linearNone.Count);
        Assert.Equal(linearNone.Count, linearBatch.Count);
        for (int i = 0; i < linearNone.Count; i++)
        {
            Assert.True(linearNone[i].weight!.equal(linearBatch[i].weight!).all().item<bool>(), $"Linear {i}: weights differ between the arms");
            Assert.True(linearNone[i].bias!.equal(linearBatch[i].bias!).all().item<bool>(), $"Linear {i}: biases differ between the arms");
        }
    }

    static void Close(JsonNode? expected, JsonNode? actual)
    {
        double e = (double)expected!, a = (double)actual!;
        Assert.True(Math.Abs(e - a) <= SameComputation * Math.Max(1, Math.Abs(e)), $"hessian {e:R} vs study {a:R}");
    }
}
