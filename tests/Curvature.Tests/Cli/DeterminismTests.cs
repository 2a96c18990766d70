using System.Text.Json.Nodes;
using Curvature.Tests.Support;

namespace Curvature.Tests.Cli;

/// <summary>
/// The same command and seed give bit-identical JSON numbers: each verb runs as two separate processes at the same
/// time (so neither timing nor load can matter), and every field of the two records must be equal as written — the
/// shortest round-trip text of each double, so equal bits — except the clock (<see cref="RepeatedRuns.TimingFields"/>).
/// A third run with another seed must differ, so the comparison can fail. Each record must also name what reproduces
/// it: the command, Curvature's version with its commit, TorchSharp and .NET versions, the thread count and machine,
/// the config with its seed and the SHA-256 of the data. The study's repeat is slower and is in
/// Curvature.Verification (StudyDeterminismTests).
/// </summary>
public sealed class DeterminismTests
{
    [Fact]
    public void LinearSyntheticRunsAreBitIdentical()
    {
        using var temp = new TempDirectory();
        string[] args = ["linear", "--inputs", "40", "--samples", "160", "--max-steps", "300", "--json", "out.json"];
        var same = RepeatedRuns.Run(temp.Combine("same"), 2, null, args);
        var other = RepeatedRuns.Run(temp.Combine("other"), 1, null, [.. args, "--seed", "2"]);
        var record = RepeatedRuns.AssertIdentical(same, "out.json");
        AssertNamesItsRun(record, "linear");
        Assert.Equal(1UL, (ulong)record["config"]!["seed"]!);
        AssertDiffers(record, other[0], "out.json");
    }

    [Fact]
    public void LinearFashionMnistRunsAreBitIdentical()
    {
        using var temp = new TempDirectory();
        var runs = RepeatedRuns.Run(temp.Path, 2, null, "linear", "--dataset", "fashion-mnist", "--samples", "120", "--max-steps", "200", "--json", "out.json");
        var record = RepeatedRuns.AssertIdentical(runs, "out.json");
        AssertNamesItsRun(record, "linear");
    }

    /// <summary>An MLP with BatchNorm in train mode (batch statistics, differentiated through) with every estimator
    /// that draws random numbers: the top eigenpairs' start vector, SLQ probes, the trace.</summary>
    [Fact]
    public void HessianTrainModeRunsAreBitIdentical()
    {
        using var temp = new TempDirectory();
        string[] args = ["hessian", "--hidden", "8", "--norm", "batch", "--samples", "96", "--top", "3", "--density", "--trace",
                         "--lanczos-steps", "10", "--probes", "2", "--json", "out.json"];
        var same = RepeatedRuns.Run(temp.Combine("same"), 2, null, args);
        var other = RepeatedRuns.Run(temp.Combine("other"), 1, null, [.. args, "--seed", "1"]);
        var record = RepeatedRuns.AssertIdentical(same, "out.json");
        AssertNamesItsRun(record, "hessian");
        Assert.Equal("train", (string?)record["batch_norm_mode"]);
        Assert.True((bool)record["model_has_batch_statistics"]!);
        AssertDiffers(record, other[0], "out.json");
    }

    /// <summary>Population mode, and the thread count: a run with OMP_NUM_THREADS=1 records one libtorch thread (it is
    /// compared with nothing — a different thread count may change the last bits of float reductions).</summary>
    [Fact]
    public void HessianPopulationModeRunsAreBitIdenticalAndRecordTheirThreads()
    {
        using var temp = new TempDirectory();
        string[] args = ["hessian", "--hidden", "8", "--norm", "batch", "--bn-mode", "population", "--population-samples", "256",
                         "--samples", "96", "--top", "3", "--density", "--trace", "--lanczos-steps", "10", "--probes", "2", "--json", "out.json"];
        var same = RepeatedRuns.Run(temp.Combine("same"), 2, null, args);
        var single = RepeatedRuns.Run(temp.Combine("single"), 1, new Dictionary<string, string> { ["OMP_NUM_THREADS"] = "1" }, args);
        var record = RepeatedRuns.AssertIdentical(same, "out.json");
        AssertNamesItsRun(record, "hessian");
        Assert.Equal("population", (string?)record["batch_norm_mode"]);
        Assert.Equal(256, (int)record["config"]!["population_samples"]!);

        Assert.True(single[0].ExitCode == 0, single[0].ToString());
        var run = single[0].Record("out.json")["run"]!;
        Assert.Equal(1, (int)run["torch_threads"]!);
        Assert.Equal("1", (string?)run["environment"]!["OMP_NUM_THREADS"]);
    }

