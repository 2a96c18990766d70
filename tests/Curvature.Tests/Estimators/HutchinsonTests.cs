using Curvature.Estimators;
using Curvature.Operators;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Estimators;

public class HutchinsonTests
{
    // Bulk in [−0.2, 1] (some negative eigenvalues) plus two outliers: an indefinite, Hessian-like spectrum.
    static Tensor Planted(int n, long seed) =>
        PlantedSpectrum.Matrix(PlantedSpectrum.BulkWithOutliers(n, [3.0, 5.0], seed), seed);

    [Theory]
    [InlineData(ProbeDistribution.Rademacher)]
    [InlineData(ProbeDistribution.Gaussian)]
    public void PerProbeVarianceMatchesTheExactFormula(ProbeDistribution d)
    {
        using var a = Planted(40, 3);
        using var op = new DenseOperator(a);
        using var gen = new Generator(100);
        const int probes = 20_000;

        var est = Hutchinson.Estimate(op, probes, gen, d, blockSize: 2_000);

        Assert.Equal(probes, est.Matvecs);
        Assert.Equal(probes, est.Probes);
        Assert.Equal(probes, est.Samples.Length);
        Assert.Equal("Hutchinson", est.Method);
        Assert.Equal(TraceStopReason.BudgetSpent, est.StopReason);
        // The empirical per-probe variance against 2(‖A‖²_F − Σ Aᵢᵢ²) (Rademacher) or 2‖A‖²_F (Gaussian),
        // within Z standard errors of a sample variance (delta method, fourth moment from the same samples).
        var (mean, variance, _) = MonteCarlo.Moments(est.Samples);
        double exactVariance = MonteCarlo.HutchinsonVariance(a, d);
        double band = MonteCarlo.Z * MonteCarlo.VarianceStandardError(est.Samples);
        Assert.InRange(variance, exactVariance - band, exactVariance + band);
        // The reported SE is s/√k and the estimate is the sample mean.
        Assert.Equal(Math.Sqrt(variance / probes), est.StandardError, 1e-9 * est.StandardError);
        Assert.Equal(mean, est.Estimate, 1e-12 * Math.Abs(mean));
        // The estimate is within Z standard errors of the exact trace.
        double trace = MonteCarlo.Trace(a);
        Assert.InRange(est.Estimate, trace - MonteCarlo.Z * est.StandardError, trace + MonteCarlo.Z * est.StandardError);
    }

    [Theory]
    [InlineData(ProbeDistribution.Rademacher)]
    [InlineData(ProbeDistribution.Gaussian)]
    public void TwoStandardErrorIntervalsCoverTheTraceAbout95PercentOfTheTime(ProbeDistribution d)
    {
        using var a = Planted(30, 4);
        using var op = new DenseOperator(a);
        using var gen = new Generator(200);
        double trace = MonteCarlo.Trace(a);
        const int runs = 600, probes = 200;

        int covered = 0;
        for (int r = 0; r < runs; r++)
        {
            var est = Hutchinson.Estimate(op, probes, gen, d, blockSize: probes);
            if (Math.Abs(est.Estimate - trace) <= 2 * est.StandardError) covered++;
        }

        // Nominal coverage of mean ± 2 SE with the SE estimated from 200 samples: P(|t₁₉₉| ≤ 2) = 95.3%. The samples
        // are skewed (two outlier eigenvalues), which costs O(1/k) coverage; at k = 200 that is well inside the
        // band (at k = 50 it was ~1.5%, so we use 200). Band: Z binomial SDs over 600 runs (±3.6%), narrow enough
        // to catch an SE off by √2 either way (coverage 84% or 99.5%).
        double nominal = MonteCarlo.StudentTCoverage(2, probes - 1);
        double half = MonteCarlo.BinomialHalfWidth(nominal, runs, MonteCarlo.Z);
        Assert.InRange(covered / (double)runs, nominal - half, nominal + half);
    }

    [Fact]
    public void AnyBlockSizeSpendsExactlyTheBudget()
    {
        // Block sizes that divide the budget, do not, or exceed it: the budget is spent exactly and the
        // estimate stays consistent with the exact trace.
        using var a = Planted(25, 5);
        using var op = new DenseOperator(a);
        double trace = MonteCarlo.Trace(a);
        foreach (var blockSize in new[] { 1, 7, 64 })
        {
            using var gen = new Generator(300);
            var est = Hutchinson.Estimate(op, 64, gen, blockSize: blockSize);
            Assert.Equal(64, est.Matvecs);
            Assert.InRange(est.Estimate, trace - MonteCarlo.Z * est.StandardError, trace + MonteCarlo.Z * est.StandardError);
        }
    }

    [Fact]
    public void DiagonalMatrixWithRademacherProbesIsExact()
    {
        // zᵀDz = Σ Dᵢᵢ zᵢ² = tr(D) for every ±1 probe: zero variance (the Rademacher formula gives 0).
        using var d = diag(tensor(new[] { 1.5, -2.0, 0.25, 4.0, 3.0 }, dtype: ScalarType.Float64));
        using var op = new DenseOperator(d);
        using var gen = new Generator(7);
        var est = Hutchinson.Estimate(op, 20, gen);
        // Each sample is a sum of five exact products: a few ulps of tr(D) = 6.75.
        Assert.Equal(6.75, est.Estimate, 1e-14);
        Assert.True(est.StandardError <= 1e-14, $"SE {est.StandardError}");
    }

    [Fact]
    public void SingleProbeHasUndefinedStandardError()
    {
        using var a = Planted(10, 6);
        using var op = new DenseOperator(a);
        using var gen = new Generator(8);
        var est = Hutchinson.Estimate(op, 1, gen);
        Assert.Equal(1, est.Probes);
        Assert.True(double.IsNaN(est.StandardError));
    }

    [Fact]
    public void Float32OperatorsAreProbedInFloat64()
    {
        // A covariance operator computing in float32; the estimator's probes and samples stay float64, and the
        // estimate agrees with the exact float64 trace tr((1/p)XᵀX) = ‖X‖²_F / p up to sampling error.
        using var gen = new Generator(10);
        using var x = randn(30, 20, dtype: ScalarType.Float64, generator: gen);
        using var op = new CovarianceOperator(x, ScalarType.Float32);
        double trace = x.square().sum().item<double>() / 30;
        var est = Hutchinson.Estimate(op, 400, gen);
        Assert.InRange(est.Estimate, trace - MonteCarlo.Z * est.StandardError, trace + MonteCarlo.Z * est.StandardError);
    }

    [Fact]
    public void LeavesNoLiveTensors()
    {
        using var a = Planted(20, 11);
        using var op = new DenseOperator(a);
        using var gen = new Generator(12);
        Assert.Equal(0, LiveTensors.LeakedBy(() =>
        {
            Hutchinson.Estimate(op, 35, gen);
            Hutchinson.EstimateToRelativeError(op, 0.05, 500, gen);
        }));
    }
}
