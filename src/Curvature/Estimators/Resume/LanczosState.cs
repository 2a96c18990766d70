namespace Curvature.Estimators;

/// <summary>
/// Everything the Lanczos recurrence reads at its next step, as plain data: T so far (α, β, breakdowns), the vectors
/// (the whole basis when it is stored, else the last two), the reorthogonalization state (Simon's ω-recurrence rows and
/// the "reorthogonalize the next step too" flag), the norm estimate and the stop flag. Restoring it continues the
/// recurrence bit for bit.
/// </summary>
/// <param name="Size">n.</param>
/// <param name="Reorthogonalization">The mode of the run.</param>
/// <param name="StoresBasis">Whether the basis is stored (Full, Selective, or KeepBasis).</param>
/// <param name="Alpha">α_1..α_m.</param>
/// <param name="Beta">β_1..β_m (0 after a breakdown).</param>
/// <param name="Breakdowns">Steps after which β was numerically zero.</param>
/// <param name="NormEstimate">Running Gershgorin bound of ‖A‖₂.</param>
/// <param name="Reorthogonalizations">Steps reorthogonalized by the Selective rule.</param>
/// <param name="Stopped">Whether the recurrence has ended.</param>
/// <param name="OmegaPrevious">ω row j−1 of Simon's recurrence (Selective).</param>
/// <param name="OmegaCurrent">ω row j of Simon's recurrence (Selective).</param>
/// <param name="ReorthogonalizeNext">Simon's rule: the step after a triggered reorthogonalization is reorthogonalized too.</param>
/// <param name="Capacity">Rows allocated for the basis (kept so a restored run has the same tensor layout).</param>
/// <param name="VectorRows">Rows in <paramref name="Vectors"/>: q_0..q_m when the basis is stored, else q_{m−1}, q_m (or q_0).</param>
/// <param name="Vectors">The vectors, row-major float64 [VectorRows, n]: the stored basis rows by slot (a bounded window
/// keeps step k in slot k mod s; float32 rows are saved widened, exactly), else q_{m−1}, q_m.</param>
public sealed record LanczosState(
    long Size, Reorthogonalization Reorthogonalization, bool StoresBasis,
    double[] Alpha, double[] Beta, int[] Breakdowns, double NormEstimate, int Reorthogonalizations, bool Stopped,
    double[] OmegaPrevious, double[] OmegaCurrent, bool ReorthogonalizeNext,
    int Capacity, int VectorRows, double[] Vectors)
{
    /// <summary>Precision of the stored basis rows (absent in states saved before it existed: float64). Where the rows
    /// lived (memory or disk) is not part of the state: it does not change a single bit of the recurrence, so a run may
    /// resume in the other place.</summary>
    public BasisPrecision Precision { get; init; } = BasisPrecision.Float64;

    /// <summary>The bound s of a bounded window (<see cref="LanczosOptions.MaxStoredVectors"/>), null when unbounded.</summary>
    public int? MaxStoredVectors { get; init; }

    /// <summary>q_{m−1}, q_m (or q_0) in float64, row-major, when the stored rows are float32 and so cannot give them back
    /// exactly; null otherwise.</summary>
    public double[]? Recent { get; init; }

    /// <summary>Checks the state against the run that restores it and for internal consistency, so a wrong or damaged
    /// state is an <see cref="ArgumentException"/>, never a native error.</summary>
    internal void Validate(long n, Reorthogonalization mode, bool storesBasis, BasisPrecision precision, int? maxStoredVectors)
    {
        void Require(bool ok, string what)
        {
            if (!ok) throw new ArgumentException($"the saved Lanczos state does not fit this run: {what}");
        }
        Require(Size == n, $"it is for an operator of size {Size}, this one has size {n}");
        Require(Reorthogonalization == mode, $"it used {Reorthogonalization} reorthogonalization, this run uses {mode}");
        Require(StoresBasis == storesBasis, StoresBasis ? "it stored the basis, this run does not" : "it did not store the basis, this run does");
        if (storesBasis)
        {
            Require(Precision == precision, $"its basis was stored in {Precision}, this run stores it in {precision}");
            Require(MaxStoredVectors == maxStoredVectors, $"it kept {Window(MaxStoredVectors)}, this run keeps {Window(maxStoredVectors)}");
        }
        Require(Alpha is not null && Beta is not null && Breakdowns is not null && OmegaPrevious is not null && OmegaCurrent is not null && Vectors is not null,
                "a field is missing");
        Require(Beta!.Length == Alpha!.Length && Alpha.Length <= n, $"{Alpha.Length} α's and {Beta.Length} β's for n = {n}");
        Require(Alpha.All(double.IsFinite) && Beta.All(double.IsFinite) && double.IsFinite(NormEstimate), "a non-finite entry of T");
        Require(VectorRows >= 1 && (long)VectorRows * n == Vectors!.LongLength, $"{Vectors!.LongLength} vector entries for {VectorRows} rows of {n}");
        if (StoresBasis)
            Require(Capacity >= VectorRows && Capacity <= n + 1 && Capacity <= (MaxStoredVectors ?? int.MaxValue)
                    && VectorRows == Math.Min(Capacity, Alpha.Length + 1),
                    $"capacity {Capacity} with {VectorRows} stored rows after {Alpha.Length} steps");
        else
            Require(VectorRows <= 2, $"{VectorRows} vectors without a stored basis");
        bool needsRecent = StoresBasis && Precision == BasisPrecision.Float32;
        Require(needsRecent == Recent is not null, needsRecent ? "the float64 recurrence vectors of a float32 basis are missing" : "unexpected recurrence vectors");
        if (Recent is not null)
            Require(Recent.LongLength == Math.Min(2, Alpha.Length + 1) * n, $"{Recent.LongLength} recurrence vector entries after {Alpha.Length} steps of size {n}");
    }

    static string Window(int? s) => s is null ? "the whole basis" : $"a window of {s} vectors";
}
