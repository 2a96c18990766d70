using System.Text.Json.Nodes;
using Curvature.Models;
using static Curvature.Tests.Cli.HessianCli;

namespace Curvature.Tests.Cli;

/// <summary>The tiny Fashion-MNIST run (<see cref="HessianCli.Tiny"/>) that the mode tests compare against.</summary>
public sealed class TinyBaseline : IDisposable
{
    public TinyBaseline()
    {
        Temp = new TempDirectory();
        Record = HessianCli.Record(Temp, Tiny);
    }

    public TempDirectory Temp { get; }
    public JsonObject Record { get; }

    public void Dispose() => Temp.Dispose();
}

/// <summary>The options of <c>curvature hessian</c> that change what is analysed: BatchNorm modes, the operator, a
/// parameter group, the dtype, the three architectures, the synthetic data and standardisation. Each run is tiny.</summary>
public sealed class HessianModesTests(TinyBaseline baseline) : IClassFixture<TinyBaseline>
{
    /// <summary>The CLI's float32 residual level (HessianCommand.Float32Tolerance): float32 products carry ~1e-6
    /// relative round-off after two backward passes, so the float32 operator differs from the float64 one by at most
    /// about this times ‖H‖.</summary>
    const double Float32Level = 1e-5;

    /// <summary>Relative agreement of the float32 and float64 mean loss: weights and pixels rounded to float32
    /// (6e-8) and 784-term dot products (error growing like √784·6e-8 ≈ 2e-6 at worst) — 1e-5 is that with margin.</summary>
    const double Float32Loss = 1e-5;

    /// <summary>The tiny MLP 784-4-10 (3,190 parameters) plus the weight and bias of a 4-feature norm.</summary>
    const int TinyParameters = (784 + 1) * 4 + (4 + 1) * 10;

    [Fact]
    public void BaselineIsTheTinyMlp() => Assert.Equal(TinyParameters, (int)baseline.Record["num_params"]!);

    [Fact]
    public void BatchNormModesRunAndTrainDiffersFromEval()
    {
        using var temp = new TempDirectory();
        string[] bn = [.. Tiny, "--norm", "batch"];
        var train = Record(temp, [.. bn, "--bn-mode", "train"]);
        var eval = Record(temp, [.. bn, "--bn-mode", "eval"]);
        var population = Record(temp, [.. bn, "--bn-mode", "population", "--population-samples", "128"]);
        foreach (var (r, mode) in new[] { (train, "train"), (eval, "eval"), (population, "population") })
        {
            Assert.Equal(mode, (string?)r["batch_norm_mode"]);
            Assert.True((bool)r["model_has_batch_statistics"]!);
            Assert.Equal(TinyParameters + 2 * 4, (int)r["num_params"]!);
            Assert.Equal(3, Doubles(r["top_eigenvalues"]).Length);
            Assert.All(r["converged"]!.AsArray(), c => Assert.True((bool)c!));
        }
        Assert.Equal((0, 0, 128), ((int)train["config"]!["population_samples"]!, (int)eval["config"]!["population_samples"]!,
                                   (int)population["config"]!["population_samples"]!));

        // Train mode normalises by the batch's statistics (and differentiates through them); eval mode by the fresh
        // running statistics (mean 0, variance 1) — different functions, so different curvature: λ1 ≈ 123 vs ≈ 20.
        double trainTop = Doubles(train["top_eigenvalues"])[0], evalTop = Doubles(eval["top_eigenvalues"])[0];
        Assert.True(Math.Abs(trainTop - evalTop) > 0.1 * Math.Max(trainTop, evalTop), $"train λ1 = {trainTop}, eval λ1 = {evalTop}");

        // Choices are case-insensitive and mean the same as spelled in the help (before the fix, "Train" passed the
        // check but ran the population mode).
        var capitalised = Record(temp, [.. bn, "--bn-mode", "Train"]);
        Assert.True(JsonNode.DeepEquals(Comparable(train), Comparable(capitalised)), "--bn-mode Train differs from --bn-mode train");
    }

