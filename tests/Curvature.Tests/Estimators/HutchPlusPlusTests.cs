using Curvature.Estimators;
using Curvature.Operators;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Estimators;

public class HutchPlusPlusTests
{
    /// <summary>Round-off of a float64 QR and products at n ≤ 100: ~n·ε·‖A‖ ≈ 1e-13 relative; 1e-10 leaves three
    /// orders of margin while staying far below any sampling error.</summary>
    const double RoundOffRelative = 1e-10;

    [Fact]
    public void IsUnbiasedAndItsStandardErrorCoversTheTrace()
    {
        // Outliers well above the bulk, so the sketch captures them in (nearly) every run. With weak outliers
        // (3, 5, 8 over a bulk up to 1) the conditional variance swings from run to run, the estimates are
        // heavy-tailed and the across-run SE below is itself unreliable (seen while building this test).
        using var a = PlantedSpectrum.Matrix(PlantedSpectrum.BulkWithOutliers(60, [20.0, 30.0, 50.0], 31), 31);
        using var op = new DenseOperator(a);
        using var gen = new Generator(400);
        double trace = MonteCarlo.Trace(a);
        const int runs = 400, budget = 90, residualProbes = 30;   // 30 sketch, 30 for Q, 30 residual probes

        var estimates = new double[runs];
        int covered = 0;
        for (int r = 0; r < runs; r++)
        {
            var est = HutchPlusPlus.Estimate(op, budget, gen);
            Assert.Equal(budget, est.Matvecs);
            Assert.Equal(residualProbes, est.Probes);
            estimates[r] = est.Estimate;
            if (Math.Abs(est.Estimate - trace) <= 2 * est.StandardError) covered++;
        }

        // Unbiased: the mean of the runs is within Z standard errors (across runs) of tr(A).
        var (mean, variance, _) = MonteCarlo.Moments(estimates);
        double se = Math.Sqrt(variance / runs);
        Assert.InRange(mean, trace - MonteCarlo.Z * se, trace + MonteCarlo.Z * se);
        // Coverage of ±2 SE (SE conditional on Q, from 30 residual probes): nominal P(|t₂₉| ≤ 2) = 94.5%;
        // band: Z binomial SDs over the runs.
        double nominal = MonteCarlo.StudentTCoverage(2, residualProbes - 1);
        double half = MonteCarlo.BinomialHalfWidth(nominal, runs, MonteCarlo.Z);
        Assert.InRange(covered / (double)runs, nominal - half, nominal + half);
    }

    [Fact]
    public void BeatsHutchinsonByFarWhenAFewEigenvaluesDominate()
    {
        // Ten large eigenvalues in [50, 100] over a bulk of 190 in [0, 0.1] (PSD, like a Hessian with outliers).
        const int n = 200, budget = 60, runs = 40;
        var rng = new Random(41);
        var spectrum = new double[n];
        for (int i = 0; i < n - 10; i++) spectrum[i] = 0.1 * rng.NextDouble();
        for (int i = n - 10; i < n; i++) spectrum[i] = 50 + 50 * rng.NextDouble();
        using var a = PlantedSpectrum.Matrix(spectrum, 41);
        using var op = new DenseOperator(a);
        using var gen = new Generator(500);
        double trace = MonteCarlo.Trace(a);

        double hutchinson = 0, hutchPlusPlus = 0;
        for (int r = 0; r < runs; r++)
        {
            hutchinson += Math.Pow(Hutchinson.Estimate(op, budget, gen).Estimate - trace, 2);
            hutchPlusPlus += Math.Pow(HutchPlusPlus.Estimate(op, budget, gen).Estimate - trace, 2);
        }
        double ratio = Math.Sqrt(hutchPlusPlus / hutchinson);
        // Predicted RMS errors: Hutchinson √(2(‖A‖²_F − ΣAᵢᵢ²)/60) ≈ 40; Hutch++ removes the ten outliers with
        // its 20-column sketch, leaving Hutchinson on the bulk with 20 probes, ≈ √(2·Σbulk λ²/20) ≈ 0.25: a ratio
        // near 0.006. Requiring < 0.1 leaves more than an order of magnitude of margin for the 40-run RMS noise.
        Assert.True(ratio < 0.1, $"RMS error ratio Hutch++/Hutchinson = {ratio:G3}");
    }

    [Theory]
    [InlineData(5, 15)]
    [InlineData(3, 15)]
    [InlineData(4, 14)]
    public void IsExactWhenTheRankIsAtMostAThirdOfTheBudget(int rank, int budget)
    {
        const int n = 50;
        var spectrum = new double[n];
        double[] nonzero = [4.0, -3.0, 2.0, 1.0, -0.5];
        for (int i = 0; i < rank; i++) spectrum[i] = nonzero[i];
        using var a = PlantedSpectrum.Matrix(spectrum, 51);
        using var op = new DenseOperator(a);
        using var gen = new Generator(600);
        double trace = spectrum.Sum(), scale = spectrum.Sum(Math.Abs);

        var est = HutchPlusPlus.Estimate(op, budget, gen);

        Assert.Equal(trace, est.Estimate, RoundOffRelative * scale);
        Assert.Equal(trace, est.DeterministicPart, RoundOffRelative * scale);
        Assert.True(est.StandardError <= RoundOffRelative * scale, $"SE {est.StandardError}");
        Assert.All(est.Samples, s => Assert.True(Math.Abs(s) <= RoundOffRelative * scale, $"residual sample {s}"));
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(4, 2)]
    [InlineData(5, 3)]
    [InlineData(31, 11)]
    public void SpendsExactlyTheBudget(int budget, int residualProbes)
    {
        using var a = PlantedSpectrum.Matrix(PlantedSpectrum.BulkWithOutliers(40, [2.0], 61), 61);
        using var op = new DenseOperator(a);
        using var gen = new Generator(700);
        var est = HutchPlusPlus.Estimate(op, budget, gen, blockSize: 4);
        Assert.Equal(budget, est.Matvecs);
        Assert.Equal(residualProbes, est.Probes);
        Assert.Equal("Hutch++", est.Method);
        Assert.Equal(est.DeterministicPart + est.Samples.Average(), est.Estimate, 1e-12 * Math.Abs(est.Estimate));
    }

    [Fact]
    public void SketchWiderThanTheOperatorCapturesEverything()
    {
        // n = 6 < s = 10: Q is a full orthonormal basis, tr(QᵀAQ) = tr(A) and the residual is zero.
        using var a = PlantedSpectrum.Matrix([3.0, -1.0, 0.5, 2.0, 0.0, 1.0], 71);
        using var op = new DenseOperator(a);
        using var gen = new Generator(800);
        var est = HutchPlusPlus.Estimate(op, 30, gen);
        Assert.Equal(30, est.Matvecs);
        Assert.Equal(30 - 10 - 6, est.Probes);
        Assert.Equal(5.5, est.Estimate, RoundOffRelative * 7.5);
    }

    [Fact]
    public void LeavesNoLiveTensors()
    {
        using var a = PlantedSpectrum.Matrix(PlantedSpectrum.BulkWithOutliers(30, [4.0], 81), 81);
        using var op = new DenseOperator(a);
        using var gen = new Generator(900);
        Assert.Equal(0, LiveTensors.LeakedBy(() =>
        {
            HutchPlusPlus.Estimate(op, 31, gen, blockSize: 4);
            HutchPlusPlus.EstimateToRelativeError(op, 0.01, 400, gen);
        }));
    }
}
