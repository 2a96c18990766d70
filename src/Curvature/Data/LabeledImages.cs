using static TorchSharp.torch;

namespace Curvature.Data;

/// <summary>A set of labelled images as tensors: <see cref="Images"/> [n, height·width] in [0, 1] and
/// <see cref="Labels"/> [n] of int64 class indices. Owns both tensors; dispose it to free them.</summary>
/// <remarks>A class rather than a record: a <c>with</c> copy of a record would share the tensors, and two
/// owners would dispose them twice.</remarks>
public sealed class LabeledImages : IDisposable
{
    internal LabeledImages(Tensor images, Tensor labels, int height, int width, string split, string directory)
    {
        Images = images;
        Labels = labels;
        Height = height;
        Width = width;
        Split = split;
        Directory = directory;
    }

    /// <summary>The pixels, one image per row, shape [n, <see cref="Height"/>·<see cref="Width"/>], row-major
    /// within each image, each stored byte divided by 255.</summary>
    public Tensor Images { get; }

    /// <summary>The class of each image, shape [n], int64.</summary>
    public Tensor Labels { get; }

    /// <summary>The number of examples n.</summary>
    public long Count => Labels.shape[0];

    /// <summary>Image height in pixels (28 for Fashion-MNIST).</summary>
    public int Height { get; }

    /// <summary>Image width in pixels (28 for Fashion-MNIST).</summary>
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
