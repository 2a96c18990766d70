using Curvature.Data;
using Curvature.Theory;

namespace Curvature.Verification.Theory;

/// <summary>
/// The Marchenko–Pastur law at N = 2000, where finite-size effects are an order of magnitude smaller than in the
/// fast suite: the same justified tolerances (Tracy–Widom edge scale, rigidity-based Kolmogorov bound) shrink
/// with N, so agreement here is a sharper test of the formulas. About 10–30 s on two cores.
/// </summary>
public class MarchenkoPasturLargeTests
{
    /// <summary>Six Tracy–Widom scales (σ ∝ N^{−2/3}): ≥ 3.8 s.d. of TW₁ from its mean on either side.</summary>
    const double EdgeSigmas = 6.0;

    [Theory]
    [InlineData(2000, 4000, 1.7, 1UL)] // α = 2
    [InlineData(2000, 1000, 0.6, 2UL)] // α = 0.5: Gram path, 1000 exact zeros
    public void EdgesZeroMassAndDensity_AgreeAtLargeN(int n, int p, double v, ulong seed)
    {
        using var sample = SyntheticGaussian.Draw(new SyntheticGaussianConfig(n, p, 0.0, v, 0.0, seed));
        var spectrum = ExactSpectrum.Compute(sample.Inputs);
        double alpha = (double)p / n;

        double upper = MarchenkoPastur.UpperEdge(alpha, v), lower = MarchenkoPastur.LowerEdge(alpha, v);
        double sUp = MarchenkoPasturFit.UpperEdgeScale(n, p, v), sLow = MarchenkoPasturFit.LowerEdgeScale(n, p, v);
        Assert.InRange(spectrum.LambdaMax, upper - EdgeSigmas * sUp, upper + EdgeSigmas * sUp);
        Assert.InRange(spectrum.LambdaMinNonzero, lower - EdgeSigmas * sLow, lower + EdgeSigmas * sLow);
        Assert.True(EdgeSigmas * sUp < 0.03 * upper); // a window of a few per cent: the edges are pinned down

        Assert.Equal(Math.Max(0, n - p), spectrum.ZeroEigenvalues);

        // Rigidity (Pillai & Yin 2014): Kolmogorov distance O(N^{−1+ε}); ln(N)/N = 0.0038 at N = 2000.
        double distance = MarchenkoPasturFit.KolmogorovDistance(spectrum.Eigenvalues, alpha, v, spectrum.ZeroThreshold);
        Assert.True(distance <= Math.Log(n) / n, $"Kolmogorov distance {distance:G4} > ln N / N");
        double wrong = MarchenkoPasturFit.KolmogorovDistance(spectrum.Eigenvalues, alpha, 1.03 * v, spectrum.ZeroThreshold);
        Assert.True(wrong > Math.Log(n) / n, $"a 3 % wrong variance should be detected: {wrong:G4}");
    }
}

/// <summary>The mean outlier at larger N, statistically (see the fast suite for the reasoning).</summary>
public class MeanOutlierLargeTests
{
    /// <summary>Mean of 12 draws within 4 standard errors (from the draws) plus a 1/p relative finite-size
    /// allowance of the finite-p prediction; the asymptotic N m² + v must be distinguishable from it.</summary>
    [Fact]
    public void TopEigenvalue_FollowsTheFiniteSampleOutlierFormula()
    {
        int n = 1000, p = 3000, draws = 12;
        double m = 0.06, v = 1.0; // N m² = 3.6, threshold v√(N/p) = 0.58
        var tops = new double[draws];
        for (int d = 0; d < draws; d++)
        {
            using var sample = SyntheticGaussian.Draw(new SyntheticGaussianConfig(n, p, m, v, 0.0, 500 + (ulong)d));
            tops[d] = ExactSpectrum.Compute(sample.Inputs).LambdaMax;
        }
        double mean = tops.Average();
        double se = Math.Sqrt(tops.Sum(t => (t - mean) * (t - mean)) / (draws - 1) / draws);
        double predicted = MarchenkoPastur.OutlierFiniteSamples(n, p, m, v)!.Value;
        double allowance = 4 * se + predicted / p;
        Assert.True(Math.Abs(mean - predicted) <= allowance, $"mean {mean:G6} vs finite-p {predicted:G6} ± {allowance:G3}");
        Assert.True(Math.Abs(mean - MarchenkoPastur.Outlier(n, m, v)!.Value) > allowance);
    }
}
