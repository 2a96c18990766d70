using static TorchSharp.torch;

namespace Curvature.Estimators;

/// <summary>
/// A [rows, n] tensor whose storage is a shared memory mapping of a fresh file (libtorch's <c>from_file</c> with
/// shared = true: writes go to the file, and the kernel pages rows in and out, so they count as reclaimable page cache
/// rather than process memory). The file is preallocated (so a full disk is an <see cref="IOException"/> here, not a
/// SIGBUS on a later write) and unlinked as soon as it is mapped: the mapping keeps the data alive, and the space is
/// returned when the tensor is disposed — or when the process ends for any reason, so no file is ever left behind.
/// </summary>
/// <remarks>Why <c>from_file</c> and not <see cref="System.IO.MemoryMappedFiles"/>: the tensor is the mapping itself, so
/// projections run libtorch's kernels on views of it with no copy, and a float64 disk basis performs exactly the same
/// arithmetic as one in memory. A managed mapping would need every chunk copied into a tensor on every projection.</remarks>
internal static class MappedRows
{
    /// <summary>Creates the file in <paramref name="directory"/>, maps it and unlinks it.</summary>
    public static Tensor Create(string directory, int rows, long n, ScalarType dtype)
    {
        int width = dtype == ScalarType.Float32 ? 4 : 8;
        long bytes = checked(rows * n * width);
        string path = Path.Combine(directory, $"curvature-basis-{Guid.NewGuid():N}.{(width == 4 ? "f32" : "f64")}");
        try
        {
            // Preallocation (posix_fallocate) reserves the blocks now; the length is what libtorch maps.
            using (var file = new FileStream(path, new FileStreamOptions
                   { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.None, PreallocationSize = Math.Max(bytes, 1) }))
                file.SetLength(bytes);
            var mapped = from_file(path, shared: true, size: rows * n, dtype: dtype).reshape(rows, n).DetachFromDisposeScope();
            return mapped;
        }
        finally
        {
            // Unlinked at once: the mapping holds the inode; the blocks are freed when it is unmapped.
            try { File.Delete(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>Throws an <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> saying why
    /// <paramref name="directory"/> cannot hold a basis file (missing or not writable); silent when it can.</summary>
    public static void CheckWritable(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"the basis directory {directory} does not exist");
        string probe = Path.Combine(directory, $"curvature-basis-probe-{Guid.NewGuid():N}");
        using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
    }
}
