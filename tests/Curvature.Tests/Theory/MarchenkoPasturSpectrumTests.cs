using Curvature.Data;
using Curvature.Operators;
using Curvature.Theory;

namespace Curvature.Tests.Theory;

/// <summary>
/// The Marchenko–Pastur predictions against exact float64 spectra of synthetic Gaussian inputs. Finite-N
/// effects are real, so every tolerance below comes from the known size of the fluctuations, not from a seed.
/// </summary>
public class MarchenkoPasturSpectrumTests
{
    /// <summary>
    /// Extreme eigenvalues fluctuate around the bulk edges on the Tracy–Widom scale σ ∝ N^{−2/3}
    /// (<see cref="MarchenkoPasturFit.UpperEdgeScale"/>, <see cref="MarchenkoPasturFit.LowerEdgeScale"/>), with a
    /// TW₁ law of mean −1.21 and s.d. 1.27. Six σ is ≥ 3.8 s.d. from the TW₁ mean on either side (tail mass
    /// ≲ 1e-4), and the O(1/N) finite-size shifts of the centre are far smaller than σ. Over 40 seeds at these
    /// sizes we saw |z| ≤ 4.7.
    /// </summary>
    const double EdgeSigmas = 6.0;

    /// <summary>
    /// Eigenvalue rigidity (Pillai &amp; Yin 2014) bounds the Kolmogorov distance between the empirical spectral
    /// distribution and the MP law by N^{−1+ε} with high probability; we take N^ε = ln N, i.e. ln(N)/N
    /// (0.019 at N = 300). Over 40 seeds per case the largest distance seen was 0.77·ln(N)/N, while a 10 % wrong
    /// variance gives ≥ 1.2·ln(N)/N — so the test has power.
    /// </summary>
    static double KolmogorovTolerance(int n) => Math.Log(n) / n;

    static SyntheticSample Draw(int n, int p, double mean, double v, ulong seed) =>
        SyntheticGaussian.Draw(new SyntheticGaussianConfig(n, p, mean, v, 0.1, seed));

    [Theory]
    [InlineData(300, 1200, 2.5, 11UL)] // α = 4: full rank
    [InlineData(400, 200, 0.7, 12UL)]  // α = 0.5: N − p zeros
    public void BulkEdges_MatchExtremeEigenvalues_WithinTracyWidomFluctuations(int n, int p, double v, ulong seed)
    {
        using var sample = Draw(n, p, 0.0, v, seed);
        var spectrum = ExactSpectrum.Compute(sample.Inputs);
        double alpha = (double)p / n;
        double upper = MarchenkoPastur.UpperEdge(alpha, v), lower = MarchenkoPastur.LowerEdge(alpha, v);
        double sUp = MarchenkoPasturFit.UpperEdgeScale(n, p, v), sLow = MarchenkoPasturFit.LowerEdgeScale(n, p, v);
        Assert.InRange(spectrum.LambdaMax, upper - EdgeSigmas * sUp, upper + EdgeSigmas * sUp);
        Assert.InRange(spectrum.LambdaMinNonzero, lower - EdgeSigmas * sLow, lower + EdgeSigmas * sLow);
        // The windows are narrow against the edges themselves (≤ 10 % and ≤ 30 %), so the check is not vacuous:
        // e.g. swapping α and 1/α moves both edges by far more.
        Assert.True(EdgeSigmas * sUp < 0.1 * upper && EdgeSigmas * sLow < 0.3 * lower);
    }

    [Fact]
    public void ZeroMass_IsExactlyNMinusP_InBothTheGramAndTheFullPath()
    {
        int n = 250, p = 100;
        using var sample = Draw(n, p, 0.3, 1.0, 13);
        var gram = ExactSpectrum.Compute(sample.Inputs); // p×p Gram matrix plus N − p exact zeros
        using var op = new CovarianceOperator(sample.Inputs);
        var full = ExactSpectrum.OfOperator(op);           // N×N matrix: zeros come out as round-off
        Assert.Equal(n - p, gram.ZeroEigenvalues);
        Assert.Equal(n - p, full.ZeroEigenvalues);
        Assert.Equal(MarchenkoPastur.ZeroMass((double)p / n), (double)gram.ZeroEigenvalues / n, 12);
        // The non-zero eigenvalues of XᵀX/p and XXᵀ/p agree to float64 round-off of an N×N eigensolver.
        for (int i = 0; i < p; i++)
            Assert.Equal(full.Eigenvalues[i], gram.Eigenvalues[i], 1e-10 * gram.LambdaMax);
        // Round-off zeros of the full path sit many decades below the threshold that counts them.
        Assert.True(full.Eigenvalues.Skip(p).Max(Math.Abs) < 1e-3 * full.ZeroThreshold);
    }

