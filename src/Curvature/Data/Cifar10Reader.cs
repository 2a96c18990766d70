using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Data;

/// <summary>CIFAR-10 (Krizhevsky 2009, "Learning Multiple Layers of Features from Tiny Images", ch. 3): 32×32 colour
/// images in 10 classes, 50 000 for training in five batch files and 10 000 for test, read from the "binary
/// version" that users download themselves (Curvature does not ship it).</summary>
/// <remarks>
/// Format (the binary-version section of www.cs.toronto.edu/~kriz/cifar.html): each file is a sequence of
/// 3073-byte records, one label byte (0..9) followed by 3072 pixel bytes — the 1024 red values, then the 1024
/// green, then the 1024 blue, each plane 32×32 in row-major order. There is no header, so a file is valid when its
/// length is a positive multiple of 3073 and every label byte is below 10. Every problem raises
/// <see cref="CurvatureDataException"/> naming the file or directory.
/// </remarks>
public static class Cifar10Reader
{
    /// <summary>The name of the 50 000-image training split: <c>data_batch_1.bin</c> … <c>data_batch_5.bin</c>,
    /// concatenated in that order.</summary>
    public const string TrainSplit = "train";

    /// <summary>The name of the 10 000-image test split: <c>test_batch.bin</c>.</summary>
    public const string TestSplit = "test";

    /// <summary>Number of classes.</summary>
    public const int ClassCount = 10;

    /// <summary>Colour channels per image (red, green, blue, in that order).</summary>
    public const int Channels = 3;

    /// <summary>Image height in pixels.</summary>
    public const int Height = 32;

    /// <summary>Image width in pixels.</summary>
    public const int Width = 32;

    /// <summary>Pixel bytes per image, 3·32·32.</summary>
    public const int ImageBytes = Channels * Height * Width;

    /// <summary>Bytes per record: one label byte and <see cref="ImageBytes"/> pixel bytes.</summary>
    public const int RecordBytes = 1 + ImageBytes;

    /// <summary>The largest stored pixel value; pixels are divided by it so they lie in [0, 1] (as for
    /// <see cref="FashionMnist.PixelScale"/>).</summary>
    public const double PixelScale = 255.0;

    /// <summary>The class names, indexed by label, as listed in <c>batches.meta.txt</c> of the binary version.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>The files of <paramref name="split"/>, in the order their records are concatenated.</summary>
    /// <exception cref="CurvatureDataException"><paramref name="split"/> is neither "train" nor "test".</exception>
    public static IReadOnlyList<string> FileNames(string split) => split switch
    {
        TrainSplit => TrainFiles,
        TestSplit => TestFiles,
        _ => throw new CurvatureDataException($"unknown CIFAR-10 split \"{split}\"; use \"{TrainSplit}\" or \"{TestSplit}\""),
    };

