using Curvature.Data;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Data;

/// <summary>The CIFAR-10 binary reader on tiny batch files written record by record: exact values, the R-G-B plane
/// layout, the order of the five training files, the first-N rule, and every rejection.</summary>
public sealed class Cifar10ReaderTests
{
    const int Image = Cifar10Reader.ImageBytes;
    const int Record = Cifar10Reader.RecordBytes;
    static readonly string[] TrainFiles = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];

    /// <summary>The bytes of a batch file: for each record its label byte, then its 3072 pixel bytes.</summary>
    static byte[] Records(byte[] labels, byte[] pixels)
    {
        Assert.Equal(labels.Length * Image, pixels.Length);
        var bytes = new byte[labels.Length * Record];
        for (int r = 0; r < labels.Length; r++)
        {
            bytes[r * Record] = labels[r];
            Array.Copy(pixels, r * Image, bytes, r * Record + 1, Image);
        }
        return bytes;
    }

    /// <summary>Writes a batch of <paramref name="n"/> records with arbitrary pixels and labels 0..9.</summary>
    static (byte[] Labels, byte[] Pixels) WriteBatch(IdxFiles files, string name, int n, int seed)
    {
        var labels = IdxFiles.SomeBytes(n, seed, max: 10);
        var pixels = IdxFiles.SomeBytes(n * Image, seed + 1000);
        files.Write(name, Records(labels, pixels));
        return (labels, pixels);
    }

    /// <summary>Writes the five training files with 2, 1, 3, 1, 2 records; returns the concatenation in file order.</summary>
    static (byte[] Labels, byte[] Pixels) WriteTrainSplit(IdxFiles files)
    {
        int[] counts = [2, 1, 3, 1, 2];
        var labels = new List<byte>();
        var pixels = new List<byte>();
        for (int f = 0; f < 5; f++)
        {
            var (l, p) = WriteBatch(files, TrainFiles[f], counts[f], seed: 20 + f);
            labels.AddRange(l);
            pixels.AddRange(p);
        }
        return (labels.ToArray(), pixels.ToArray());
    }

    [Fact]
    public void TestSplitLoadsExactly()
    {
        using var files = new IdxFiles();
        var (labels, pixels) = WriteBatch(files, "test_batch.bin", 3, seed: 5);

        using var data = Cifar10Reader.Load(files.Directory, Cifar10Reader.TestSplit);

        Assert.Equal(ScalarType.Float64, data.Images.dtype);
        Assert.Equal(new long[] { 3, 3, 32, 32 }, data.Images.shape);
        Assert.Equal(ScalarType.Int64, data.Labels.dtype);
        Assert.Equal(new long[] { 3 }, data.Labels.shape);
        Assert.Equal((3L, 3, 32, 32, "test", files.Directory),
            (data.Count, data.Channels, data.Height, data.Width, data.Split, data.Directory));
        // Division by 255 is correctly rounded in both torch and C#, so equality is exact.
        Assert.Equal(pixels.Select(p => p / 255.0).ToArray(), data.Images.data<double>().ToArray());
        Assert.Equal(labels.Select(l => (long)l).ToArray(), data.Labels.data<long>().ToArray());
    }

    [Fact]
    public void PlanesAreRedGreenBlueEachRowMajor()
    {
        using var files = new IdxFiles();
        // One record marking three pixels: red at (row 1, col 2), green at (row 31, col 0), blue at (row 0, col 31).
        var pixels = new byte[Image];
        pixels[0 * 1024 + 1 * 32 + 2] = 200;
        pixels[1 * 1024 + 31 * 32 + 0] = 100;
        pixels[2 * 1024 + 0 * 32 + 31] = 50;
        files.Write("test_batch.bin", Records([7], pixels));

        using var data = Cifar10Reader.Load(files.Directory, Cifar10Reader.TestSplit);

        Assert.Equal(200 / 255.0, data.Images[0, 0, 1, 2].item<double>());
        Assert.Equal(100 / 255.0, data.Images[0, 1, 31, 0].item<double>());
        Assert.Equal(50 / 255.0, data.Images[0, 2, 0, 31].item<double>());
        Assert.Equal(3, data.Images.count_nonzero().item<long>());
        Assert.Equal(7L, data.Labels[0].item<long>());
    }

    [Fact]
    public void TrainSplitIsTheFiveBatchesInOrder()
    {
        using var files = new IdxFiles();
        var (labels, pixels) = WriteTrainSplit(files);
        Assert.True(Cifar10Reader.HasSplit(files.Directory, Cifar10Reader.TrainSplit));
        Assert.False(Cifar10Reader.HasSplit(files.Directory, Cifar10Reader.TestSplit));

        using var data = Cifar10Reader.Load(files.Directory, Cifar10Reader.TrainSplit);

        Assert.Equal(new long[] { 9, 3, 32, 32 }, data.Images.shape);
        Assert.Equal("train", data.Split);
        Assert.Equal(pixels.Select(p => p / 255.0).ToArray(), data.Images.data<double>().ToArray());
        Assert.Equal(labels.Select(l => (long)l).ToArray(), data.Labels.data<long>().ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]    // ends exactly at the end of data_batch_2
    [InlineData(4)]    // runs into data_batch_3
    [InlineData(9)]
    public void SamplesTakesTheFirstExamplesAcrossFilesInOrder(int n)
    {
        using var files = new IdxFiles();
        var (labels, pixels) = WriteTrainSplit(files);
        using var data = Cifar10Reader.Load(files.Directory, Cifar10Reader.TrainSplit, samples: n);
        Assert.Equal(new long[] { n, 3, 32, 32 }, data.Images.shape);
        Assert.Equal(pixels[..(n * Image)].Select(p => p / 255.0).ToArray(), data.Images.data<double>().ToArray());
        Assert.Equal(labels[..n].Select(l => (long)l).ToArray(), data.Labels.data<long>().ToArray());
    }

    [Fact]
    public void FilesAfterTheFirstNAreCheckedForLengthButNotRead()
    {
        using var files = new IdxFiles();
        WriteTrainSplit(files);
        var bad = new byte[2 * Record];
        bad[Record] = 10;   // the second record of data_batch_5 has label 10
        files.Write(TrainFiles[4], bad);

        using (var first = Cifar10Reader.Load(files.Directory, Cifar10Reader.TrainSplit, samples: 7))
            Assert.Equal(7L, first.Count);
        var e = Assert.Throws<CurvatureDataException>(() => Cifar10Reader.Load(files.Directory, Cifar10Reader.TrainSplit, samples: 8));
        Assert.Equal($"data_batch_5.bin: label 10 of record 1 (byte offset {Record}) is outside 0..9", e.Message);

        files.Write(TrainFiles[4], new byte[2 * Record + 1]);
        e = Assert.Throws<CurvatureDataException>(() => Cifar10Reader.Load(files.Directory, Cifar10Reader.TrainSplit, samples: 1));
        Assert.StartsWith("data_batch_5.bin: truncated or corrupt", e.Message);
    }

    [Fact]
    public void Float32ImagesAreTheFloat32Quotient()
    {
        using var files = new IdxFiles();
        var (_, pixels) = WriteBatch(files, "test_batch.bin", 2, seed: 8);
        using var data = Cifar10Reader.Load(files.Directory, Cifar10Reader.TestSplit, dtype: ScalarType.Float32);
        Assert.Equal(ScalarType.Float32, data.Images.dtype);
        Assert.Equal(pixels.Select(p => p / 255f).ToArray(), data.Images.data<float>().ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(10)]
    public void SamplesOutsideOneToCountAreRejected(int samples)
    {
        using var files = new IdxFiles();
        WriteTrainSplit(files);
        var e = Assert.Throws<CurvatureDataException>(() => Cifar10Reader.Load(files.Directory, Cifar10Reader.TrainSplit, samples: samples));
        Assert.Equal($"samples = {samples}: the CIFAR-10 train split in {files.Directory} has 9 examples; choose 1..9", e.Message);
    }

    [Fact]
    public void MissingFilesNameTheDirectoryAndTheExpectedNames()
    {
        using var files = new IdxFiles();
        WriteBatch(files, TrainFiles[0], 1, seed: 1);
        WriteBatch(files, TrainFiles[3], 1, seed: 2);
        var e = Assert.Throws<CurvatureDataException>(() => Cifar10Reader.Load(files.Directory, Cifar10Reader.TrainSplit));
        Assert.Equal($"{files.Directory}: the CIFAR-10 train split needs data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, " +
                     "data_batch_4.bin, data_batch_5.bin; missing data_batch_2.bin, data_batch_3.bin, data_batch_5.bin", e.Message);

        e = Assert.Throws<CurvatureDataException>(() => Cifar10Reader.Load(files.Directory, Cifar10Reader.TestSplit));
        Assert.Equal($"{files.Directory}: the CIFAR-10 test split needs test_batch.bin; missing test_batch.bin", e.Message);
    }

    [Fact]
    public void MissingDirectoryIsNamed()
    {
        using var files = new IdxFiles();
        var nowhere = Path.Combine(files.Directory, "absent");
        var e = Assert.Throws<CurvatureDataException>(() => Cifar10Reader.Load(nowhere, Cifar10Reader.TestSplit));
        Assert.Equal($"{nowhere}: CIFAR-10 directory not found", e.Message);
    }

    [Fact]
    public void UnknownSplitIsRejected()
    {
        using var files = new IdxFiles();
        var e = Assert.Throws<CurvatureDataException>(() => Cifar10Reader.Load(files.Directory, "validation"));
        Assert.Equal("unknown CIFAR-10 split \"validation\"; use \"train\" or \"test\"", e.Message);
        Assert.Throws<CurvatureDataException>(() => Cifar10Reader.HasSplit(files.Directory, "Train"));
    }

    [Theory]
    [InlineData(2 * Record + 5, 2, 5)]
    [InlineData(Record - 1, 0, Record - 1)]
    [InlineData(1, 0, 1)]
    public void LengthNotAWholeNumberOfRecordsIsTruncatedOrCorrupt(int length, int records, int rest)
    {
        using var files = new IdxFiles();
        var path = files.Write("test_batch.bin", new byte[length]);
        var e = Assert.Throws<CurvatureDataException>(() => Cifar10Reader.ReadBatch(path));
        Assert.Equal($"test_batch.bin: truncated or corrupt: {length} bytes is {records} whole 3073-byte records " +
                     $"(1 label byte + 3072 pixel bytes) and {rest} bytes more", e.Message);
        var viaLoad = Assert.Throws<CurvatureDataException>(() => Cifar10Reader.Load(files.Directory, Cifar10Reader.TestSplit));
        Assert.Equal(e.Message, viaLoad.Message);
    }

    [Fact]
    public void EmptyFileIsRejected()
    {
        using var files = new IdxFiles();
        files.Write("test_batch.bin", []);
        var e = Assert.Throws<CurvatureDataException>(() => Cifar10Reader.Load(files.Directory, Cifar10Reader.TestSplit));
        Assert.Equal("test_batch.bin: empty file; a CIFAR-10 batch holds 3073-byte records (1 label byte + 3072 pixel bytes)", e.Message);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(255)]
    public void LabelsOutsideTheTenClassesAreRejected(byte label)
    {
        using var files = new IdxFiles();
        var bytes = Records([3, 9, label], new byte[3 * Image]);
        files.Write("test_batch.bin", bytes);
        // Checked over the whole file even when fewer samples are asked for: the file is corrupt.
        var e = Assert.Throws<CurvatureDataException>(() => Cifar10Reader.Load(files.Directory, Cifar10Reader.TestSplit, samples: 1));
        Assert.Equal($"test_batch.bin: label {label} of record 2 (byte offset {2 * Record}) is outside 0..9", e.Message);
    }

    [Fact]
    public void ReadBatchSplitsLabelsAndPixelsExactly()
    {
        using var files = new IdxFiles();
        var labels = new byte[] { 0, 9, 4 };
        var pixels = IdxFiles.SomeBytes(3 * Image, seed: 3);
        var path = files.Write("anything.bin", Records(labels, pixels));
        var batch = Cifar10Reader.ReadBatch(path);
        Assert.Equal(("anything.bin", 3), (batch.Name, batch.Count));
        Assert.Equal(labels, batch.Labels);
        Assert.Equal(pixels, batch.Pixels);
    }

    [Fact]
    public void MissingFileIsNamedByReadBatch()
    {
        using var files = new IdxFiles();
        var path = Path.Combine(files.Directory, "data_batch_1.bin");
        var e = Assert.Throws<CurvatureDataException>(() => Cifar10Reader.ReadBatch(path));
        Assert.Equal($"{path}: file not found", e.Message);
    }

    [Fact]
    public void NonFloatingDtypeIsAnArgumentError()
    {
        using var files = new IdxFiles();
        WriteBatch(files, "test_batch.bin", 1, seed: 4);
        Assert.Throws<ArgumentException>(() => Cifar10Reader.Load(files.Directory, Cifar10Reader.TestSplit, dtype: ScalarType.Int64));
    }

    [Fact]
    public void LoadingLeavesNoLiveTensorsOnceDisposed()
    {
        using var files = new IdxFiles();
        WriteTrainSplit(files);
        Assert.Equal(0, LiveTensors.LeakedBy(() => { using var d = Cifar10Reader.Load(files.Directory, Cifar10Reader.TrainSplit, samples: 4); }));
        Assert.Equal(0, LiveTensors.LeakedBy(() => { using var d = Cifar10Reader.Load(files.Directory, Cifar10Reader.TrainSplit, dtype: ScalarType.Float32); }));
        Assert.Equal(0, LiveTensors.LeakedBy(() => Assert.Throws<CurvatureDataException>(
            () => Cifar10Reader.Load(files.Directory, Cifar10Reader.TrainSplit, samples: 10))));
    }

    [Fact]
    public void ClassNamesAreTheTenPublishedOnes()
    {
        Assert.Equal(Cifar10Reader.ClassCount, Cifar10Reader.ClassNames.Count);
        Assert.Equal("airplane", Cifar10Reader.ClassNames[0]);
        Assert.Equal("truck", Cifar10Reader.ClassNames[9]);
        Assert.Equal(TrainFiles, Cifar10Reader.FileNames(Cifar10Reader.TrainSplit));
        Assert.Equal(["test_batch.bin"], Cifar10Reader.FileNames(Cifar10Reader.TestSplit));
    }
}
