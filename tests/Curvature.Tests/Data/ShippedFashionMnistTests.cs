using System.IO.Compression;
using Curvature.Data;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Data;

/// <summary>The test split shipped in data/fashion-mnist, loaded once for the class.</summary>
public sealed class ShippedTestSplit : IDisposable
{
    public ShippedTestSplit()
    {
        Directory = FashionMnist.DefaultDirectory ?? throw new InvalidOperationException("data/fashion-mnist not found");
        Data = FashionMnist.LoadDefault();
    }

    public string Directory { get; }
    public LabeledImages Data { get; }

    /// <summary>The decompressed bytes of a shipped file, read independently of the library's reader.</summary>
    public byte[] RawBytes(string fileName)
    {
        using var gz = new GZipStream(File.OpenRead(Path.Combine(Directory, fileName)), CompressionMode.Decompress);
        using var all = new MemoryStream();
        gz.CopyTo(all);
        return all.ToArray();
    }

    public void Dispose() => Data.Dispose();
}

public sealed class ShippedFashionMnistTests(ShippedTestSplit shipped) : IClassFixture<ShippedTestSplit>
{
    /// <summary>Bounds on the mean pixel of the test split. Published figure: ≈0.286 (the mean 72.94/255 that
    /// torchvision-style normalisations quote for Fashion-MNIST, train set). The band is wide enough for the
    /// test split to differ a little from the train split, narrow enough that a wrong scale (not /255), a
    /// wrong dtype or reading the header as pixels fails.</summary>
    const double MeanPixelLow = 0.27, MeanPixelHigh = 0.30;

    [Fact]
    public void HasTenThousandImagesOf784PixelsInTheUnitInterval()
    {
        var images = shipped.Data.Images;
        Assert.Equal(new long[] { 10_000, FashionMnist.PixelCount }, images.shape);
        Assert.Equal((28, 28), (shipped.Data.Height, shipped.Data.Width));
        Assert.Equal(0.0, images.min().item<double>());
        Assert.Equal(1.0, images.max().item<double>());
    }

    [Fact]
    public void EveryClassHasExactlyOneThousandExamples()
    {
        using var counts = bincount(shipped.Data.Labels, minlength: FashionMnist.ClassCount);
        Assert.Equal(Enumerable.Repeat(1000L, FashionMnist.ClassCount).ToArray(), counts.data<long>().ToArray());
    }

    [Fact]
    public void FirstExampleMatchesTheRawFileBytes()
    {
        var labelBytes = shipped.RawBytes("t10k-labels-idx1-ubyte.gz");
        var imageBytes = shipped.RawBytes("t10k-images-idx3-ubyte.gz");
        const int LabelHeader = 8, ImageHeader = 16;   // magic + sizes: 4 + 4·1 and 4 + 4·3 bytes
        Assert.Equal(9, labelBytes[LabelHeader]);       // the first test image is an ankle boot
        Assert.Equal(labelBytes[LabelHeader], shipped.Data.Labels[0].item<long>());
        Assert.Equal("Ankle boot", FashionMnist.ClassNames[(int)shipped.Data.Labels[0].item<long>()]);

        var firstImage = imageBytes.AsSpan(ImageHeader, FashionMnist.PixelCount).ToArray().Select(p => p / 255.0).ToArray();
        using var row = shipped.Data.Images[0].clone();
        Assert.Equal(firstImage, row.data<double>().ToArray());
        var lastLabels = labelBytes[^10..].Select(l => (long)l).ToArray();
        using var tail = shipped.Data.Labels[TensorIndex.Slice(-10)].clone();
        Assert.Equal(lastLabels, tail.data<long>().ToArray());
    }

    [Fact]
    public void MeanPixelIsTheKnownFashionMnistMean()
    {
        double mean = shipped.Data.Images.mean().item<double>();
        Assert.InRange(mean, MeanPixelLow, MeanPixelHigh);
    }

    [Fact]
    public void LoadingTheShippedSplitLeavesNoLiveTensors()
    {
        Assert.Equal(0, LiveTensors.LeakedBy(() =>
        {
            using var d = FashionMnist.Load(shipped.Directory, samples: 100, dtype: ScalarType.Float32);
            Assert.Equal(new long[] { 100, 784 }, d.Images.shape);
        }));
    }

    /// <summary>This test assembly sits in &lt;repo&gt;/tests/Curvature.Tests/bin/&lt;Configuration&gt;/&lt;tfm&gt;/.</summary>
    static (string Repo, string Configuration, string Tfm) OutputLayout()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var project = output.Parent!.Parent!.Parent!;
        Assert.Equal("Curvature.Tests", project.Name);
        return (project.Parent!.Parent!.FullName, output.Parent!.Name, output.Name);
    }

    [Fact]
    public void TheRepositoryCopyIsFoundByWalkingUpFromTheTestProject()
    {
        // The build also copies data/ next to this assembly (through the CLI's items), so start above bin/
        // to exercise the walk up to <repo>/data/fashion-mnist.
        var (repo, _, _) = OutputLayout();
        var found = FashionMnist.FindDefaultDirectory(Path.Combine(repo, "tests", "Curvature.Tests"));
        Assert.Equal(Path.Combine(repo, "data", "fashion-mnist"), found);
        Assert.True(FashionMnist.HasSplit(found!, FashionMnist.TestSplit));
        Assert.False(FashionMnist.HasSplit(found!, FashionMnist.TrainSplit));   // only the test split ships
    }

    [Fact]
    public void TheCliBuildOutputCarriesTheData()
    {
        // The CLI is built before this project (see its reference in the test project).
        var (repo, configuration, tfm) = OutputLayout();
        var cliData = Path.Combine(repo, "src", "Curvature.Cli", "bin", configuration, tfm, "data", "fashion-mnist");
        foreach (var name in new[] { "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "LICENSE" })
        {
            var copy = Path.Combine(cliData, name);
            Assert.True(File.Exists(copy), $"missing from the CLI output: {copy}");
            Assert.Equal(File.ReadAllBytes(Path.Combine(repo, "data", "fashion-mnist", name)), File.ReadAllBytes(copy));
        }
    }
}
