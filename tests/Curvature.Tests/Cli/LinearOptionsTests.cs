using System.Text.Json.Nodes;
using Curvature.Cli;

namespace Curvature.Tests.Cli;

/// <summary>Options that change what is written, on a small synthetic problem (N = 20, p = 60).</summary>
public sealed class LinearOptionsTests
{
    [Fact]
    public void JsonAndOutTogetherWriteTheSameRecordWithTheRequestedModeFirst()
    {
        using var temp = new TempDirectory();
        string outDir = temp.Combine("out"), json = temp.Combine("nested", "record.json");
        var outcome = CliRunner.Run("linear", "--inputs", "20", "--samples", "60", "--preprocess", "center", "--seed", "7",
                                    "--json", json, "--out", outDir);
        Assert.True(outcome.ExitCode == ExitCodes.Ok, outcome.ToString());
        Assert.Equal(File.ReadAllBytes(json), File.ReadAllBytes(Path.Combine(outDir, "linear.json")));

        var record = JsonNode.Parse(File.ReadAllText(json))!;
        Assert.Equal((20, 60, 7UL, "center"), ((int)record["config"]!["inputs"]!, (int)record["config"]!["samples"]!,
                                               (ulong)record["config"]!["seed"]!, (string?)record["config"]!["preprocessing"]));
        Assert.Equal(["center", "none", "standardize", "whiten"], record["preprocessing"]!.AsArray().Select(m => (string?)m!["mode"]));
        Assert.True(JsonNode.DeepEquals(record["preprocessing"]![0]!["lambda_max"], record["lambda_max"]));
        Assert.Equal(20, record["eigenvalues"]!.AsArray().Count);
        // The per-mode decay figure follows the requested mode.
        Assert.True(File.Exists(Path.Combine(outDir, "mode-decay-center.png")));
        Assert.False(File.Exists(Path.Combine(outDir, "mode-decay-none.png")));
    }

    [Fact]
    public void AbsoluteEtaIsUsedForEveryMode()
    {
        using var temp = new TempDirectory();
        string json = temp.Combine("record.json");
        var outcome = CliRunner.Run("linear", "--inputs", "20", "--samples", "60", "--eta", "0.01", "--max-steps", "50", "--json", json);
        Assert.True(outcome.ExitCode == ExitCodes.Ok, outcome.ToString());
        var record = JsonNode.Parse(File.ReadAllText(json))!;
        Assert.Equal(0.01, (double)record["config"]!["eta"]!);
        foreach (var mode in record["preprocessing"]!.AsArray())
        {
            Assert.Equal(0.01, (double)mode!["dynamics"]!["eta"]!);
            Assert.Equal(50, (int)mode["dynamics"]!["max_steps"]!);
        }
    }
}
