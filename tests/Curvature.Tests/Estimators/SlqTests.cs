using Curvature.Estimators;
using Curvature.Operators;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Estimators;

public sealed class SlqTests
{
    /// <summary>An estimate is accepted within this many standard errors of the exact value. With a handful of
    /// such checks per test, a correct estimator fails by chance with probability ≲ 1e-3 (Chebyshev would give
    /// 1/16 per check; the per-probe samples here are sums of many terms, close to normal, where 4σ is 6e-5).</summary>
    const double Sigmas = 4.0;

    static readonly double[] Spectrum = PlantedSpectrum.BulkWithOutliers(150, [4.0, 7.0, 12.0], seed: 31)
        .Select((x, i) => i < 3 ? -1.0 - i : x).ToArray();

    static DenseOperator Operator()
    {
        using var m = PlantedSpectrum.Matrix(Spectrum, 32);
        return new DenseOperator(m);
    }

    static void AssertWithin(double exact, SpectralMoment moment, string what)
    {
        double z = Math.Abs(moment.Estimate - exact) / moment.StandardError;
        Assert.True(z <= Sigmas, $"{what}: estimate {moment.Estimate:G6} ± {moment.StandardError:G3}, exact {exact:G6} (z = {z:F2})");
    }

    [Theory]
    [InlineData(ProbeDistribution.Rademacher)]
    [InlineData(ProbeDistribution.Gaussian)]
    public void MomentsAgreeWithTheExactSpectrumWithinTheirStandardErrors(ProbeDistribution distribution)
    {
        using var a = Operator();
        using var gen = new Generator(33);
        var slq = StochasticLanczosQuadrature.Run(a, new SlqOptions(Probes: 40, Steps: 30, Distribution: distribution), gen);
        AssertWithin(Spectrum.Sum(), slq.Trace, "trace");
        AssertWithin(Spectrum.Sum(x => x * x), slq.FrobeniusSquared, "‖A‖²_F");
        AssertWithin(Spectrum.Sum(Math.Abs), slq.Nuclear, "nuclear norm");
        Assert.All(slq.Weights, w => Assert.Equal(1.0, w.Sum(), 12));
    }

    [Fact]
    public void StandardErrorsAreHonestAcrossIndependentRuns()
    {
        // Coverage: the fraction of runs whose trace lies within 2 SE of the exact value is ≈ 95 %. With 60 runs
        // (t-distribution with 9 d.o.f. gives ~92 % at 2 SE), a binomial band of 3σ ≈ 3·√(0.08·0.92/60) ≈ 0.105
        // around 0.92 accepts [0.81, 1.0]; a broken SE (e.g. off by 2×) gives ~50 % or ~100 % and …< 0.81 fails.
        using var a = Operator();
        using var gen = new Generator(34);
        double exact = Spectrum.Sum();
        int runs = 60, covered = 0;
        double sumZ2 = 0;
        for (int r = 0; r < runs; r++)
        {
            var slq = StochasticLanczosQuadrature.Run(a, new SlqOptions(Probes: 10, Steps: 8), gen);
            double z = (slq.Trace.Estimate - exact) / slq.Trace.StandardError;
            if (Math.Abs(z) <= 2) covered++;
            sumZ2 += z * z;
        }
        double coverage = covered / (double)runs;
        Assert.InRange(coverage, 0.81, 1.0);
        // E[z²] for a t-statistic with 9 d.o.f. is 9/7 ≈ 1.29; an overstated SE drives it toward 0.
        Assert.InRange(sumZ2 / runs, 0.6, 2.5);
    }

