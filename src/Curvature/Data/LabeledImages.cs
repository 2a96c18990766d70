using static TorchSharp.torch;

namespace Curvature.Data;

/// <summary>A set of labelled images as tensors: <see cref="Images"/> [n, …] in [0, 1] holding
/// <see cref="Channels"/>·<see cref="Height"/>·<see cref="Width"/> values per image, and <see cref="Labels"/> [n]
/// of int64 class indices. Owns both tensors; dispose it to free them.</summary>
/// <remarks>A class rather than a record: a <c>with</c> copy of a record would share the tensors, and two
/// owners would dispose them twice.</remarks>
public sealed class LabeledImages : IDisposable
{
    internal LabeledImages(Tensor images, Tensor labels, int height, int width, string split, string directory, int channels = 1)
    {
        Channels = channels;
        Images = images;
        Labels = labels;
        Height = height;
        Width = width;
        Split = split;
        Directory = directory;
    }

    /// <summary>The pixels, each stored byte divided by 255, in the layout of the source: greyscale sets
    /// (Fashion-MNIST, <see cref="Channels"/> = 1) are [n, <see cref="Height"/>·<see cref="Width"/>], one image per
    /// row, row-major; colour sets (CIFAR-10) are [n, <see cref="Channels"/>, <see cref="Height"/>,
    /// <see cref="Width"/>], channel planes then rows. Both are C-ordered the same way, so
    /// <c>Images.reshape(n, Channels, Height, Width)</c> gives the convolution layout and
    /// <c>Images.reshape(n, -1)</c> the flat one for either.</summary>
    public Tensor Images { get; }

    /// <summary>The class of each image, shape [n], int64.</summary>
    public Tensor Labels { get; }

    /// <summary>The number of examples n.</summary>
    public long Count => Labels.shape[0];

    /// <summary>Colour channels per image: 1 for greyscale (Fashion-MNIST), 3 for RGB (CIFAR-10).</summary>
    public int Channels { get; }

    /// <summary>Image height in pixels (28 for Fashion-MNIST, 32 for CIFAR-10).</summary>
    public int Height { get; }

    /// <summary>Image width in pixels (28 for Fashion-MNIST, 32 for CIFAR-10).</summary>
    public int Width { get; }

    /// <summary>The split the examples came from ("train" or "test").</summary>
    public string Split { get; }

    /// <summary>The directory the files were read from.</summary>
    public string Directory { get; }

    /// <summary>Frees the two tensors.</summary>
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
