using System.Diagnostics;
using System.Text.Json.Nodes;
using Curvature.Cli;

namespace Curvature.Tests.Cli;

/// <summary>The built command as a separate process (<c>dotnet exec Curvature.Cli.dll</c>, the assembly the
/// test project copies next to itself with its deps and runtimeconfig): what a user sees, including the
/// process exit code and the real console streams.</summary>
public sealed class CliProcessTests
{
    /// <summary>Guard against a hung child only; the runs below take about 0.3 s and 12 s alone on 2 cores.</summary>
    static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(120);

    [Fact]
    public void BadOptionExitsWithTwoAndOneLine()
    {
        using var temp = new TempDirectory();
        var outcome = RunProcess(temp.Path, "linear", "--inputs", "-3", "--out", temp.Combine("out"));
        Assert.True(outcome.ExitCode == ExitCodes.BadInput, outcome.ToString());
        Assert.Contains("--inputs", Assert.Single(outcome.StderrLines));
        Assert.Equal("", outcome.Stdout);
        Assert.Empty(TempDirectory.FilesUnder(temp.Path));
    }

    [Fact]
    public void HessianBadOptionExitsWithTwoAndOneLine()
    {
        using var temp = new TempDirectory();
        var outcome = RunProcess(temp.Path, "hessian", "--hidden", "4", "--samples", "64", "--top", "0", "--out", temp.Combine("out"));
        Assert.True(outcome.ExitCode == ExitCodes.BadInput, outcome.ToString());
        Assert.Contains("--top must be a positive number", Assert.Single(outcome.StderrLines));
        Assert.Equal("", outcome.Stdout);
        Assert.Empty(TempDirectory.FilesUnder(temp.Path));
    }

    [Fact]
    public void FashionMnistRunWritesRecordAndFigures()
    {
        using var temp = new TempDirectory();
        string outDir = temp.Combine("out");
        var outcome = RunProcess(temp.Path, "linear", "--dataset", "fashion-mnist", "--samples", "2000", "--max-steps", "2000", "--out", outDir);
        Assert.True(outcome.ExitCode == ExitCodes.Ok, outcome.ToString());
        Assert.Equal("", outcome.Stderr);
        Assert.Contains("fashion-mnist test split", outcome.Stdout);
        Assert.Equal(13, TempDirectory.FilesUnder(outDir).Length);
        Assert.Equal(TempDirectory.FilesUnder(outDir), TempDirectory.FilesUnder(temp.Path));   // nothing in the working directory

        var record = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "linear.json")))!;
        var config = record["config"]!;
        Assert.Equal((28 * 28, 2000, 2000), ((int)config["inputs"]!, (int)config["samples"]!, (int)config["max_steps"]!));
        Assert.Equal(28 * 28, record["eigenvalues"]!.AsArray().Count);
        // Raw pixels have a large mean, so the uncentred spectrum has the outlier that centring removes (on these
        // 2000 images λmax drops about 5.5-fold, from 111 to 20: the centred data keep a strong first component).
        var modes = record["preprocessing"]!.AsArray();
        Assert.Equal(["none", "center"], modes.Take(2).Select(m => (string?)m!["mode"]));
        Assert.NotNull(modes[0]!["outlier_predicted"]);
        Assert.Null(modes[1]!["outlier_predicted"]);
        Assert.True((double)modes[0]!["lambda_max"]! > 2 * (double)modes[1]!["lambda_max"]!);
    }

    static CliOutcome RunProcess(string workingDirectory, params string[] args) => Support.CliProcess.Run(workingDirectory, args, HangLimit);
}
