using System.Collections;
using System.IO.Compression;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Curvature.Checkpoints;

/// <summary>
/// Reads and writes a model's state dict (parameters and buffers by name) as a PyTorch <c>.pt</c>/<c>.pth</c> file
/// (<c>torch.save(model.state_dict(), …)</c> / <c>model.load_state_dict(torch.load(…))</c>) or a <c>.safetensors</c>
/// file, through TorchSharp.PyBridge. Zoo models (<see cref="Models.MlpSpec"/>, <see cref="Models.CnnSpec"/>,
/// <see cref="Models.ResNetSpec"/>) use PyTorch's key names and tensor layouts, so files move both ways.
/// </summary>
/// <remarks>
/// Loading is strict and all-or-nothing: the file is read into memory and compared with the model before anything is
/// copied. A missing key, an unexpected key, a shape difference, or a dtype difference other than between two
/// floating-point types is a <see cref="CheckpointException"/> naming the key and both shapes (or dtypes); the model is
/// then unchanged. Floating-point values are converted to the model's dtype (a float32 PyTorch checkpoint loads into a
/// float64 model exactly; float64 → float32 rounds). Values are copied into the model's existing tensors, so
/// parameters keep their identity and <c>requires_grad</c>.
/// </remarks>
public static class Checkpoint
{
    /// <summary>The format of <paramref name="path"/> by its extension: .pt or .pth → PyTorch, .safetensors →
    /// safetensors (case-insensitive).</summary>
    /// <exception cref="CheckpointException">Any other extension.</exception>
    public static CheckpointFormat FormatOf(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return System.IO.Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".pt" or ".pth" => CheckpointFormat.PyTorch,
            ".safetensors" => CheckpointFormat.SafeTensors,
            _ => throw new CheckpointException(path, null,
                $"{path}: unknown checkpoint format (expected a .pt, .pth or .safetensors file)"),
        };
    }

    /// <summary>Loads the state dict in <paramref name="path"/> into <paramref name="model"/> after the strict check
    /// (see the remarks on <see cref="Checkpoint"/>). Leaves no tensors behind.</summary>
    /// <exception cref="CheckpointException">The file is missing, unreadable, truncated, not a state dict, or does not
    /// match the model; the model is unchanged.</exception>
    public static void Load(nn.Module model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var format = FormatOf(path);
        if (!File.Exists(path)) throw new CheckpointException(path, null, $"{path}: file not found");

        // Everything the reader creates (including its own temporaries) is disposed with this scope.
        using var scope = NewDisposeScope();
        var fileTensors = format == CheckpointFormat.PyTorch ? ReadPyTorch(path) : ReadSafetensors(path);
        var target = model.state_dict();
        StateDictCheck.Require(path,
            fileTensors.ToDictionary(kv => kv.Key, kv => TensorEntry.Of(kv.Value), StringComparer.Ordinal),
            target.Select(kv => KeyValuePair.Create(kv.Key, TensorEntry.Of(kv.Value))));
        using var noGrad = no_grad();
        foreach (var (key, tensor) in target)
            tensor.copy_(fileTensors[key]);
    }

    /// <summary>Writes <paramref name="model"/>'s state dict to <paramref name="path"/> in the format its extension
    /// names, atomically: into a temporary file in the same directory, then renamed over the target, so a reader never
    /// sees a half-written file. A .pt file loads in PyTorch with <c>model.load_state_dict(torch.load(path))</c>.</summary>
    /// <exception cref="CheckpointException">The extension is unknown or the file cannot be written.</exception>
    public static void Save(nn.Module model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var format = FormatOf(path);
        string fullPath = System.IO.Path.GetFullPath(path);
        string directory = System.IO.Path.GetDirectoryName(fullPath)!;
        string temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var scope = NewDisposeScope())
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                if (format == CheckpointFormat.PyTorch) model.save_py(stream, leaveOpen: true);
                else model.save_safetensors(stream, leaveOpen: true);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotImplementedException)
        {
            TryDelete(temporary);
            throw new CheckpointException(path, $"{path}: cannot write the checkpoint ({SafetensorsHeader.FirstLine(e.Message)})", e);
        }
    }

    private static Dictionary<string, Tensor> ReadPyTorch(string path)
    {
        Hashtable table;
        try
        {
            using var stream = File.OpenRead(path);
            CheckZipArchive(path, stream);
            stream.Position = 0;
            table = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true, skipTensorRead: false);
        }
        catch (CheckpointException)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CheckpointException(path,
                $"{path}: not a readable PyTorch state dict (a zip written by torch.save(model.state_dict(), …)): {SafetensorsHeader.FirstLine(e.Message)}", e);
        }
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is not string key || entry.Value is not Tensor tensor)
                throw new CheckpointException(path, entry.Key as string,
                    $"{path}: entry '{entry.Key}' is not a tensor; a state dict maps names to tensors (save model.state_dict())");
            tensors.Add(key, tensor);
        }
        return tensors;
    }

    /// <summary>torch.save (PyTorch ≥ 1.6) writes a zip archive holding …/data.pkl; checking that first gives a
    /// plain message for an empty, foreign or truncated file instead of the unpickler's.</summary>
    private static void CheckZipArchive(string path, Stream stream)
    {
        const string prefix = "not a PyTorch checkpoint";
        if (stream.Length == 0) throw new CheckpointException(path, null, $"{path}: {prefix} (the file is empty)");
        Span<byte> signature = stackalloc byte[4];
        if (stream.ReadAtLeast(signature, 4, throwOnEndOfStream: false) < 4 || !signature.SequenceEqual("PK\u0003\u0004"u8))
            throw new CheckpointException(path, null,
                $"{path}: {prefix} (not a zip archive; the legacy format of torch.save(..., _use_new_zipfile_serialization=False) is not read)");
        stream.Position = 0;
        try
        {
            using var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            if (!archive.Entries.Any(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal)))
                throw new CheckpointException(path, null, $"{path}: {prefix} (a zip archive without data.pkl)");
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException(path, $"{path}: {prefix} (truncated or corrupt zip archive: {SafetensorsHeader.FirstLine(e.Message)})", e);
        }
    }

    private static Dictionary<string, Tensor> ReadSafetensors(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            SafetensorsHeader.Read(path, stream);
            stream.Position = 0;
            return Safetensors.LoadStateDict(stream, leaveOpen: true);
        }
        catch (Exception e) when (e is not (CheckpointException or OutOfMemoryException))
        {
            throw new CheckpointException(path, $"{path}: not a readable safetensors file: {SafetensorsHeader.FirstLine(e.Message)}", e);
        }
    }

    private static void TryDelete(string file)
    {
        try { File.Delete(file); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
