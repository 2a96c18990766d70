using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Estimators;

/// <summary>The Lanczos algorithm on any <see cref="ILinearOperator"/> (Lanczos 1950; Paige 1971;
/// Golub &amp; Van Loan, Matrix Computations, 4th ed., §10.1).</summary>
public static class Lanczos
{
    /// <summary>Runs m = <see cref="LanczosOptions.Steps"/> steps from the start vector <paramref name="start"/>
    /// (normalised here; not modified). <paramref name="generator"/> is needed only to continue after a breakdown.</summary>
    public static LanczosResult Run(ILinearOperator a, Tensor start, LanczosOptions options, Generator? generator = null)
    {
        Validate(a, options);
        ArgumentNullException.ThrowIfNull(start);
        if (start.dim() != 1 || start.shape[0] != a.Size)
            throw new ArgumentException($"start vector must have shape [{a.Size}]; got [{string.Join(", ", start.shape)}]", nameof(start));
        if (!LinearOperator.IsFloatingPoint(start.dtype))
            throw new ArgumentException($"start vector must be floating point; got {start.dtype}", nameof(start));
        using var session = ProductSession.Begin(a);   // the network graphs are built once for all the products below
        using var process = new LanczosProcess(a, start, options, generator);
        process.Extend(options.Steps);
        return Snapshot(process, a.Size, options.Reorthogonalization);
    }

    /// <summary>Runs from a Gaussian random start vector drawn from <paramref name="generator"/>.</summary>
    public static LanczosResult Run(ILinearOperator a, LanczosOptions options, Generator generator)
    {
        Validate(a, options);
        ArgumentNullException.ThrowIfNull(generator);
        using var start = randn(a.Size, dtype: ScalarType.Float64, generator: generator);
        return Run(a, start, options, generator);
    }

    internal static LanczosResult Snapshot(LanczosProcess process, long size, Reorthogonalization mode, bool copyBasis = true) =>
        new(size, process.Alpha, process.Beta, process.Breakdowns, mode, mode == Reorthogonalization.Full ? process.Steps : process.Reorthogonalizations,
            process.NormEstimate, copyBasis ? process.CopyBasis() : null);

    internal static void Validate(ILinearOperator a, LanczosOptions options)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Steps < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"Lanczos needs at least 1 step; got {options.Steps}");
        if (options.Steps > a.Size)
            throw new ArgumentOutOfRangeException(nameof(options), $"Lanczos steps ({options.Steps}) cannot exceed the operator size ({a.Size})");
        if (options.MaxStoredVectors is int s)
        {
            if (options.Reorthogonalization != Reorthogonalization.Selective)
                throw new ArgumentException($"MaxStoredVectors bounds selective reorthogonalization; this run uses {options.Reorthogonalization}", nameof(options));
            if (s < 2)
                throw new ArgumentOutOfRangeException(nameof(options), $"MaxStoredVectors must be at least 2 (q_(j-1) and q_j); got {s}");
            if (options.KeepBasis || options.ContinueAfterBreakdown)
                throw new ArgumentException("a bounded window cannot keep the whole basis or continue after a breakdown (both need every vector)", nameof(options));
        }
        if (options.Reorthogonalization == Reorthogonalization.Selective && options.Basis?.Precision == BasisPrecision.Float32)
            throw new ArgumentException("selective reorthogonalization needs float64 basis rows: it keeps |q_iᵀq_j| below √ε ≈ 1.5e-8, "
                                        + "finer than float32 rows can hold (6e-8); use full reorthogonalization with a float32 basis", nameof(options));
        if (options.Basis?.Directory is { } directory && !Directory.Exists(directory))
            throw new ArgumentException($"the basis directory {directory} does not exist", nameof(options));
    }
}
