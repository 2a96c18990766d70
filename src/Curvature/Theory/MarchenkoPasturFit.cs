namespace Curvature.Theory;

/// <summary>
/// How far a measured spectrum is from the Marchenko–Pastur law, and how far it may be at finite size:
/// the Kolmogorov distance of the empirical spectral distribution, and the Tracy–Widom scales of the
/// extreme eigenvalues' fluctuations around the bulk edges.
/// </summary>
public static class MarchenkoPasturFit
{
    /// <summary>
    /// Kolmogorov distance sup_λ |F_emp(λ) − F_MP(λ)| between the empirical distribution of
    /// <paramref name="eigenvalues"/> (each weighing 1/N; values with |λ| ≤ <paramref name="zeroThreshold"/>
    /// count as exact zeros) and <see cref="MarchenkoPastur.CumulativeDistribution"/>. The supremum is taken at
    /// the jumps of F_emp, from both sides (F_MP is continuous except for its atom at 0).
    /// At finite N eigenvalue rigidity (Pillai &amp; Yin 2014, Thm. 3.3: |λ_i − γ_i| ≤ N^{−2/3+ε} min(i, N − i)^{−1/3})
    /// makes this O(N^{−1+ε}) with high probability.
    /// </summary>
    public static double KolmogorovDistance(IReadOnlyList<double> eigenvalues, double alpha, double variance, double zeroThreshold = 0)
    {
        ArgumentNullException.ThrowIfNull(eigenvalues);
        if (eigenvalues.Count == 0) throw new ArgumentException("no eigenvalues given", nameof(eigenvalues));
        if (!(zeroThreshold >= 0)) throw new ArgumentException($"the zero threshold must be non-negative; got {zeroThreshold}", nameof(zeroThreshold));
        _ = MarchenkoPastur.UpperEdge(alpha, variance); // validates α and v
        var sorted = eigenvalues.Select(l => double.IsFinite(l)
                ? (Math.Abs(l) <= zeroThreshold ? 0.0 : l)
                : throw new ArgumentException($"eigenvalue {l} is not finite", nameof(eigenvalues)))
            .Order().ToArray();
        int n = sorted.Length;
        double distance = 0;
        for (int i = 0; i < n;)
        {
            int j = i;
            while (j < n && sorted[j] == sorted[i]) j++;
            double value = sorted[i];
            double f = MarchenkoPastur.CumulativeDistribution(value, alpha, variance);
            double fLeft = value == 0 ? 0.0 : f; // left limit: just below 0 the atom is not yet counted
            distance = Math.Max(distance, Math.Max(Math.Abs(f - (double)j / n), Math.Abs(fLeft - (double)i / n)));
            i = j;
        }
        return distance;
    }

    /// <summary>
    /// Tracy–Widom scale of λmax around λ₊ for R = (1/p)XᵀX with Gaussian inputs: (λmax − λ₊)/σ₊ → TW₁ (mean
    /// −1.21, s.d. 1.27), with σ₊ = v (√p + √N)(1/√p + 1/√N)^{1/3} / p (Johnstone 2001, Thm. 1.1, to leading
    /// order — his n − 1 for p shifts the centre by O(1/N), far below σ₊ ∝ N^{−2/3}). Symmetric in p and N,
    /// so it holds on both sides of α = 1.
    /// </summary>
    public static double UpperEdgeScale(int inputs, int samples, double variance)
    {
        Check(inputs, samples, variance);
        double sp = Math.Sqrt(samples), sn = Math.Sqrt(inputs);
        return variance * (sp + sn) * Math.Cbrt(1 / sp + 1 / sn) / samples;
    }

    /// <summary>
    /// Tracy–Widom scale of the smallest non-zero eigenvalue around λ₋ (soft edge, α ≠ 1): (λ₋ − λmin)/σ₋ → TW₁,
    /// σ₋ = v (√M − √m)(1/√m − 1/√M)^{1/3} / p with M = max(p, N), m = min(p, N) (Feldheim &amp; Sodin 2010;
    /// Ma 2012, Thm. 1, to leading order). Zero at α = 1, where the edge is hard and fluctuations are O(N⁻²).
    /// </summary>
    public static double LowerEdgeScale(int inputs, int samples, double variance)
    {
        Check(inputs, samples, variance);
        double big = Math.Sqrt(Math.Max(inputs, samples)), small = Math.Sqrt(Math.Min(inputs, samples));
        return variance * (big - small) * Math.Cbrt(1 / small - 1 / big) / samples;
    }

    static void Check(int inputs, int samples, double variance)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        if (!(variance > 0) || double.IsInfinity(variance))
            throw new ArgumentException($"variance v must be a positive finite number; got {variance}", nameof(variance));
    }
}