    static readonly string[] TrainFiles = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];
    static readonly string[] TestFiles = ["test_batch.bin"];

    /// <summary>Whether <paramref name="directory"/> holds every file of <paramref name="split"/>.</summary>
    /// <exception cref="CurvatureDataException"><paramref name="split"/> is neither "train" nor "test".</exception>
    public static bool HasSplit(string directory, string split)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return FileNames(split).All(f => File.Exists(Path.Combine(directory, f)));
    }

    /// <summary>Reads one batch file: checks that its length is a positive multiple of <see cref="RecordBytes"/>
    /// and that every label is in 0..9.</summary>
    /// <exception cref="CurvatureDataException">The file is missing, unreadable, empty, not a whole number of
    /// records, or holds a label outside 0..9.</exception>
    public static Cifar10Batch ReadBatch(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var name = Path.GetFileName(path);
        byte[] content;
        try
        {
            using var file = File.OpenRead(path);
            // The length is checked before anything is read, so a wrong file costs nothing.
            int records = CountRecords(name, file.Length);
            content = new byte[(long)records * RecordBytes];
            file.ReadExactly(content);
        }
        catch (FileNotFoundException e) { throw new CurvatureDataException($"{path}: file not found", e); }
        catch (DirectoryNotFoundException e) { throw new CurvatureDataException($"{path}: directory not found", e); }
        catch (EndOfStreamException e) { throw new CurvatureDataException($"{name}: file shrank while being read", e); }
        catch (IOException e) { throw new CurvatureDataException($"{name}: cannot read: {e.Message}", e); }
        catch (UnauthorizedAccessException e) { throw new CurvatureDataException($"{name}: cannot read: {e.Message}", e); }

        int count = content.Length / RecordBytes;
        var labels = new byte[count];
        var pixels = new byte[(long)count * ImageBytes];
        for (int r = 0; r < count; r++)
        {
            byte label = content[(long)r * RecordBytes];
            if (label >= ClassCount)
                throw new CurvatureDataException($"{name}: label {label} of record {r} (byte offset {(long)r * RecordBytes}) is outside 0..{ClassCount - 1}");
            labels[r] = label;
            Array.Copy(content, (long)r * RecordBytes + 1, pixels, (long)r * ImageBytes, ImageBytes);
        }
        return new Cifar10Batch(name, labels, pixels);
    }

    /// <summary>Loads the images and labels of <paramref name="split"/> from <paramref name="directory"/>: for
    /// "train" the records of <c>data_batch_1.bin</c> … <c>data_batch_5.bin</c> in that order, for "test" those of
    /// <c>test_batch.bin</c>. Images become [n, 3, 32, 32] of <paramref name="dtype"/> (channels R, G, B; rows; columns)
    /// with each byte divided by <see cref="PixelScale"/>; labels become [n] int64. The result has
    /// <see cref="LabeledImages.Channels"/> = 3.</summary>
    /// <remarks>Every file of the split must be present and have a valid length, since the count of examples is
    /// their sum. Only the files holding the first n records are read; each of those is read whole and all its
    /// labels are checked (a bad label anywhere in it means a corrupt file).</remarks>
    /// <param name="directory">The folder holding the files (for the official archive, its
    /// <c>cifar-10-batches-bin</c> folder).</param>
    /// <param name="split"><see cref="TrainSplit"/> or <see cref="TestSplit"/>.</param>
    /// <param name="samples">Take only the first N examples, in file order (deterministic); null takes all.</param>
    /// <param name="dtype">Floating-point type of the images; float64 by default, Curvature's reference precision.</param>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not a floating-point type.</exception>
    /// <exception cref="CurvatureDataException">Unknown split, missing directory or file, a file that is empty,
    /// not a whole number of records or unreadable, a label outside 0..9, or <paramref name="samples"/> ≤ 0 or larger
    /// than the split.</exception>
    public static LabeledImages Load(string directory, string split, int? samples = null, ScalarType dtype = ScalarType.Float64)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!is_floating_point(dtype))
            throw new ArgumentException($"images need a floating-point dtype; got {dtype}", nameof(dtype));
        var names = FileNames(split);
        if (!System.IO.Directory.Exists(directory))
            throw new CurvatureDataException($"{directory}: CIFAR-10 directory not found");
        var missing = names.Where(f => !File.Exists(Path.Combine(directory, f))).ToList();
        if (missing.Count > 0)
            throw new CurvatureDataException(
                $"{directory}: the CIFAR-10 {split} split needs {string.Join(", ", names)}; missing {string.Join(", ", missing)}");

        var paths = names.Select(f => Path.Combine(directory, f)).ToList();
        long available = 0;
        foreach (var path in paths)
            available += CountRecords(Path.GetFileName(path), new FileInfo(path).Length);
        if (samples is int s && (s <= 0 || s > available))
            throw new CurvatureDataException($"samples = {s}: the CIFAR-10 {split} split in {directory} has {available} examples; choose 1..{available}");
        long wanted = samples ?? available;
        if (wanted * ImageBytes > Array.MaxLength)
            throw new CurvatureDataException($"{directory}: {wanted} CIFAR-10 images are more pixels than one array can hold; take fewer samples");
        int n = (int)wanted;

        var pixels = new byte[(long)n * ImageBytes];
        var labels = new long[n];
        int filled = 0;
        foreach (var path in paths)
        {
            if (filled == n) break;
            var batch = ReadBatch(path);
            int take = Math.Min(n - filled, batch.Count);
            Array.Copy(batch.Pixels, 0, pixels, (long)filled * ImageBytes, (long)take * ImageBytes);
            for (int i = 0; i < take; i++) labels[filled + i] = batch.Labels[i];
            filled += take;
        }
        if (filled < n)   // only if a file shrank between the length check and the read
            throw new CurvatureDataException($"{directory}: the CIFAR-10 {split} files changed while being read: found {filled} of {n} examples");

        using var scope = NewDisposeScope();
        var raw = tensor(pixels, [n, Channels, Height, Width], ScalarType.Byte);
        var imageTensor = raw.to_type(dtype).div_(PixelScale);
        var labelTensor = tensor(labels, [n], ScalarType.Int64);
        return new LabeledImages(imageTensor.MoveToOuterDisposeScope(), labelTensor.MoveToOuterDisposeScope(),
            Height, Width, split, directory, Channels);
    }

    /// <summary>The number of records in a file of <paramref name="length"/> bytes, or the error saying why the
    /// length is impossible.</summary>
    static int CountRecords(string name, long length)
    {
        if (length == 0)
            throw new CurvatureDataException($"{name}: empty file; a CIFAR-10 batch holds {RecordBytes}-byte records (1 label byte + {ImageBytes} pixel bytes)");
        long records = length / RecordBytes, rest = length % RecordBytes;
        if (rest != 0)
            throw new CurvatureDataException(
                $"{name}: truncated or corrupt: {length} bytes is {records} whole {RecordBytes}-byte records (1 label byte + {ImageBytes} pixel bytes) and {rest} bytes more");
        if (records * RecordBytes > Array.MaxLength)
            throw new CurvatureDataException($"{name}: {records} records, {length} bytes, is more than one array can hold");
        return (int)records;
    }
}
