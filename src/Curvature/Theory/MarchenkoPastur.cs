namespace Curvature.Theory;

/// <summary>
/// The Marchenko–Pastur law for R = (1/p) XᵀX when the p rows of X have N i.i.d. components of variance v,
/// in the limit p, N → ∞ with α = p/N fixed (Marchenko &amp; Pastur 1967), written in the linear-neuron
/// notation of LeCun, Kanter &amp; Solla 1991 and Efficient BackProp 1998 (§5), plus the isolated eigenvalue
/// that a non-zero input mean m adds (Baik, Ben Arous &amp; Péché 2005; for the additive mean, i.e.
/// "signal plus noise", model: Benaych-Georges &amp; Nadakuditi 2012, which gives the same formula).
/// All functions are closed forms; they validate their arguments and never return NaN.
/// </summary>
public static class MarchenkoPastur
{
    /// <summary>Lower bulk edge λ₋ = v (1 − 1/√α)² (equal to the background text's [(1 − √α)²/α]·v).</summary>
    public static double LowerEdge(double alpha, double variance)
    {
        Check(alpha, variance);
        double d = 1 - 1 / Math.Sqrt(alpha);
        return variance * d * d;
    }

    /// <summary>Upper bulk edge λ₊ = v (1 + 1/√α)² (equal to [(1 + √α)²/α]·v).</summary>
    public static double UpperEdge(double alpha, double variance)
    {
        Check(alpha, variance);
        double d = 1 + 1 / Math.Sqrt(alpha);
        return variance * d * d;
    }

    /// <summary>
    /// Bulk density ρ(λ) = α / (2π v λ) · √((λ₊ − λ)(λ − λ₋)) for λ₋ &lt; λ &lt; λ₊, and 0 outside (the point
    /// mass at 0 for α &lt; 1 is <see cref="ZeroMass"/>, not part of ρ). ρ integrates to min(1, α) over the bulk,
    /// so bulk plus zero mass is 1 (Marchenko &amp; Pastur 1967; LeCun, Kanter &amp; Solla 1991, eq. for ρ(λ)).
    /// At α = 1 the lower edge is 0 and ρ has an integrable 1/√λ singularity there.
    /// </summary>
    public static double Density(double lambda, double alpha, double variance)
    {
        double lo = LowerEdge(alpha, variance), hi = UpperEdge(alpha, variance);
        if (double.IsNaN(lambda)) throw new ArgumentException("λ must be a number, got NaN", nameof(lambda));
        if (lambda <= lo || lambda >= hi || lambda <= 0) return 0.0;
        return alpha / (2 * Math.PI * variance * lambda) * Math.Sqrt((hi - lambda) * (lambda - lo));
    }

    /// <summary>Mass of the bulk, min(1, α): the integral of <see cref="Density"/> over [λ₋, λ₊].</summary>
    public static double BulkMass(double alpha)
    {
        CheckAlpha(alpha);
        return Math.Min(1.0, alpha);
    }

    /// <summary>Fraction of exactly-zero eigenvalues, max(0, 1 − α): for p &lt; N, R has rank p, so N − p of its
    /// N eigenvalues vanish (Efficient BackProp 1998, §5.2).</summary>
    public static double ZeroMass(double alpha)
    {
        CheckAlpha(alpha);
        return Math.Max(0.0, 1.0 - alpha);
    }