    [Theory]
    [InlineData(300, 1200, 2.5, 21UL)]
    [InlineData(300, 300, 1.0, 22UL)]
    [InlineData(400, 200, 0.7, 23UL)]
    public void Density_MatchesTheEmpiricalSpectrum_InKolmogorovDistance(int n, int p, double v, ulong seed)
    {
        using var sample = Draw(n, p, 0.0, v, seed);
        var spectrum = ExactSpectrum.Compute(sample.Inputs);
        double alpha = (double)p / n;
        double distance = MarchenkoPasturFit.KolmogorovDistance(spectrum.Eigenvalues, alpha, v, spectrum.ZeroThreshold);
        Assert.True(distance <= KolmogorovTolerance(n), $"Kolmogorov distance {distance:G4} > ln N / N = {KolmogorovTolerance(n):G4}");
        double wrong = MarchenkoPasturFit.KolmogorovDistance(spectrum.Eigenvalues, alpha, 1.1 * v, spectrum.ZeroThreshold);
        Assert.True(wrong > KolmogorovTolerance(n), $"a 10 % wrong variance should fail: distance {wrong:G4}");
    }

    /// <summary>
    /// The top eigenvalue at m ≠ 0 is a sum over p samples, so it fluctuates by O(1/√p) (Baik, Ben Arous &amp;
    /// Péché 2005, Thm. 1.1(b): Gaussian fluctuations above the threshold). We test statistically: the mean of
    /// 16 independent draws lies within 4 standard errors (estimated from the draws) of the finite-p prediction,
    /// plus an O(1/p) allowance for finite-size bias (1/p relative). At N m² = 3 the asymptotic N m² + v is
    /// off by v/(p m²) ≈ 8 %, which is ≫ 4 standard errors (≈ 2.5 %), so the finite-p correction is visible.
    /// </summary>
    [Fact]
    public void Outlier_MatchesTheFiniteSampleFormula_Statistically()
    {
        int n = 300, p = 1200, draws = 16;
        double m = 0.1, v = 1.0;
        var tops = new double[draws];
        for (int d = 0; d < draws; d++)
        {
            using var sample = Draw(n, p, m, v, 100 + (ulong)d);
            tops[d] = ExactSpectrum.Compute(sample.Inputs).LambdaMax;
        }
        double mean = tops.Average();
        double se = Math.Sqrt(tops.Sum(t => (t - mean) * (t - mean)) / (draws - 1) / draws);
        double predicted = MarchenkoPastur.OutlierFiniteSamples(n, p, m, v)!.Value;
        double allowance = 4 * se + predicted / p;
        Assert.True(Math.Abs(mean - predicted) <= allowance, $"mean top eigenvalue {mean:G6} vs finite-p {predicted:G6} (± {allowance:G3})");
        double asymptotic = MarchenkoPastur.Outlier(n, m, v)!.Value;
        Assert.True(Math.Abs(mean - asymptotic) > allowance, $"asymptotic {asymptotic} should be distinguishable from {mean:G6}");
        // And it is well separated from the bulk, whose edge fluctuates on a far smaller scale.
        Assert.True(predicted - MarchenkoPastur.UpperEdge((double)p / n, v) > 10 * MarchenkoPasturFit.UpperEdgeScale(n, p, v));
    }

    [Fact]
    public void Centring_RemovesTheOutlier_AndTheTopEigenvalueReturnsToTheBulkEdge()
    {
        int n = 300, p = 1200;
        double m = 1.0, v = 1.0;
        using var sample = Draw(n, p, m, v, 31);
        var raw = ExactSpectrum.Compute(sample.Inputs);
        using var centred = InputPreprocessor.Apply(sample.Inputs, Preprocessing.Center);
        var after = ExactSpectrum.Compute(centred);
        double alpha = (double)p / n, sUp = MarchenkoPasturFit.UpperEdgeScale(n, p, v);
        double predicted = MarchenkoPastur.OutlierFiniteSamples(n, p, m, v)!.Value;
        // Raw: an outlier near N m² + v (fluctuation O(√(N m² v / p)) ≈ 0.5 here; 3 % is > 15 of those).
        Assert.Equal(predicted, raw.LambdaMax, 0.03 * predicted);
        Assert.True(raw.Eigenvalues[1] < MarchenkoPastur.UpperEdge(alpha, v) + EdgeSigmas * sUp, "only one eigenvalue leaves the bulk");
        // Centred: the top eigenvalue is back at the MP edge, and κ shrank by about N m² / v.
        Assert.InRange(after.LambdaMax, MarchenkoPastur.UpperEdge(alpha, v) - EdgeSigmas * sUp, MarchenkoPastur.UpperEdge(alpha, v) + EdgeSigmas * sUp);
        Assert.True(raw.ConditionNumber > 50 * after.ConditionNumber);
    }
}
