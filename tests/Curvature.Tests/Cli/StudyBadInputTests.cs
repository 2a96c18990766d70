using System.Diagnostics;
using Curvature.Tests.Data;

namespace Curvature.Tests.Cli;

/// <summary>Bad input to <c>curvature study</c> and <c>curvature demo</c>: exit code 2, exactly one line on standard error
/// naming the problem, nothing on standard output, no output directory (every run passes <c>--out</c> to a folder that
/// does not exist yet) — and all of it before any training: each case starts from the default study, which trains for
/// minutes, so a check that came too late would show up as a slow run, caught by <see cref="BeforeTraining"/>.</summary>
public sealed class StudyBadInputTests
{
    /// <summary>Upper bound on a rejection: parsing plus at most loading the embedded images (well under a second alone,
    /// a few seconds on a loaded 2-core machine). Every case starts from the default study (3 arms × 1,000 steps on 5,000
    /// images, checkpoint analyses and an init sweep: minutes, like the ~5-minute demo), so a rejection that came only
    /// after training began cannot pass this bound.</summary>
    static readonly TimeSpan BeforeTraining = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData("--arms: unknown arm 'bogus'; expected none, batch, centered, layer, population", "--arms", "none,bogus")]
    [InlineData("--arms none,batch,none: an arm is named twice", "--arms", "none,batch,none")]
    [InlineData("--arms: at least one arm is needed", "--arms", "")]
    [InlineData("--arms: at least one arm is needed", "--arms", " , ")]
    [InlineData("--sweep-arms: 'batch' is not one of the --arms (none, centered)", "--arms", "none,centered")]   // default sweep: none, batch
    [InlineData("--sweep-arms: 'layer' is not one of the --arms (none, batch)", "--arms", "none,batch", "--sweep-arms", "none,layer")]
    [InlineData("--checkpoints 2000 is beyond --steps 1000", "--checkpoints", "0,10,2000")]
    [InlineData("--checkpoints 5 is beyond --steps 4", "--steps", "4", "--checkpoints", "0,5")]
    [InlineData("--checkpoints must be strictly increasing", "--checkpoints", "0,30,10")]
    [InlineData("--checkpoints must be strictly increasing", "--checkpoints", "0,10,10")]
    [InlineData("--checkpoints -1,5", "--checkpoints", "-1,5")]
    [InlineData("--checkpoints a", "--checkpoints", "a")]
    [InlineData("--analysis-samples 6000 is more than the 5000 training examples", "--analysis-samples", "6000")]
    [InlineData("--population-samples must be between --analysis-samples (1000) and --samples (5000); got 500", "--population-samples", "500")]
    [InlineData("--population-samples must be between --analysis-samples (1000) and --samples (5000); got 6000", "--population-samples", "6000")]
    [InlineData("--tolerance", "--tolerance", "1")]
    [InlineData("--tolerance", "--tolerance", "0")]
    [InlineData("--trace-products", "--trace-products", "3")]
    [InlineData("--smoothness-steps 0,-1", "--smoothness-steps", "0,-1")]
    [InlineData("--smoothness-steps abc: 'abc' is not a number", "--smoothness-steps", "abc")]
    [InlineData("--init-scales 0", "--init-scales", "0")]
    [InlineData("--init-scales 1,x", "--init-scales", "1,x")]
    [InlineData("--momentum must be below 1; got 1", "--momentum", "1")]
    [InlineData("--gamma must be at most 1; got 2", "--schedule", "step", "--gamma", "2")]
    [InlineData("--lr must be a positive number; got 0", "--lr", "0")]
    [InlineData("--lr-bn must be a positive number; got -1", "--lr-bn", "-1")]
    [InlineData("--top", "--top", "0")]
    [InlineData("--probes", "--probes", "0")]
    [InlineData("--lanczos-steps must be at least 2", "--lanczos-steps", "1")]
    [InlineData("--population-refresh", "--population-refresh", "0")]
    [InlineData("--steps", "--steps", "0")]
    [InlineData("--batch-size", "--batch-size", "0")]
    [InlineData("--schedule: unknown value 'linear'", "--schedule", "linear")]
    [InlineData("--bogus", "--bogus")]
    public void StudyRejectsBadOptionInOneLineAndWritesNothing(string named, params string[] options)
    {
        using var temp = new TempDirectory();
        AssertRejected(temp, named, ["study", .. options]);
    }

    [Fact]
    public void StudyRejectsMoreExamplesThanTheEmbeddedData()
    {
        // 9,500 training + 1,000 held-out images from the 10,000 of the embedded test split.
        using var temp = new TempDirectory();
        var line = AssertRejected(temp, "--samples", ["study", "--samples", "9500", "--held-out", "1000"]);
        Assert.Contains("10000", line);
    }

    [Fact]
    public void StudyRejectsAnOutputThatIsAFile()
    {
        using var temp = new TempDirectory();
        string file = temp.Combine("a-file");
        File.WriteAllText(file, "not a directory");
        var line = Rejected(["study", "--out", file], "--out");
        Assert.Contains(file, line);
        Assert.Equal("not a directory", File.ReadAllText(file));
        Assert.Equal([file], TempDirectory.FilesUnder(temp.Path));
        line = Rejected(["study", "--out", Path.Combine(file, "below")], "--out");
        Assert.Equal([file], TempDirectory.FilesUnder(temp.Path));
    }

    [Fact]
    public void DemoRejectsAMissingDataDirectory()
    {
        using var temp = new TempDirectory();
        string missing = temp.Combine("no-such-data");
        AssertRejected(temp, $"--data {missing}: no such directory", ["demo", "--data", missing]);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public void DemoRejectsADataDirectoryWithoutFashionMnist()
    {
        using var temp = new TempDirectory();
        string empty = temp.Combine("empty");
        Directory.CreateDirectory(empty);
        AssertRejected(temp, empty, ["demo", "--data", empty]);
        Assert.Empty(Directory.GetFileSystemEntries(empty));
    }

    [Fact]
    public void DemoRejectsADataDirectoryWithTooFewImages()
    {
        // A valid test split of 100 images: the demo needs 5,000 + 1,000.
        using var idx = new IdxFiles();
        const int count = 100;
        idx.Write("t10k-images-idx3-ubyte", IdxFiles.Bytes([count, 28, 28], IdxFiles.SomeBytes(count * 28 * 28, 1)));
        idx.Write("t10k-labels-idx1-ubyte", IdxFiles.Bytes([count], IdxFiles.SomeBytes(count, 2, max: 10)));
        using var temp = new TempDirectory();
        var line = AssertRejected(temp, idx.Directory, ["demo", "--data", idx.Directory]);
        Assert.Contains($"{count}", line);
    }

    [Fact]
    public void DemoRejectsAnOutputThatIsAFile()
    {
        using var temp = new TempDirectory();
        string file = temp.Combine("a-file");
        File.WriteAllText(file, "not a directory");
        var line = Rejected(["demo", "--out", file], "--out");
        Assert.Contains(file, line);
        Assert.Equal("not a directory", File.ReadAllText(file));
        Assert.Equal([file], TempDirectory.FilesUnder(temp.Path));
    }

    [Theory]
    [InlineData("--bogus", "--bogus")]
    [InlineData("--seed", "--seed", "-1")]
    [InlineData("maybe", "--full", "maybe")]      // a flag takes no value: the stray word is named
    public void DemoRejectsBadOptions(string named, params string[] options)
    {
        using var temp = new TempDirectory();
        AssertRejected(temp, named, ["demo", .. options]);
    }

    /// <summary>Runs with <c>--out</c> to a folder in <paramref name="temp"/> that does not exist yet; checks the
    /// one-line rejection, that it came before training, and that nothing was written.</summary>
    static string AssertRejected(TempDirectory temp, string named, string[] args)
    {
        string outDir = temp.Combine("out");
        string[] before = TempDirectory.FilesUnder(temp.Path);
        var line = Rejected([.. args, "--out", outDir], named);
        Assert.False(Directory.Exists(outDir), "the --out directory was created");
        Assert.Equal(before, TempDirectory.FilesUnder(temp.Path));
        return line;
    }

    static string Rejected(string[] args, string named)
    {
        var clock = Stopwatch.StartNew();
        var outcome = CliRunner.Run(args);
        var line = outcome.AssertRejectedInOneLine(named);
        Assert.True(clock.Elapsed < BeforeTraining, $"rejected only after {clock.Elapsed.TotalSeconds:F1} s: {line}");
        return line;
    }
}