    /// <summary>The Gauss–Newton matrix and the empirical Fisher are positive semi-definite with rank at most
    /// N·(C − 1) (Jᵀ H_ℓ J, with the softmax Hessian H_ℓ of rank C − 1 per sample) and N (a sum of N outer products);
    /// with N = 4 samples of C = 3 classes on a 35-parameter MLP both have many exact zero eigenvalues.</summary>
    [Theory]
    [InlineData("ggn", "ggn", 4 * (3 - 1))]
    [InlineData("GGN", "ggn", 4 * (3 - 1))]
    [InlineData("fisher", "fisher", 4)]
    public void GaussNewtonAndFisherArePsdWithTheirRank(string option, string recorded, int maxRank)
    {
        using var temp = new TempDirectory();
        var r = Record(temp, "hessian", "--dataset", "gaussian-mixture", "--mixture-dims", "4", "--hidden", "4", "--classes", "3", "--samples", "4", "--top", "3",
                       "--operator", option, "--exact");
        Assert.Equal(recorded, (string?)r["operator"]);
        var exact = Doubles(r["exact_eigenvalues"]);
        Assert.Equal((4 + 1) * 4 + (4 + 1) * 3, exact.Length);
        double zero = Tolerances.ZeroEigenvalueRelative * exact[0];
        Assert.True(exact[^1] >= -zero, $"{recorded}: λmin = {exact[^1]:G3} < 0");
        Assert.True(exact.Count(x => Math.Abs(x) <= zero) >= exact.Length - maxRank, $"{recorded}: rank above {maxRank}");
        var top = Doubles(r["top_eigenvalues"]);
        for (int i = 0; i < top.Length; i++) AssertClose(exact[i], top[i], 1e-8, $"{recorded} λ{i + 1}");
    }

    /// <summary>Relative agreement of the mean loss summed over batches with weights |b|/N and over one batch: the
    /// same float64 terms added in a different order, a few ulps.</summary>
    const double ReorderedSum = 1e-14;

    [Fact]
    public void BatchPartitionLeavesTheMeanLossAndItsHessianUnchanged()
    {
        using var temp = new TempDirectory();
        // 64 = 24 + 24 + 16: an uneven last batch, so weights 1/(number of batches) would give another matrix.
        var batched = Record(temp, [.. Tiny, "--batch-size", "24"]);
        Assert.Equal(24, (int)batched["config"]!["batch_size"]!);
        AssertClose((double)baseline.Record["loss"]!, (double)batched["loss"]!, ReorderedSum, "loss over 3 batches");
        var top = Doubles(batched["top_eigenvalues"]);
        var reference = Doubles(baseline.Record["top_eigenvalues"]);
        var r = Doubles(batched["residuals"]);
        var rReference = Doubles(baseline.Record["residuals"]);
        for (int i = 0; i < top.Length; i++)
            Assert.True(Math.Abs(top[i] - reference[i]) <= r[i] + rReference[i] + ReorderedSum * reference[0], $"λ{i + 1}: {top[i]:R} vs {reference[i]:R}");
        // Three mini-batch gradients: a mean with a standard error.
        Assert.NotNull(batched["gradient_overlap_topk_mini_batch_stderr"]);

        // A batch larger than N is one batch of N, and the record says so.
        var oversized = Record(temp, [.. Tiny, "--batch-size", "100"]);
        Assert.Equal(64, (int)oversized["config"]!["batch_size"]!);
        Assert.True(JsonNode.DeepEquals(Comparable(baseline.Record), Comparable(oversized)), "--batch-size 100 differs from one batch of 64");
    }

    [Fact]
    public void ParameterGroupIsAPrincipalSubmatrix()
    {
        using var temp = new TempDirectory();
        var group = Record(temp, [.. Tiny, "--params", "1.*"]);
        Assert.Equal((784 + 1) * 4, (int)group["num_params"]!);   // 1.weight [4, 784] and 1.bias [4]
        Assert.Equal((double)baseline.Record["loss"]!, (double)group["loss"]!);

        // Cauchy interlacing: the i-th eigenvalue of a principal submatrix is at most the i-th of the whole matrix;
        // each Ritz value is within its residual of an eigenvalue.
        var sub = Doubles(group["top_eigenvalues"]);
        var full = Doubles(baseline.Record["top_eigenvalues"]);
        var subResiduals = Doubles(group["residuals"]);
        var fullResiduals = Doubles(baseline.Record["residuals"]);
        for (int i = 0; i < sub.Length; i++)
            Assert.True(sub[i] <= full[i] + subResiduals[i] + fullResiduals[i], $"λ{i + 1}: group {sub[i]:R} > all {full[i]:R}");
    }

