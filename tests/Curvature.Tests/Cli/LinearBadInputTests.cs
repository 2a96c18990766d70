using Curvature.Cli;
using Curvature.Tests.Data;

namespace Curvature.Tests.Cli;

/// <summary>Bad input to <c>curvature linear</c> (issue 2, Acceptance): exit code 2, exactly one line on standard
/// error naming the problem, nothing on standard output, and no output file — neither in <c>--out</c> nor at
/// <c>--json</c>. Every run asks for both outputs, so a run that wrongly went ahead would leave files behind.</summary>
public sealed class LinearBadInputTests
{
    const string Images = "t10k-images-idx3-ubyte", Labels = "t10k-labels-idx1-ubyte";

    /// <summary>Tiny data: 12 images of 4×4 pixels (N = 16 inputs), labels 0..9 — enough for a full lab run in
    /// well under a second, so the control run below proves the bad cases fail for their defect alone.</summary>
    const int Count = 12, Rows = 4, Cols = 4;

    [Theory]
    [InlineData("--inputs", "--inputs", "-5")]
    [InlineData("--inputs", "--inputs", "0")]
    [InlineData("--samples", "--samples", "0")]
    [InlineData("--samples", "--samples", "-3")]
    [InlineData("--variance", "--variance", "-1")]
    [InlineData("--variance", "--variance", "0")]
    [InlineData("--variance", "--variance", "Infinity")]
    [InlineData("--noise", "--noise", "-1")]
    [InlineData("mean", "--mean", "NaN")]
    [InlineData("'whatever'", "--preprocess", "whatever")]
    [InlineData("--preprocess", "--preprocess", "whatever")]
    [InlineData("--dataset", "--dataset", "mnist")]
    [InlineData("--bogus", "--bogus", "1")]
    [InlineData("--inputs", "--inputs", "abc")]
    [InlineData("--inputs", "--inputs", "99999999999")]
    [InlineData("--samples", "--samples", "many")]
    [InlineData("--max-steps", "--max-steps", "x")]
    [InlineData("--eta", "--eta", "fast")]
    [InlineData("--seed", "--seed", "-1")]
    [InlineData("--eta", "--eta", "0")]
    [InlineData("--eta", "--eta", "-1")]
    [InlineData("--eta-factor", "--eta-factor", "0")]
    [InlineData("--tolerance", "--tolerance", "0")]
    [InlineData("tolerance", "--tolerance", "1")]
    [InlineData("--max-steps", "--max-steps", "0")]
    [InlineData("--target-class", "--dataset", "fashion-mnist", "--target-class", "10")]
    [InlineData("--target-class", "--dataset", "fashion-mnist", "--target-class", "-1")]
    [InlineData("--target-class", "--dataset", "fashion-mnist", "--target-class", "x")]
    [InlineData("--samples 10001", "--dataset", "fashion-mnist", "--samples", "10001")]
    public void BadOptionIsOneLineAndNoOutput(string named, params string[] options)
    {
        using var temp = new TempDirectory();
        AssertRejected(temp, named, options);
    }

    [Fact]
    public void UnknownVerbIsRejected()
    {
        var outcome = CliRunner.Run("quadratic");
        Assert.Equal(ExitCodes.BadInput, outcome.ExitCode);
        Assert.Contains("quadratic", Assert.Single(outcome.StderrLines));
    }

    [Fact]
    public void ControlTinyDataRuns()
    {
        using var temp = new TempDirectory();
        using var files = new IdxFiles();
        WriteSplit(files);
        string outDir = temp.Combine("out"), json = temp.Combine("record.json");
        var outcome = CliRunner.Run("linear", "--dataset", "fashion-mnist", "--data", files.Directory, "--out", outDir, "--json", json);
        Assert.True(outcome.ExitCode == ExitCodes.Ok, outcome.ToString());
        Assert.True(File.Exists(json));
        Assert.Equal(13, TempDirectory.FilesUnder(outDir).Length);
    }

    [Fact]
    public void MissingDataDirectory()
    {
        using var temp = new TempDirectory();
        string missing = temp.Combine("no-such-data");
        AssertRejected(temp, missing, "--dataset", "fashion-mnist", "--data", missing);
    }

