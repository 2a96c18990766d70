using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Curvature.Tests.Checkpoints;

/// <summary>A fresh directory for one test's files, deleted afterwards.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"curvature-ckpt-{Guid.NewGuid():N}");

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>Writes a state dict made in C# the way a PyTorch user's file holds it: .pt through PyBridge's pickler
/// (PyTorch's zip format, read by torch.load) and .safetensors through PyBridge's writer.</summary>
public static class ForeignFiles
{
    public static void Write(string path, Dictionary<string, Tensor> stateDict)
    {
        using var stream = File.Create(path);
        if (path.EndsWith(".safetensors", StringComparison.Ordinal)) Safetensors.SaveStateDict(stream, stateDict);
        else PyTorchPickler.PickleStateDict(stream, stateDict);
    }
}
