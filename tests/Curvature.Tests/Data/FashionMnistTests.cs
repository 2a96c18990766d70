using Curvature.Data;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Data;

/// <summary>Loading a split from tiny hand-made IDX files: exact values, sampling, and every rejection.</summary>
public sealed class FashionMnistTests
{
    const string Images = "t10k-images-idx3-ubyte";
    const string Labels = "t10k-labels-idx1-ubyte";

    /// <summary>Five 2×3 images with arbitrary pixels (all 256 byte values reachable) and labels 0..9.</summary>
    static (byte[] Pixels, byte[] Labels) WriteTinySplit(IdxFiles files, string prefix = "t10k", bool gzip = false, int n = 5)
    {
        var pixels = IdxFiles.SomeBytes(n * 6, seed: 11);
        var labels = IdxFiles.SomeBytes(n, seed: 12, max: 10);
        files.Write($"{prefix}-images-idx3-ubyte" + (gzip ? ".gz" : ""), IdxFiles.Bytes([n, 2, 3], pixels), gzip);
        files.Write($"{prefix}-labels-idx1-ubyte" + (gzip ? ".gz" : ""), IdxFiles.Bytes([n], labels), gzip);
        return (pixels, labels);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TinySplitLoadsExactly(bool gzip)
    {
        using var files = new IdxFiles();
        var (pixels, labels) = WriteTinySplit(files, gzip: gzip);

        using var data = FashionMnist.Load(files.Directory);

        Assert.Equal(ScalarType.Float64, data.Images.dtype);
        Assert.Equal(new long[] { 5, 6 }, data.Images.shape);
        Assert.Equal(ScalarType.Int64, data.Labels.dtype);
        Assert.Equal(new long[] { 5 }, data.Labels.shape);
        Assert.Equal((5L, 2, 3, "test", files.Directory), (data.Count, data.Height, data.Width, data.Split, data.Directory));
        Assert.Equal(1, data.Channels);   // greyscale: the flat [n, H·W] layout is [n, 1, H, W] reshaped
        // Division by 255 is correctly rounded in both torch and C#, so equality is exact.
        Assert.Equal(pixels.Select(p => p / 255.0).ToArray(), data.Images.data<double>().ToArray());
        Assert.Equal(labels.Select(l => (long)l).ToArray(), data.Labels.data<long>().ToArray());
    }

    [Fact]
    public void Float32ImagesAreTheFloat32Quotient()
    {
        using var files = new IdxFiles();
        var (pixels, _) = WriteTinySplit(files);
        using var data = FashionMnist.Load(files.Directory, dtype: ScalarType.Float32);
        Assert.Equal(ScalarType.Float32, data.Images.dtype);
        Assert.Equal(pixels.Select(p => p / 255f).ToArray(), data.Images.data<float>().ToArray());
    }

    [Fact]
    public void SamplesTakesTheFirstExamplesInFileOrder()
    {
        using var files = new IdxFiles();
        var (pixels, labels) = WriteTinySplit(files);
        using var data = FashionMnist.Load(files.Directory, samples: 3);
        Assert.Equal(new long[] { 3, 6 }, data.Images.shape);
        Assert.Equal(pixels[..18].Select(p => p / 255.0).ToArray(), data.Images.data<double>().ToArray());
        Assert.Equal(labels[..3].Select(l => (long)l).ToArray(), data.Labels.data<long>().ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-4)]
    [InlineData(6)]
    public void SamplesOutsideOneToCountAreRejected(int samples)
    {
        using var files = new IdxFiles();
        WriteTinySplit(files);
        var e = Assert.Throws<CurvatureDataException>(() => FashionMnist.Load(files.Directory, samples: samples));
        Assert.Equal($"samples = {samples}: the Fashion-MNIST test split in {files.Directory} has 5 examples; choose 1..5", e.Message);
    }

    [Fact]
    public void TrainSplitIsFoundAndLoadedByItsOwnNames()
    {
        using var files = new IdxFiles();
        var (pixels, _) = WriteTinySplit(files, prefix: "train", gzip: true, n: 4);
        Assert.True(FashionMnist.HasSplit(files.Directory, FashionMnist.TrainSplit));
        Assert.False(FashionMnist.HasSplit(files.Directory, FashionMnist.TestSplit));
        using var data = FashionMnist.Load(files.Directory, FashionMnist.TrainSplit);
        Assert.Equal("train", data.Split);
        Assert.Equal(pixels.Select(p => p / 255.0).ToArray(), data.Images.data<double>().ToArray());
    }

    [Fact]
    public void MissingFilesNameTheDirectoryAndTheExpectedNames()
    {
        using var files = new IdxFiles();
        files.Write(Images, IdxFiles.Bytes([1, 2, 3], new byte[6]));
        var e = Assert.Throws<CurvatureDataException>(() => FashionMnist.Load(files.Directory));
        Assert.Equal($"{files.Directory}: the Fashion-MNIST test split needs {Images}[.gz] and {Labels}[.gz]; missing {Labels}[.gz]", e.Message);

        e = Assert.Throws<CurvatureDataException>(() => FashionMnist.Load(files.Directory, FashionMnist.TrainSplit));
        Assert.EndsWith("missing train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz]", e.Message);
    }

    [Fact]
    public void MissingDirectoryIsNamed()
    {
        using var files = new IdxFiles();
        var nowhere = Path.Combine(files.Directory, "absent");
        var e = Assert.Throws<CurvatureDataException>(() => FashionMnist.Load(nowhere));
        Assert.Equal($"{nowhere}: Fashion-MNIST directory not found", e.Message);
    }

    [Fact]
    public void UnknownSplitIsRejected()
    {
        using var files = new IdxFiles();
        WriteTinySplit(files);
        var e = Assert.Throws<CurvatureDataException>(() => FashionMnist.Load(files.Directory, "validation"));
        Assert.Contains("unknown Fashion-MNIST split \"validation\"", e.Message);
    }

    [Fact]
    public void ImageAndLabelCountsMustAgree()
    {
        using var files = new IdxFiles();
        files.Write(Images, IdxFiles.Bytes([3, 2, 2], new byte[12]));
        files.Write(Labels, IdxFiles.Bytes([2], [1, 2]));
        var e = Assert.Throws<CurvatureDataException>(() => FashionMnist.Load(files.Directory));
        Assert.Equal($"{Images} has 3 images but {Labels} has 2 labels", e.Message);
    }

    [Fact]
    public void LabelsOutsideTheTenClassesAreRejected()
    {
        using var files = new IdxFiles();
        files.Write(Images, IdxFiles.Bytes([3, 1, 1], [0, 1, 2]));
        files.Write(Labels, IdxFiles.Bytes([3], [9, 0, 10]));
        // Checked over the whole file even when fewer samples are asked for: the file is corrupt.
        var e = Assert.Throws<CurvatureDataException>(() => FashionMnist.Load(files.Directory, samples: 1));
        Assert.Equal($"{Labels}: label 10 at index 2 is outside 0..9", e.Message);
    }

    [Fact]
    public void ImagesMustBeThreeDimensional()
    {
        using var files = new IdxFiles();
        files.Write(Images, IdxFiles.Bytes([2, 4], new byte[8]));
        files.Write(Labels, IdxFiles.Bytes([2], [1, 2]));
        var e = Assert.Throws<CurvatureDataException>(() => FashionMnist.Load(files.Directory));
        Assert.Equal($"{Images}: images must have 3 dimensions (count×rows×cols); header says 2×4", e.Message);
    }

    [Fact]
    public void LabelsMustBeOneDimensional()
    {
        using var files = new IdxFiles();
        files.Write(Images, IdxFiles.Bytes([2, 1, 1], [3, 4]));
        files.Write(Labels + ".gz", IdxFiles.Bytes([2, 1], [1, 2]), gzip: true);
        var e = Assert.Throws<CurvatureDataException>(() => FashionMnist.Load(files.Directory));
        Assert.Equal($"{Labels}.gz: labels must have 1 dimension (count); header says 2×1", e.Message);
    }

    [Fact]
    public void CorruptFileSurfacesAsTheReadersError()
    {
        using var files = new IdxFiles();
        files.Write(Images, IdxFiles.Bytes([2, 2, 2], new byte[7]));
        files.Write(Labels, IdxFiles.Bytes([2], [1, 2]));
        var e = Assert.Throws<CurvatureDataException>(() => FashionMnist.Load(files.Directory));
        Assert.Equal($"{Images}: truncated: header says 2×2×2 = 8 bytes of data, file has 7", e.Message);
    }

    [Fact]
    public void NonFloatingDtypeIsAnArgumentError()
    {
        using var files = new IdxFiles();
        WriteTinySplit(files);
        Assert.Throws<ArgumentException>(() => FashionMnist.Load(files.Directory, dtype: ScalarType.Int32));
    }

    [Fact]
    public void DefaultDirectoryIsFoundByWalkingUp()
    {
        using var files = new IdxFiles();
        var data = Directory.CreateDirectory(Path.Combine(files.Directory, "data", "fashion-mnist")).FullName;
        var deep = Directory.CreateDirectory(Path.Combine(files.Directory, "bin", "Debug", "net10.0")).FullName;
        Assert.Null(FashionMnist.FindDefaultDirectory(deep));      // the folder alone is not enough: it needs the test split
        File.WriteAllBytes(Path.Combine(data, Images + ".gz"), IdxFiles.Gzip(IdxFiles.Bytes([1, 1, 1], [0])));
        File.WriteAllBytes(Path.Combine(data, Labels), IdxFiles.Bytes([1], [0]));
        Assert.Equal(data, FashionMnist.FindDefaultDirectory(deep));
        Assert.Equal(data, FashionMnist.FindDefaultDirectory(files.Directory));   // the start itself counts
    }

    [Fact]
    public void LoadingLeavesNoLiveTensorsOnceDisposed()
    {
        using var files = new IdxFiles();
        WriteTinySplit(files, gzip: true);
        Assert.Equal(0, LiveTensors.LeakedBy(() => { using var d = FashionMnist.Load(files.Directory, samples: 4); }));
        Assert.Equal(0, LiveTensors.LeakedBy(() => Assert.Throws<CurvatureDataException>(() => FashionMnist.Load(files.Directory, samples: 9))));
    }

    [Fact]
    public void ClassNamesAreTheTenPublishedOnes()
    {
        Assert.Equal(FashionMnist.ClassCount, FashionMnist.ClassNames.Count);
        Assert.Equal("T-shirt/top", FashionMnist.ClassNames[0]);
        Assert.Equal("Ankle boot", FashionMnist.ClassNames[9]);
    }
}