    /// <summary>A few SGD steps with BatchNorm and held-out evaluation: the record and every checkpoint file (weights,
    /// optimizer state, trainer state) are identical, byte for byte.</summary>
    [Fact]
    public void TrainRunsAreBitIdenticalWithIdenticalCheckpoints()
    {
        using var temp = new TempDirectory();
        string[] args = ["train", "--hidden", "8", "--norm", "batch", "--samples", "160", "--held-out", "40", "--steps", "8",
                         "--checkpoint-steps", "0,8", "--out", "out"];
        var same = RepeatedRuns.Run(temp.Combine("same"), 2, null, args);
        var other = RepeatedRuns.Run(temp.Combine("other"), 1, null, [.. args, "--seed", "1"]);
        var record = RepeatedRuns.AssertIdentical(same, Path.Combine("out", "train.json"));
        AssertNamesItsRun(record, "train");
        AssertDiffers(record, other[0], Path.Combine("out", "train.json"));

        string first = Path.Combine(same[0].WorkingDirectory, "out"), second = Path.Combine(same[1].WorkingDirectory, "out");
        var files = TempDirectory.FilesUnder(first).Select(f => Path.GetRelativePath(first, f)).Where(f => f != "train.json").Order().ToList();
        Assert.Equal(files, TempDirectory.FilesUnder(second).Select(f => Path.GetRelativePath(second, f)).Where(f => f != "train.json").Order());
        Assert.Contains(Path.Combine("final", "model.safetensors"), files);
        foreach (var file in files)
            Assert.True(File.ReadAllBytes(Path.Combine(first, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(second, file))),
                        $"{file} differs between two runs of the same command");
    }

    /// <summary>A run with another seed changes the numbers: the equality above is not vacuous.</summary>
    static void AssertDiffers(JsonObject record, ProcessRun other, string relativePath)
    {
        Assert.True(other.ExitCode == 0, other.ToString());
        var differences = RepeatedRuns.Differences(record, other.Record(relativePath), RepeatedRuns.TimingFields);
        Assert.Contains(differences, d => d.StartsWith("/config/seed", StringComparison.Ordinal));
        Assert.True(differences.Count(d => !d.StartsWith("/run/", StringComparison.Ordinal) && !d.StartsWith("/config/", StringComparison.Ordinal)) > 5,
                    "another seed left the results unchanged:\n" + string.Join("\n", differences));
    }

    /// <summary>What a record must name to be reproduced (docs/RELIABILITY.md, "What is guaranteed").</summary>
    internal static void AssertNamesItsRun(JsonObject record, string verb)
    {
        var run = record["run"]!;
        Assert.StartsWith($"curvature {verb} ", (string?)run["command"]);
        // "version+commit": the build embeds the git commit it was built from.
        Assert.Matches(@"^\d+\.\d+\.\d+.*\+[0-9a-f]{40}", (string?)run["curvature_version"]);
        Assert.StartsWith("0.107.", (string?)run["torch_sharp_version"]);
        Assert.StartsWith(".NET ", (string?)run["runtime"]);
        Assert.True((int)run["torch_threads"]! >= 1);
        Assert.True((int)run["processor_count"]! >= 1);
        foreach (var field in new[] { "os", "architecture", "cpu", "simd" })
            Assert.False(string.IsNullOrWhiteSpace((string?)run[field]), $"run.{field} is empty");
        Assert.IsType<JsonObject>(run["environment"]);
        Assert.Matches("^[0-9a-f]{64}$", (string?)record["config"]!["data_sha256"]);
        Assert.True(record["config"]!.AsObject().ContainsKey("seed"), "config.seed missing");
    }
}
