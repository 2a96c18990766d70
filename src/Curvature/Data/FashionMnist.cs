using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Data;

/// <summary>Fashion-MNIST (Xiao, Rasul &amp; Vollgraf 2017, arXiv:1708.07747): 28×28 greyscale images of clothing
/// in 10 classes, 60 000 for training and 10 000 for test, stored as the four IDX files of MNIST. The test split
/// ships with Curvature in <c>data/fashion-mnist</c> (<see cref="DefaultDirectory"/>); the full set can be read
/// from any directory holding the standard files.</summary>
public static class FashionMnist
{
    /// <summary>The name of the 60 000-image training split.</summary>
    public const string TrainSplit = "train";

    /// <summary>The name of the 10 000-image test split (the one shipped with Curvature).</summary>
    public const string TestSplit = "test";

    /// <summary>Number of classes.</summary>
    public const int ClassCount = 10;

    /// <summary>Pixels per image, 28×28.</summary>
    public const int PixelCount = 28 * 28;

    /// <summary>The largest stored pixel value; pixels are divided by it so they lie in [0, 1].</summary>
    public const double PixelScale = 255.0;

    /// <summary>The class names, indexed by label, as published with the data set (README of
    /// github.com/zalandoresearch/fashion-mnist).</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The embedded data: <c>data/fashion-mnist</c> next to the executable (the CLI copies it there)
    /// if it holds the test split, else the first <c>data/fashion-mnist</c> holding it found walking up from
    /// <see cref="AppContext.BaseDirectory"/> (so tests and <c>dotnet run</c> find the repository's copy);
    /// null if there is none.</summary>
    public static string? DefaultDirectory => FindDefaultDirectory(AppContext.BaseDirectory);

    /// <summary>Whether <paramref name="directory"/> holds the image and label files of <paramref name="split"/>
    /// (each raw or with <c>.gz</c>).</summary>
    /// <exception cref="CurvatureDataException"><paramref name="split"/> is neither "train" nor "test".</exception>
    public static bool HasSplit(string directory, string split)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var (images, labels) = FileStems(split);
        return Find(directory, images) is not null && Find(directory, labels) is not null;
    }

    /// <summary>Loads a split of the embedded data (<see cref="DefaultDirectory"/>); see
    /// <see cref="Load(string, string, int?, ScalarType)"/>.</summary>
    /// <exception cref="CurvatureDataException">The embedded data cannot be found, or as for Load.</exception>
    public static LabeledImages LoadDefault(string split = TestSplit, int? samples = null, ScalarType dtype = ScalarType.Float64)
    {
        var directory = DefaultDirectory
            ?? throw new CurvatureDataException($"the embedded Fashion-MNIST data was not found: no data/fashion-mnist with the test split in {AppContext.BaseDirectory} or its parents");
        return Load(directory, split, samples, dtype);
    }

    /// <summary>Loads the images and labels of <paramref name="split"/> from <paramref name="directory"/>, which
    /// holds <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c>,
    /// <c>t10k-labels-idx1-ubyte</c> (each raw or with <c>.gz</c>; the raw file wins if both exist; only the
    /// requested split needs to be present). Images become [n, rows·cols] of <paramref name="dtype"/> with each
    /// byte divided by <see cref="PixelScale"/>; labels become [n] int64.</summary>
    /// <param name="directory">The folder holding the files.</param>
    /// <param name="split"><see cref="TrainSplit"/> or <see cref="TestSplit"/>.</param>
    /// <param name="samples">Take only the first N examples, in file order (deterministic); null takes all.</param>
    /// <param name="dtype">Floating-point type of the images; float64 by default, Curvature's reference precision.</param>
    /// <exception cref="CurvatureDataException">Unknown split, missing or corrupt file, images not 3-dimensional,
    /// labels not 1-dimensional, image and label counts that differ, a label outside 0..9, or
    /// <paramref name="samples"/> ≤ 0 or larger than the split.</exception>
    public static LabeledImages Load(string directory, string split = TestSplit, int? samples = null, ScalarType dtype = ScalarType.Float64)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!is_floating_point(dtype))
            throw new ArgumentException($"images need a floating-point dtype; got {dtype}", nameof(dtype));
        var (imageStem, labelStem) = FileStems(split);
        if (!System.IO.Directory.Exists(directory))
            throw new CurvatureDataException($"{directory}: Fashion-MNIST directory not found");
        var imagePath = Find(directory, imageStem);
        var labelPath = Find(directory, labelStem);
        if (imagePath is null || labelPath is null)
        {
            var missing = string.Join(" and ", new[] { (imagePath, imageStem), (labelPath, labelStem) }
                .Where(f => f.Item1 is null).Select(f => f.Item2 + "[.gz]"));
            throw new CurvatureDataException(
                $"{directory}: the Fashion-MNIST {split} split needs {imageStem}[.gz] and {labelStem}[.gz]; missing {missing}");
        }

        var images = IdxReader.Read(imagePath);
        var labels = IdxReader.Read(labelPath);
        if (images.Dimensions.Count != 3)
            throw new CurvatureDataException($"{images.Name}: images must have 3 dimensions (count×rows×cols); header says {images.Shape}");
        if (labels.Dimensions.Count != 1)
            throw new CurvatureDataException($"{labels.Name}: labels must have 1 dimension (count); header says {labels.Shape}");
        int available = images.Dimensions[0];
        if (labels.Dimensions[0] != available)
            throw new CurvatureDataException($"{images.Name} has {available} images but {labels.Name} has {labels.Dimensions[0]} labels");
        if (samples is int s && (s <= 0 || s > available))
            throw new CurvatureDataException($"samples = {s}: the Fashion-MNIST {split} split in {directory} has {available} examples; choose 1..{available}");
        int n = samples ?? available;
        // Every label is checked, not only the first n: a label out of range means a corrupt file.
        int bad = Array.FindIndex(labels.Values, v => v >= ClassCount);
        if (bad >= 0)
            throw new CurvatureDataException($"{labels.Name}: label {labels.Values[bad]} at index {bad} is outside 0..{ClassCount - 1}");

        int rows = images.Dimensions[1], cols = images.Dimensions[2];
        int pixels = rows * cols;
        using var scope = NewDisposeScope();
        var raw = tensor(images.Values.AsSpan(0, n * pixels).ToArray(), [n, pixels], ScalarType.Byte);
        var imageTensor = raw.to_type(dtype).div_(PixelScale);
        var labelTensor = tensor(Array.ConvertAll(labels.Values[..n], v => (long)v), [n], ScalarType.Int64);
        return new LabeledImages(imageTensor.MoveToOuterDisposeScope(), labelTensor.MoveToOuterDisposeScope(),
            rows, cols, split, directory);
    }

    /// <summary>The walk-up rule of <see cref="DefaultDirectory"/>, from a given start (exposed for tests).</summary>
    internal static string? FindDefaultDirectory(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "data", "fashion-mnist");
            if (HasSplit(candidate, TestSplit))
                return candidate;
        }
        return null;
    }

    static (string Images, string Labels) FileStems(string split) => split switch
    {
        TrainSplit => ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        TestSplit => ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
        _ => throw new CurvatureDataException($"unknown Fashion-MNIST split \"{split}\"; use \"{TrainSplit}\" or \"{TestSplit}\""),
    };

    static string? Find(string directory, string stem)
    {
        var raw = Path.Combine(directory, stem);
        if (File.Exists(raw)) return raw;
        var gz = raw + ".gz";
        return File.Exists(gz) ? gz : null;
    }
}