    [Fact]
    public void Float32AgreesWithFloat64()
    {
        using var temp = new TempDirectory();
        var single = Record(temp, [.. Tiny, "--dtype", "float32"]);
        Assert.Equal("float32", (string?)single["config"]!["dtype"]);
        AssertClose((double)baseline.Record["loss"]!, (double)single["loss"]!, Float32Loss, "float32 loss");
        var top32 = Doubles(single["top_eigenvalues"]);
        var top64 = Doubles(baseline.Record["top_eigenvalues"]);
        var r32 = Doubles(single["residuals"]);
        var r64 = Doubles(baseline.Record["residuals"]);
        for (int i = 0; i < top32.Length; i++)
            Assert.True(Math.Abs(top32[i] - top64[i]) <= r32[i] + r64[i] + Float32Level * top64[0],
                        $"λ{i + 1}: float32 {top32[i]:R}, float64 {top64[i]:R}");
    }

    [Fact]
    public void TinyCnnRuns()
    {
        using var temp = new TempDirectory();
        var r = Record(temp, "hessian", "--model", "cnn", "--channels", "2", "--kernels", "5", "--strides", "3", "--samples", "64", "--top", "3");
        var spec = new CnnSpec(1, 28, 28, [2], [5], [3], [0], 10, Activation.Tanh);
        Assert.Equal(spec.ParameterCount, (long)r["num_params"]!);
        Assert.Equal("cnn", (string?)r["config"]!["model"]);
        Assert.Equal([0], Doubles(r["config"]!["padding"]));   // one layer: padding 0 for it, not the two-layer default
        Assert.Equal("float32", (string?)r["config"]!["dtype"]);  // --dtype auto: float32 products for conv nets
        Assert.All(r["converged"]!.AsArray(), c => Assert.True((bool)c!));
    }

    [Fact]
    public void SmallestResNetRuns()
    {
        using var temp = new TempDirectory();
        // float32: the ~77k-parameter net's products are the costliest of these tests (about 32 products for one
        // converged pair), and float64 convolutions' double backward is several times slower on the CPU.
        var r = Record(temp, "hessian", "--model", "resnet", "--depth", "1", "--samples", "8", "--top", "1", "--dtype", "float32");
        Assert.Equal(new ResNetSpec(1, 10, NormKind.None, Activation.Tanh, InputChannels: 1).ParameterCount, (long)r["num_params"]!);
        Assert.Equal(("resnet", 1), ((string?)r["config"]!["model"], (int)r["config"]!["depth"]!));
        Assert.All(r["converged"]!.AsArray(), c => Assert.True((bool)c!));
    }

    [Fact]
    public void GaussianMixtureRunsWithAnMlp()
    {
        using var temp = new TempDirectory();
        var r = Record(temp, "hessian", "--dataset", "gaussian-mixture", "--hidden", "4", "--samples", "64", "--top", "3");
        Assert.Equal((32 + 1) * 4 + (4 + 1) * 10, (int)r["num_params"]!);   // 32 mixture dimensions by default
        Assert.Equal(("gaussian-mixture", "synthetic"), ((string?)r["config"]!["dataset"], (string?)r["config"]!["split"]));
        Assert.Equal("float64", (string?)r["config"]!["dtype"]);  // --dtype auto: float64 for MLPs
    }

    [Fact]
    public void StandardizationChangesTheDataAndIsRecorded()
    {
        using var temp = new TempDirectory();
        var global = Record(temp, [.. Tiny, "--standardize", "global"]);
        var perPixel = Record(temp, [.. Tiny, "--standardize", "per-pixel"]);
        Assert.Equal(("global", "per-pixel"), ((string?)global["config"]!["standardize"], (string?)perPixel["config"]!["standardize"]));
        var hashes = new[] { baseline.Record, global, perPixel }.Select(r => (string?)r["config"]!["data_sha256"]).ToArray();
        Assert.Equal(3, hashes.Distinct().Count());
        Assert.NotEqual((double)baseline.Record["loss"]!, (double)global["loss"]!);
        Assert.NotEqual((double)global["loss"]!, (double)perPixel["loss"]!);
    }
}
