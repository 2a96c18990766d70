using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Curvature.Distributed;

/// <summary>
/// The data file of a run: a .safetensors file with two tensors, <c>inputs</c> [N, …] and <c>targets</c> [N] or [N, C]
/// (readable with Python's <c>safetensors.torch.load_file</c>). Each shard reads the file and keeps its own rows.
/// </summary>
public static class ShardDataFile
{
    /// <summary>Key of the inputs tensor.</summary>
    public const string InputsKey = "inputs";
    /// <summary>Key of the targets tensor.</summary>
    public const string TargetsKey = "targets";

    /// <summary>Writes <paramref name="inputs"/> and <paramref name="targets"/> to <paramref name="path"/>.</summary>
    public static void Save(string path, Tensor inputs, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (inputs.dim() < 2 || targets.dim() is not (1 or 2) || targets.shape[0] != inputs.shape[0])
            throw new ArgumentException($"data file: inputs [N, …] and targets [N] or [N, C]; got [{string.Join(", ", inputs.shape)}] and [{string.Join(", ", targets.shape)}]");
        using var scope = NewDisposeScope();
        var dict = new Dictionary<string, Tensor> { [InputsKey] = inputs.contiguous(), [TargetsKey] = targets.contiguous() };
        using var stream = File.Create(path);
        Safetensors.SaveStateDict(stream, dict, leaveOpen: true);
    }

    /// <summary>Reads rows [start, start + count) of the file as owned tensors (outside any dispose scope).</summary>
    /// <exception cref="InvalidDataException">The file lacks a key or has fewer rows than asked for.</exception>
    public static (Tensor Inputs, Tensor Targets) LoadRows(string path, long start, long count)
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> file;
        using (var stream = File.OpenRead(path))
            file = Safetensors.LoadStateDict(stream, leaveOpen: true);
        if (!file.TryGetValue(InputsKey, out var inputs) || !file.TryGetValue(TargetsKey, out var targets))
            throw new InvalidDataException($"{path}: a data file needs tensors '{InputsKey}' and '{TargetsKey}'; found {string.Join(", ", file.Keys)}");
        long n = inputs.dim() >= 1 ? inputs.shape[0] : 0;
        if (targets.dim() < 1 || targets.shape[0] != n || start < 0 || count < 1 || start + count > n)
            throw new InvalidDataException($"{path}: rows [{start}, {start + count}) asked for, but inputs are [{string.Join(", ", inputs.shape)}] and targets [{string.Join(", ", targets.shape)}]");
        return (inputs.narrow(0, start, count).clone().DetachFromDisposeScope(),
                targets.narrow(0, start, count).clone().DetachFromDisposeScope());
    }
}