    /// <summary>
    /// Cumulative distribution F(λ) = P(eigenvalue ≤ λ) of the limit law, zero mass included: 0 for λ &lt; 0,
    /// max(0, 1 − α) + ∫ρ on [0, λ] otherwise. The integral is closed form: with A = (λ₊ + λ₋)/2,
    /// B = (λ₊ − λ₋)/2 and λ = A − B cos θ, ρ dλ = α/(2π v) · B² sin²θ / (A − B cos θ) dθ, whose primitive is
    /// α/(2π v) · [Aθ + B sin θ − 2√(λ₊λ₋) · atan(√(λ₊/λ₋) · tan(θ/2))] (our integration; at θ = π it gives
    /// min(1, α), the bulk mass). Used to compare the law with an empirical spectrum (Kolmogorov distance).
    /// </summary>
    public static double CumulativeDistribution(double lambda, double alpha, double variance)
    {
        double lo = LowerEdge(alpha, variance), hi = UpperEdge(alpha, variance);
        if (double.IsNaN(lambda)) throw new ArgumentException("λ must be a number, got NaN", nameof(lambda));
        if (lambda < 0) return 0.0;
        double zero = ZeroMass(alpha);
        if (lambda <= lo) return zero;
        if (lambda >= hi) return 1.0;
        double a = (hi + lo) / 2, b = (hi - lo) / 2;
        double theta = Math.Acos(Math.Clamp((a - lambda) / b, -1.0, 1.0));
        // atan(√(λ₊/λ₋)·tan(θ/2)) as atan2, which stays finite at λ₋ = 0 (α = 1) and at θ = π.
        double arc = Math.Atan2(Math.Sqrt(hi) * Math.Sin(theta / 2), Math.Sqrt(lo) * Math.Cos(theta / 2));
        double bulk = alpha / (2 * Math.PI * variance) * (a * theta + b * Math.Sin(theta) - 2 * Math.Sqrt(hi * lo) * arc);
        return Math.Clamp(zero + bulk, zero, 1.0);
    }

    /// <summary>
    /// Isolated eigenvalue for inputs of non-zero mean m, as p → ∞: λ_N = N m² + v, along the direction
    /// (1, …, 1)/√N (LeCun, Kanter &amp; Solla 1991; Efficient BackProp 1998, §5.2: R → v I + m² 11ᵀ).
    /// Returns null when m = 0 (no outlier).
    /// </summary>
    public static double? Outlier(int inputs, double mean, double variance)
    {
        CheckInputs(inputs, mean, variance);
        if (mean == 0) return null;
        return inputs * mean * mean + variance;
    }

    /// <summary>
    /// Isolated eigenvalue at finite α = p/N: (N m² + v)(1 + v / (p m²)), which separates from the bulk only
    /// above the threshold N m² &gt; v √(N/p) (the BBP phase transition: Baik, Ben Arous &amp; Péché 2005, Thm. 1.1,
    /// spike ℓ = N m² + v over noise v with ratio N/p; Benaych-Georges &amp; Nadakuditi 2012, §3.1, for the
    /// additive-mean model, same formula). At the threshold it equals λ₊. Returns null below the threshold
    /// (the outlier is absent: the top eigenvalue sticks to λ₊) and for m = 0.
    /// </summary>
    public static double? OutlierFiniteSamples(int inputs, int samples, double mean, double variance)
    {
        CheckInputs(inputs, mean, variance);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        if (mean == 0) return null;
        double signal = inputs * mean * mean;
        if (!(signal > variance * Math.Sqrt((double)inputs / samples))) return null;
        return (signal + variance) * (1 + variance / (samples * mean * mean));
    }

    /// <summary>The BBP threshold on N m²: v √(N/p). Below it no eigenvalue separates from the bulk.</summary>
    public static double OutlierThreshold(int inputs, int samples, double variance)
    {
        CheckInputs(inputs, 0.0, variance);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        return variance * Math.Sqrt((double)inputs / samples);
    }

    static void CheckAlpha(double alpha)
    {
        if (!(alpha > 0) || double.IsInfinity(alpha))
            throw new ArgumentException($"α = p/N must be a positive finite number; got {alpha}", nameof(alpha));
    }

    static void Check(double alpha, double variance)
    {
        CheckAlpha(alpha);
        if (!(variance > 0) || double.IsInfinity(variance))
            throw new ArgumentException($"variance v must be a positive finite number; got {variance}", nameof(variance));
    }

    static void CheckInputs(int inputs, double mean, double variance)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        if (!double.IsFinite(mean))
            throw new ArgumentException($"mean m must be finite; got {mean}", nameof(mean));
        if (!(variance > 0) || double.IsInfinity(variance))
            throw new ArgumentException($"variance v must be a positive finite number; got {variance}", nameof(variance));
    }
}
