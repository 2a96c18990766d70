namespace Curvature.Theory;

/// <summary>
/// Spectrum summary of a positive semi-definite operator such as R = (1/p) XᵀX: plain data, ready for JSON.
/// Filled by <see cref="ExactSpectrum"/> (dense eigendecomposition, all N eigenvalues) or by
/// <see cref="EstimatedSpectrum"/> (Lanczos extremes and SLQ: <see cref="Eigenvalues"/> then holds only what was
/// computed, <see cref="EigenvaluesPartial"/> is true, <see cref="Estimates"/> holds the details and
/// <see cref="Method"/> says so).
/// </summary>
/// <param name="Method">How the eigenvalues were obtained, e.g. "dense eigvalsh (N×N)" or "lanczos k=50".</param>
/// <param name="Size">N, the dimension of the operator.</param>
/// <param name="Eigenvalues">Eigenvalues in descending order (all N for the dense path; as computed, so
/// numerically-zero ones may be ±round-off).</param>
/// <param name="LambdaMax">λmax.</param>
/// <param name="LambdaMinNonzero">Smallest eigenvalue above <see cref="ZeroThreshold"/>.</param>
/// <param name="ZeroEigenvalues">How many eigenvalues are numerically zero (|λ| ≤ <see cref="ZeroThreshold"/>).</param>
/// <param name="ConditionNumber">κ = λmax / λmin(non-zero): the slowest GD time constant at η = 1/λmax
/// (Efficient BackProp 1998, §5.1).</param>
/// <param name="ZeroThreshold"><see cref="Tolerances.ZeroEigenvalueRelative"/> × λmax.</param>
public sealed record CovarianceSpectrum(
    string Method,
    int Size,
    double[] Eigenvalues,
    double LambdaMax,
    double LambdaMinNonzero,
    int ZeroEigenvalues,
    double ConditionNumber,
    double ZeroThreshold)
{
    /// <summary>True when <see cref="Eigenvalues"/> holds only the eigenvalues an estimator computed (the k
    /// largest and k smallest Ritz values, descending) rather than all N; false for the dense path.</summary>
    public bool EigenvaluesPartial { get; init; }

    /// <summary>The estimator path's details (residuals, zero-count basis, SLQ density and trace); null for the
    /// dense path.</summary>
    public SpectrumEstimates? Estimates { get; init; }

    /// <summary>
    /// Builds the summary from eigenvalues (any order; they are sorted descending into a new array). Zero
    /// eigenvalues are those with |λ| ≤ <see cref="Tolerances.ZeroEigenvalueRelative"/>·λmax. When
    /// <paramref name="eigenvalues"/> holds fewer than <paramref name="size"/> values (an estimator's partial
    /// spectrum), the unlisted ones are not counted. Throws when λmax ≤ 0 (R = 0 has no curvature to study)
    /// or when an eigenvalue is below −threshold (the operator is not positive semi-definite).
    /// </summary>
    public static CovarianceSpectrum FromEigenvalues(IReadOnlyList<double> eigenvalues, string method, int? size = null)
    {
        ArgumentNullException.ThrowIfNull(eigenvalues);
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        if (eigenvalues.Count == 0) throw new ArgumentException("no eigenvalues given", nameof(eigenvalues));
        int n = size ?? eigenvalues.Count;
        if (n < eigenvalues.Count)
            throw new ArgumentException($"size {n} is smaller than the {eigenvalues.Count} eigenvalues given", nameof(size));
        var sorted = eigenvalues.ToArray();
        foreach (var value in sorted)
            if (!double.IsFinite(value)) throw new ArgumentException($"eigenvalue {value} is not finite", nameof(eigenvalues));
        Array.Sort(sorted, (a, b) => b.CompareTo(a));
        double max = sorted[0];
        if (!(max > 0))
            throw new ArgumentException($"λmax = {max:G6}: the operator is zero (every input is zero or constant), so it has no curvature to analyse", nameof(eigenvalues));
        double threshold = Tolerances.ZeroEigenvalueRelative * max;
        if (sorted[^1] < -threshold)
            throw new ArgumentException($"the operator is not positive semi-definite: smallest eigenvalue {sorted[^1]:G6} against λmax {max:G6}", nameof(eigenvalues));
        int zeros = sorted.Count(v => Math.Abs(v) <= threshold);
        double minNonzero = sorted.Where(v => v > threshold).Min();
        return new CovarianceSpectrum(method, n, sorted, max, minNonzero, zeros, max / minNonzero, threshold);
    }
}