    [Fact]
    public void DensityAtFixedPointsIsUnbiasedWhenQuadratureIsExact()
    {
        // With m = n the quadrature is exact, so each probe's density value at t is qᵀ g_t(A) q with
        // E = (1/n) Σ g_t(λ_i): the exact smoothed density. Check a few points inside and outside the bulk.
        using var a = Operator();
        using var gen = new Generator(35);
        int n = Spectrum.Length;
        var slq = StochasticLanczosQuadrature.Run(a, new SlqOptions(Probes: 30, Steps: n), gen);
        double sigma = SpectralDensity.Width(DensitySmoothing.PapyanKappa, Spectrum.Min(), Spectrum.Max(), 40, false);
        foreach (double t in new[] { -2.0, 0.1, 0.5, 0.9, 4.0, 12.0 })
        {
            var perProbe = new double[slq.Nodes.Length];
            for (int l = 0; l < perProbe.Length; l++)
                perProbe[l] = slq.Weights[l].Zip(slq.Nodes[l], (w, th) => w * Gaussian(t, th, sigma)).Sum();
            double exact = Spectrum.Average(lambda => Gaussian(t, lambda, sigma));
            AssertWithin(exact, SpectralMoment.FromSamples(perProbe), $"density at {t}");
        }
    }

    [Theory]
    [InlineData(DensitySmoothing.GhorbaniVariance)]
    [InlineData(DensitySmoothing.PapyanKappa)]
    [InlineData(DensitySmoothing.RangeOverSteps)]
    public void SmoothedDensityIsCloseToTheExactSmoothedDensity(DensitySmoothing smoothing)
    {
        // L1 distance between SLQ's density and the exact one smoothed with the same σ, on the same grid.
        // Bound: the L1 error of an average of n_v unbiased probe densities shrinks as 1/√n_v. Measured with 30
        // probes, m = 60, n = 150 over six seeds: 0.075–0.10 (Ghorbani σ), 0.022–0.045 (Papyan), 0.012–0.032
        // (range/m). Wrong densities measured on the same runs: uniform weights instead of τ = s₁² give
        // 0.22–0.49, the exact density at 10× the σ gives 0.44–1.3. 0.15 separates the two groups.
        using var a = Operator();
        using var gen = new Generator(36);
        var slq = StochasticLanczosQuadrature.Run(a, new SlqOptions(Probes: 30, Steps: 60), gen);
        var density = slq.Density(smoothing, points: 2048, range: (-4.0, 14.0));
        double l1 = 0;
        for (int g = 1; g < density.Grid.Length; g++)
        {
            double t = density.Grid[g], dt = t - density.Grid[g - 1];
            double exact = Spectrum.Average(lambda => Gaussian(t, lambda, density.Sigma));
            l1 += Math.Abs(density.Values[g] - exact) * dt;
        }
        Assert.True(l1 < 0.15, $"L1 distance {l1:G3} with σ = {density.Sigma:G3}");
        Assert.Equal(1.0, density.Integral(), 2);
    }

    [Fact]
    public void LogScaleDensityIsADensityOfLogAbsoluteEigenvalues()
    {
        using var a = Operator();
        using var gen = new Generator(37);
        var slq = StochasticLanczosQuadrature.Run(a, new SlqOptions(Probes: 10, Steps: 40), gen);
        var log = slq.Density(DensitySmoothing.PapyanKappa, logScale: true);
        Assert.True(log.LogScale);
        Assert.Equal(1.0, log.Integral(), 2);
        Assert.True(log.Grid[^1] > Math.Log(12.0) && log.Grid[0] < Math.Log(0.01));
    }

    [Fact]
    public void RejectsBadOptionsAndLeavesNoLiveTensors()
    {
        using var a = Operator();
        using var gen = new Generator(38);
        Assert.Throws<ArgumentOutOfRangeException>(() => StochasticLanczosQuadrature.Run(a, new SlqOptions(Probes: 0), gen));
        Assert.Throws<ArgumentOutOfRangeException>(() => StochasticLanczosQuadrature.Run(a, new SlqOptions(Steps: 0), gen));
        Assert.Throws<ArgumentOutOfRangeException>(() => StochasticLanczosQuadrature.Run(a, new SlqOptions(Steps: 151), gen));
        Assert.Equal(0, LiveTensors.LeakedBy(() => StochasticLanczosQuadrature.Run(a, new SlqOptions(Probes: 3, Steps: 10), gen)));
    }

    static double Gaussian(double t, double mean, double sigma) =>
        Math.Exp(-0.5 * (t - mean) * (t - mean) / (sigma * sigma)) / (sigma * Math.Sqrt(2 * Math.PI));
}
