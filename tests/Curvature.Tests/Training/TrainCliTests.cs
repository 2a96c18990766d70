using System.Text.Json.Nodes;
using Curvature.Cli;
using Curvature.Tests.Cli;

namespace Curvature.Tests.Training;

public sealed class TrainCliTests
{
    /// <summary>A tiny MLP 4-4-3 on 40 mixture examples plus 20 held out, 6 steps of batch 8.</summary>
    static readonly string[] Tiny = ["train", "--dataset", "gaussian-mixture", "--mixture-dims", "4", "--classes", "3", "--hidden", "4",
                                     "--samples", "40", "--held-out", "20", "--batch-size", "8", "--steps", "6", "--checkpoint-steps", "0,3,6",
                                     "--lr", "0.05", "--weight-decay", "0.001", "--schedule", "cosine", "--eval-every", "3"];

    /// <summary><see cref="Tiny"/> with <paramref name="option"/> set to <paramref name="value"/> (the parser refuses a repeated option).</summary>
    static string[] With(string option, string value)
    {
        int at = Array.IndexOf(Tiny, option);
        if (at < 0) return [.. Tiny, option, value];
        var args = (string[])Tiny.Clone();
        args[at + 1] = value;
        return args;
    }

    static JsonObject Read(string file) => JsonNode.Parse(File.ReadAllText(file))!.AsObject();

    static double[] Doubles(JsonNode? node) => node!.AsArray().Select(e => (double)e!).ToArray();

    [Fact]
    public void WritesTheRecordAndResumableCheckpointsThatHessianReads()
    {
        using var temp = new TempDirectory();
        string outDir = temp.Combine("run");
        var outcome = CliRunner.Run([.. Tiny, "--out", outDir]);
        Assert.True(outcome.ExitCode == ExitCodes.Ok, outcome.ToString());
        Assert.Equal("", outcome.Stderr);
        var record = Read(Path.Combine(outDir, "train.json"));
        Assert.Equal("curvature.train", (string)record["kind"]!);
        Assert.Equal(6, Doubles(record["loss"]).Length);
        Assert.Equal([0.0, 3, 6], Doubles(record["evaluation_steps"]));
        foreach (string step in new[] { "step-0", "step-3", "step-6" })
            foreach (string file in new[] { "model.safetensors", "optimizer.safetensors", "trainer.json" })
                Assert.True(File.Exists(Path.Combine(outDir, "checkpoints", step, file)), $"{step}/{file} missing");
        Assert.True(File.Exists(Path.Combine(outDir, "final", "model.safetensors")));

        var hessian = CliRunner.Run("hessian", "--dataset", "gaussian-mixture", "--mixture-dims", "4", "--classes", "3", "--hidden", "4", "--samples", "40",
                                    "--top", "2", "--weights", Path.Combine(outDir, "checkpoints", "step-3", "model.safetensors"), "--json", temp.Combine("h.json"));
        Assert.True(hessian.ExitCode == ExitCodes.Ok, hessian.ToString());
    }

    [Fact]
    public void ResumeFromAMidwayCheckpointReproducesTheLosses()
    {
        using var temp = new TempDirectory();
        Assert.Equal(ExitCodes.Ok, CliRunner.Run([.. Tiny, "--out", temp.Combine("a")]).ExitCode);
        var resumed = CliRunner.Run([.. Tiny, "--out", temp.Combine("b"), "--resume", temp.Combine("a", "checkpoints", "step-3")]);
        Assert.True(resumed.ExitCode == ExitCodes.Ok, resumed.ToString());
        var a = Read(temp.Combine("a", "train.json"));
        var b = Read(temp.Combine("b", "train.json"));
        Assert.Equal(Doubles(a["loss"]), Doubles(b["loss"]));
        Assert.Equal(Doubles(a["held_out_loss"]), Doubles(b["held_out_loss"]));
        Assert.Equal(File.ReadAllBytes(temp.Combine("a", "final", "model.safetensors")), File.ReadAllBytes(temp.Combine("b", "final", "model.safetensors")));
    }

    [Theory]
    [InlineData("--lr", "-1")]
    [InlineData("--lr", "abc")]
    [InlineData("--schedule", "linear")]
    [InlineData("--momentum", "1.5")]
    [InlineData("--checkpoint-steps", "0,9")]
    [InlineData("--resume", "/nonexistent/dir")]
    [InlineData("--steps", "0")]
    [InlineData("--held-out", "-1")]
    [InlineData("--gamma", "2")]
    public void BadInputIsOneLineAndExitTwo(string option, string value)
    {
        using var temp = new TempDirectory();
        var outcome = CliRunner.Run([.. With(option, value), "--out", temp.Combine("run")]);
        Assert.True(outcome.ExitCode == ExitCodes.BadInput, outcome.ToString());
        Assert.Single(outcome.StderrLines);
        Assert.Empty(TempDirectory.FilesUnder(temp.Combine("run")));
    }

    [Fact]
    public void ResumeWithOtherOptionsIsRefused()
    {
        using var temp = new TempDirectory();
        Assert.Equal(ExitCodes.Ok, CliRunner.Run([.. Tiny, "--out", temp.Combine("a")]).ExitCode);
        var outcome = CliRunner.Run([.. With("--lr", "0.1"), "--out", temp.Combine("b"), "--resume", temp.Combine("a", "checkpoints", "step-3")]);
        Assert.True(outcome.ExitCode == ExitCodes.BadInput, outcome.ToString());
        Assert.Contains("learning rate", Assert.Single(outcome.StderrLines));
    }
}
