using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Theory;

/// <summary>Argument checks for sample matrices and targets, done in C# before any native call (a libtorch
/// error aborts the process on Linux), with one-line messages that show the offending shape or value.</summary>
internal static class SampleChecks
{
    /// <summary>Checks X [p, N] (p, N ≥ 1, floating point, CPU, finite) and returns a float64 copy.</summary>
    public static Tensor Samples(Tensor x, string name)
    {
        ArgumentNullException.ThrowIfNull(x, name);
        if (x.IsInvalid) throw new ObjectDisposedException(name, $"{name} was already disposed");
        if (x.dim() != 2)
            throw new ArgumentException($"{name} must be a matrix [p, N] (samples × inputs); got shape [{string.Join(", ", x.shape)}]", name);
        if (x.shape[0] == 0) throw new ArgumentException($"{name} has no samples (p = 0); shape [{string.Join(", ", x.shape)}]", name);
        if (x.shape[1] == 0) throw new ArgumentException($"{name} has no inputs (N = 0); shape [{string.Join(", ", x.shape)}]", name);
        CheckFloatCpu(x, name);
        using var scope = NewDisposeScope();
        var copy = x.detach().to_type(ScalarType.Float64).contiguous().clone();
        if (!copy.isfinite().all().item<bool>())
            throw new ArgumentException($"{name} contains NaN or infinite values", name);
        return copy.MoveToOuterDisposeScope();
    }

    /// <summary>Checks y [p] (or [p, 1]) against p and returns a float64 copy of shape [p].</summary>
    public static Tensor Targets(Tensor y, long samples, string name)
    {
        ArgumentNullException.ThrowIfNull(y, name);
        if (y.IsInvalid) throw new ObjectDisposedException(name, $"{name} was already disposed");
        bool vector = y.dim() == 1 || (y.dim() == 2 && y.shape[1] == 1);
        if (!vector || y.shape[0] != samples)
            throw new ArgumentException($"{name} must have shape [{samples}] (one target per sample); got [{string.Join(", ", y.shape)}]", name);
        CheckFloatCpu(y, name);
        using var scope = NewDisposeScope();
        var copy = y.detach().reshape(samples).to_type(ScalarType.Float64).contiguous().clone();
        if (!copy.isfinite().all().item<bool>())
            throw new ArgumentException($"{name} contains NaN or infinite values", name);
        return copy.MoveToOuterDisposeScope();
    }

    static void CheckFloatCpu(Tensor t, string name)
    {
        if (t.dtype is not (ScalarType.Float64 or ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16))
            throw new ArgumentException($"{name} must be floating point; got {t.dtype}", name);
        if (t.device_type != DeviceType.CPU)
            throw new ArgumentException($"Curvature runs on CPU; {name} is on {t.device}", name);
    }
}
