using static TorchSharp.torch;

namespace Curvature.Checkpoints;

/// <summary>The strict comparison of a file's state dict with a model's, run before anything is copied: the key sets
/// must be equal, every shape equal, and every dtype equal or both floating point (then the value is converted).</summary>
internal static class StateDictCheck
{
    /// <summary>Throws <see cref="CheckpointException"/> for the first problem (model keys in the model's order, then
    /// unexpected file keys in ordinal order), mentioning how many more there are.</summary>
    public static void Require(string path, IReadOnlyDictionary<string, TensorEntry> file,
        IEnumerable<KeyValuePair<string, TensorEntry>> model)
    {
        var problems = new List<(string Key, string Message)>();
        var modelKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, expected) in model)
        {
            modelKeys.Add(key);
            if (!file.TryGetValue(key, out var found))
                problems.Add((key, $"{path}: key '{key}' ({expected.ShapeText}, {Name(expected.DType)}) is in the model but not in the file"));
            else if (!found.SameShape(expected))
                problems.Add((key, $"{path}: key '{key}' has shape {found.ShapeText} in the file but {expected.ShapeText} in the model"));
            else if (!Convertible(found.DType, expected.DType))
                problems.Add((key,
                    $"{path}: key '{key}' has dtype {Name(found.DType)} in the file but {Name(expected.DType)} in the model (only floating-point tensors are converted)"));
        }
        foreach (var key in file.Keys.Where(k => !modelKeys.Contains(k)).Order(StringComparer.Ordinal))
            problems.Add((key, $"{path}: key '{key}' ({file[key].ShapeText}, {Name(file[key].DType)}) is in the file but not in the model"));

        if (problems.Count == 0) return;
        var (firstKey, message) = problems[0];
        if (problems.Count > 1) message += $" (and {problems.Count - 1} more mismatched key{(problems.Count == 2 ? "" : "s")})";
        throw new CheckpointException(path, firstKey, message);
    }

    /// <summary>Equal dtypes, or two floating-point dtypes: PyTorch checkpoints are usually float32 while the analysis
    /// may run in float64, and float32 → float64 is exact. Integer and bool tensors (num_batches_tracked) must match.</summary>
    public static bool Convertible(ScalarType from, ScalarType to) => from == to || (IsFloating(from) && IsFloating(to));

    private static bool IsFloating(ScalarType dtype) =>
        dtype is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64;

    /// <summary>PyTorch's spelling of a dtype (float32, int64, …), as a PyTorch user reads it.</summary>
    public static string Name(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 => "float64",
        ScalarType.Float32 => "float32",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Int64 => "int64",
        ScalarType.Int32 => "int32",
        ScalarType.Int16 => "int16",
        ScalarType.Int8 => "int8",
        ScalarType.Byte => "uint8",
        ScalarType.Bool => "bool",
        _ => dtype.ToString().ToLowerInvariant(),
    };
}
