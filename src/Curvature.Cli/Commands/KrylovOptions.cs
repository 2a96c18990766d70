using Curvature.Estimators;

namespace Curvature.Cli.Commands;

/// <summary><c>--basis</c>, <c>--basis-dir</c>, <c>--reorth</c>, <c>--max-stored-vectors</c>: parsed and checked before any
/// work, each refusal one line (exit 2).</summary>
internal static class KrylovOptions
{
    /// <summary>The storage named by <c>--basis</c>; a disk basis's directory must exist and be writable.</summary>
    public static BasisStorage Storage(string basis, string? directory)
    {
        bool disk = basis.StartsWith("disk", StringComparison.Ordinal);
        if (directory is not null && !disk) throw new UserInputException($"--basis-dir is for --basis disk or disk-float32; got --basis {basis}");
        var precision = basis.EndsWith("float32", StringComparison.Ordinal) ? BasisPrecision.Float32 : BasisPrecision.Float64;
        if (!disk) return new BasisStorage(precision);
        string dir = directory ?? Path.GetTempPath();
        try { BasisStorage.CheckWritable(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"--basis-dir {dir}: the basis file cannot be written there ({e.Message.TrimEnd('.')})");
        }
        return BasisStorage.OnDisk(precision, dir);
    }

    public static Reorthogonalization Reorthogonalization(string reorth) => reorth switch
    {
        "selective" => Estimators.Reorthogonalization.Selective,
        "none" => Estimators.Reorthogonalization.None,
        _ => Estimators.Reorthogonalization.Full,
    };

    public static int? MaxStoredVectors(int? value, Reorthogonalization mode)
    {
        if (value is null) return null;
        if (mode != Estimators.Reorthogonalization.Selective)
            throw new UserInputException($"--max-stored-vectors bounds selective reorthogonalization; add --reorth selective (got --reorth {mode.ToString().ToLowerInvariant()})");
        if (value < 2) throw new UserInputException($"--max-stored-vectors must be at least 2 (the recurrence's last two vectors); got {value}");
        return value;
    }

    /// <summary>The record's <c>krylov</c> entry: what was asked and the bytes per stored entry.</summary>
    public static object Record(string basis, BasisStorage storage, Reorthogonalization mode, int? maxStored) => new
    {
        basis,
        basis_dir = storage.Directory,
        basis_bytes_per_entry = storage.BytesPerEntry,
        top_eigenpairs_reorth = "full",
        slq_reorth = mode.ToString().ToLowerInvariant(),
        max_stored_vectors = maxStored,
    };
}