    [Fact]
    public void DataDirectoryWithoutTheFiles()
    {
        using var temp = new TempDirectory();
        using var files = new IdxFiles();
        files.Write(Images, IdxFiles.Bytes([Count, Rows, Cols], IdxFiles.SomeBytes(Count * Rows * Cols, seed: 1)));
        AssertRejected(temp, Labels, "--dataset", "fashion-mnist", "--data", files.Directory);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CorruptMagicNumber(bool gzip)
    {
        using var temp = new TempDirectory();
        using var files = new IdxFiles();
        WriteSplit(files, gzip);
        var bytes = IdxFiles.Bytes([Count, Rows, Cols], IdxFiles.SomeBytes(Count * Rows * Cols, seed: 1));
        bytes[0] = 0x12;   // an IDX file starts with two zero bytes
        string name = Images + (gzip ? ".gz" : "");
        files.Write(name, bytes, gzip);
        AssertRejected(temp, name, "--dataset", "fashion-mnist", "--data", files.Directory);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedImageFile(bool gzip)
    {
        using var temp = new TempDirectory();
        using var files = new IdxFiles();
        WriteSplit(files, gzip);
        string name = Images + (gzip ? ".gz" : "");
        files.Write(name, IdxFiles.Bytes([Count, Rows, Cols], IdxFiles.SomeBytes(Count * Rows * Cols - 7, seed: 1)), gzip);
        AssertRejected(temp, name, "--dataset", "fashion-mnist", "--data", files.Directory);
    }

    [Fact]
    public void TruncatedHeader()
    {
        using var temp = new TempDirectory();
        using var files = new IdxFiles();
        WriteSplit(files);
        files.Write(Labels, [0, 0, 8]);
        AssertRejected(temp, Labels, "--dataset", "fashion-mnist", "--data", files.Directory);
    }

    [Fact]
    public void ImageAndLabelCountsDiffer()
    {
        using var temp = new TempDirectory();
        using var files = new IdxFiles();
        WriteSplit(files);
        files.Write(Labels, IdxFiles.Bytes([Count - 1], IdxFiles.SomeBytes(Count - 1, seed: 2, max: 10)));
        var outcome = AssertRejected(temp, Images, "--dataset", "fashion-mnist", "--data", files.Directory);
        Assert.Contains(Labels, outcome.Stderr);
    }

    [Fact]
    public void LabelOutOfRange()
    {
        using var temp = new TempDirectory();
        using var files = new IdxFiles();
        WriteSplit(files);
        var labels = IdxFiles.SomeBytes(Count, seed: 2, max: 10);
        labels[5] = 42;
        files.Write(Labels, IdxFiles.Bytes([Count], labels));
        var outcome = AssertRejected(temp, Labels, "--dataset", "fashion-mnist", "--data", files.Directory);
        Assert.Contains("42", outcome.Stderr);
    }

    [Fact]
    public void MoreSamplesThanTheDataHolds()
    {
        using var temp = new TempDirectory();
        using var files = new IdxFiles();
        WriteSplit(files);
        var outcome = AssertRejected(temp, $"--samples {Count + 1}", "--dataset", "fashion-mnist", "--data", files.Directory, "--samples", $"{Count + 1}");
        Assert.Contains($"1..{Count}", outcome.Stderr);
    }

    [Fact]
    public void OutUnderARegularFile()
    {
        using var temp = new TempDirectory();
        string file = temp.Combine("a-file");
        File.WriteAllText(file, "not a directory");
        string outDir = Path.Combine(file, "out"), json = temp.Combine("record.json");
        var outcome = CliRunner.Run("linear", "--out", outDir, "--json", json);
        outcome.AssertRejectedInOneLine("--out");
        Assert.Contains(outDir, outcome.Stderr);
        Assert.False(File.Exists(json));
        Assert.Equal("not a directory", File.ReadAllText(file));
        Assert.Equal([file], TempDirectory.FilesUnder(temp.Path));
    }

    [Fact]
    public void OutIsARegularFile()
    {
        using var temp = new TempDirectory();
        string file = temp.Combine("a-file");
        File.WriteAllText(file, "not a directory");
        var outcome = CliRunner.Run("linear", "--out", file);
        outcome.AssertRejectedInOneLine("--out");
        Assert.Equal("not a directory", File.ReadAllText(file));
        Assert.Equal([file], TempDirectory.FilesUnder(temp.Path));
    }

    [Fact]
    public void JsonIsADirectory()
    {
        using var temp = new TempDirectory();
        string directory = temp.Combine("a-directory"), outDir = temp.Combine("out");
        Directory.CreateDirectory(directory);
        var outcome = CliRunner.Run("linear", "--json", directory, "--out", outDir);
        outcome.AssertRejectedInOneLine("--json");
        Assert.Contains(directory, outcome.Stderr);
        Assert.Empty(TempDirectory.FilesUnder(temp.Path));
    }

    [Fact]
    public void JsonUnderARegularFile()
    {
        using var temp = new TempDirectory();
        string file = temp.Combine("a-file");
        File.WriteAllText(file, "not a directory");
        var outcome = CliRunner.Run("linear", "--json", Path.Combine(file, "record.json"));
        outcome.AssertRejectedInOneLine("--json");
        Assert.Equal([file], TempDirectory.FilesUnder(temp.Path));
    }

    /// <summary>Writes a valid tiny test split (<see cref="Count"/> images of <see cref="Rows"/>×<see cref="Cols"/>).</summary>
    static void WriteSplit(IdxFiles files, bool gzip = false)
    {
        string suffix = gzip ? ".gz" : "";
        files.Write(Images + suffix, IdxFiles.Bytes([Count, Rows, Cols], IdxFiles.SomeBytes(Count * Rows * Cols, seed: 1)), gzip);
        files.Write(Labels + suffix, IdxFiles.Bytes([Count], IdxFiles.SomeBytes(Count, seed: 2, max: 10)), gzip);
    }

    /// <summary>Runs <c>linear</c> with <paramref name="options"/> plus both outputs in <paramref name="temp"/>,
    /// and checks the rejection.</summary>
    static CliOutcome AssertRejected(TempDirectory temp, string named, params string[] options)
    {
        string outDir = temp.Combine("out"), json = temp.Combine("record.json");
        var outcome = CliRunner.Run(["linear", .. options, "--out", outDir, "--json", json]);
        outcome.AssertRejectedInOneLine(named);
        Assert.False(File.Exists(json), "the --json file was written");
        Assert.Empty(TempDirectory.FilesUnder(outDir));
        return outcome;
    }

}
