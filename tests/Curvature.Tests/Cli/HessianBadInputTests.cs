using Curvature.Cli;
using static Curvature.Tests.Cli.HessianCli;

namespace Curvature.Tests.Cli;

/// <summary>Bad input to <c>curvature hessian</c>: exit code 2, exactly one line on standard error naming the problem,
/// nothing on standard output, and no output file — every run asks for both <c>--json</c> and <c>--out</c>, so a run
/// that wrongly went ahead would leave files behind. Each case starts from the tiny configuration that
/// <see cref="HessianModesTests"/> shows runs, so it fails for its own defect alone.</summary>
public sealed class HessianBadInputTests
{
    [Theory]
    [InlineData("--model: unknown value 'vgg'", "--model", "vgg")]
    [InlineData("--hidden 0", "--hidden", "0")]
    [InlineData("--hidden a,b", "--hidden", "a,b")]
    [InlineData("--hidden 4,0", "--hidden", "4,0")]
    [InlineData("--top must be a positive number", "--top", "0")]
    [InlineData("--top 5000 is more than the 3190 parameters", "--top", "5000")]
    [InlineData("--lanczos-steps", "--lanczos-steps", "0")]
    [InlineData("--probes", "--probes", "0")]
    [InlineData("--probe-block must be between 1 and --probes (3); got 0", "--density", "--probe-block", "0")]
    [InlineData("--probe-block must be between 1 and --probes (3); got 4", "--density", "--probe-block", "4")]
    [InlineData("--probe-block", "--density", "--probe-block", "two")]
    [InlineData("--samples", "--samples", "0")]
    [InlineData("--batch-size", "--batch-size", "0")]
    [InlineData("--batch-size", "--batch-size", "-4")]
    [InlineData("--params: parameter pattern 'conv*' matches none of: 1.weight, 1.bias, 3.weight, 3.bias", "--params", "conv*")]
    [InlineData("--model cnn needs image data", "--model", "cnn", "--channels", "2", "--kernels", "5", "--strides", "3", "--dataset", "gaussian-mixture")]
    [InlineData("--dataset cifar10 needs --data", "--dataset", "cifar10")]
    [InlineData("--classes 5: the data has labels up to 9", "--classes", "5")]
    [InlineData("--bn-mode: unknown value 'batch'", "--bn-mode", "batch")]
    [InlineData("--dtype: unknown value 'float16'", "--dtype", "float16")]
    [InlineData("--tolerance must be between 0 and 1; got 0", "--tolerance", "0")]
    [InlineData("--tolerance", "--tolerance", "1")]
    [InlineData("--operator: unknown value 'gn'", "--operator", "gn")]
    [InlineData("--norm: unknown value 'instance'", "--norm", "instance")]
    [InlineData("--seed", "--seed", "-1")]
    [InlineData("--bogus", "--bogus")]
    public void BadOptionIsOneLineAndNoOutput(string named, params string[] options)
    {
        using var temp = new TempDirectory();
        AssertRejected(temp, named, Options(options));
    }

    [Fact]
    public void MoreSamplesThanTheDataHolds()
    {
        using var temp = new TempDirectory();
        var line = AssertRejected(temp, "--samples 10001", Options(["--samples", "10001"]));
        Assert.Contains("1..10000", line);
    }

    [Fact]
    public void ExactAboveTheLimitNamesTheLimit()
    {
        using var temp = new TempDirectory();
        // 784-64-10: 50,890 parameters.
        var line = AssertRejected(temp, "--exact", Options(["--hidden", "64", "--exact"]));
        Assert.Contains("50890", line);
        Assert.Contains($"{Curvature.Analysis.CurvatureProbe.MaxExactParameters}", line);
    }

    [Fact]
    public void MissingWeightsFile()
    {
        using var temp = new TempDirectory();
        string missing = temp.Combine("no-such-model.pt");
        AssertRejected(temp, $"--weights {missing}: no such file", Options(["--weights", missing]));
    }

    [Theory]
    [InlineData("garbage.pt", "not a PyTorch checkpoint")]
    [InlineData("garbage.safetensors", "not a valid safetensors file")]
    [InlineData("garbage.bin", "unknown checkpoint format")]
    public void GarbageWeightsFile(string name, string problem)
    {
        using var temp = new TempDirectory();
        string file = temp.Combine(name);
        File.WriteAllText(file, "these bytes are not a state dict");
        var line = AssertRejected(temp, file, Options(["--weights", file]), keep: file);
        Assert.Contains(problem, line);
    }

    [Fact]
    public void MissingDataDirectory()
    {
        using var temp = new TempDirectory();
        string missing = temp.Combine("no-such-data");
        AssertRejected(temp, $"--data {missing}: no such directory", Options(["--data", missing]));
    }

    [Fact]
    public void MissingCifarDirectory()
    {
        using var temp = new TempDirectory();
        string missing = temp.Combine("no-such-cifar");
        AssertRejected(temp, $"--data {missing}: no such directory", Options(["--model", "resnet", "--dataset", "cifar10", "--data", missing]));
    }

    [Fact]
    public void OutUnderARegularFile()
    {
        using var temp = new TempDirectory();
        string file = temp.Combine("a-file");
        File.WriteAllText(file, "not a directory");
        string outDir = Path.Combine(file, "out"), json = temp.Combine("record.json");
        var outcome = CliRunner.Run([.. Tiny, "--out", outDir, "--json", json]);
        var line = outcome.AssertRejectedInOneLine("--out");
        Assert.Contains(outDir, line);
        Assert.Equal("not a directory", File.ReadAllText(file));
        Assert.Equal([file], TempDirectory.FilesUnder(temp.Path));
    }

    [Fact]
    public void JsonIsADirectory()
    {
        using var temp = new TempDirectory();
        string directory = temp.Combine("a-directory"), outDir = temp.Combine("out");
        Directory.CreateDirectory(directory);
        var outcome = CliRunner.Run([.. Tiny, "--json", directory, "--out", outDir]);
        var line = outcome.AssertRejectedInOneLine("--json");
        Assert.Contains(directory, line);
        Assert.Empty(TempDirectory.FilesUnder(temp.Path));
        Assert.False(Directory.Exists(outDir));
    }

    /// <summary>The tiny configuration with <paramref name="overrides"/> replacing (or adding) options.</summary>
    static string[] Options(string[] overrides)
    {
        var given = overrides.Where(o => o.StartsWith("--", StringComparison.Ordinal)).ToHashSet();
        var args = new List<string> { "hessian" };
        for (int i = 1; i < Tiny.Length; i += 2)
            if (!given.Contains(Tiny[i])) args.AddRange([Tiny[i], Tiny[i + 1]]);
        args.AddRange(overrides);
        return args.ToArray();
    }

    /// <summary>Runs with both outputs in <paramref name="temp"/> and checks the rejection: nothing but
    /// <paramref name="keep"/> (an input the test wrote) is left in the folder.</summary>
    static string AssertRejected(TempDirectory temp, string named, string[] args, string? keep = null)
    {
        string outDir = temp.Combine("out"), json = temp.Combine("record.json");
        var outcome = CliRunner.Run([.. args, "--out", outDir, "--json", json]);
        var line = outcome.AssertRejectedInOneLine(named);
        Assert.Equal(keep is null ? [] : [keep], TempDirectory.FilesUnder(temp.Path));
        Assert.False(Directory.Exists(outDir), "the --out directory was created");
        return line;
    }

}
