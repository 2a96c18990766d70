using Curvature.Estimators;
using Curvature.Operators;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Estimators;

public class TargetStandardErrorTests
{
    // A positive-definite planted spectrum (eigenvalues in [0.5, 1.5] plus two outliers), so tr(A) is well away
    // from 0 and a relative target is meaningful.
    static Tensor PositiveDefinite(int n, long seed)
    {
        var rng = new Random((int)seed);
        var spectrum = new double[n];
        for (int i = 0; i < n - 2; i++) spectrum[i] = 0.5 + rng.NextDouble();
        spectrum[n - 2] = 6; spectrum[n - 1] = 9;
        return PlantedSpectrum.Matrix(spectrum, seed);
    }

    [Fact]
    public void HutchinsonReachesTheTarget()
    {
        using var a = PositiveDefinite(50, 1);
        using var op = new DenseOperator(a);
        using var gen = new Generator(10);
        const double target = 0.02;
        var est = Hutchinson.EstimateToRelativeError(op, target, 10_000, gen);

        Assert.Equal(TraceStopReason.TargetReached, est.StopReason);
        Assert.True(est.StandardError <= target * Math.Abs(est.Estimate), $"SE {est.StandardError} vs {target * est.Estimate}");
        Assert.True(est.Probes >= Hutchinson.DefaultMinProbes);
        Assert.Equal(est.Probes, est.Matvecs);
        // It did not overshoot: one block (10 probes) earlier the target was not met. The stop rule is checked at
        // block ends only, so Probes is a multiple of the block size.
        Assert.Equal(0, est.Probes % Hutchinson.DefaultBlockSize);
        var (mean, earlierSe) = Earlier(est.Samples, est.Probes - Hutchinson.DefaultBlockSize);
        if (est.Probes > Hutchinson.DefaultMinProbes) Assert.True(earlierSe > target * Math.Abs(mean));
        double trace = MonteCarlo.Trace(a);
        Assert.InRange(est.Estimate, trace - MonteCarlo.Z * est.StandardError, trace + MonteCarlo.Z * est.StandardError);
    }

    [Fact]
    public void HutchinsonStopsAtTheBudgetAndSaysSo()
    {
        using var a = PositiveDefinite(50, 2);
        using var op = new DenseOperator(a);
        using var gen = new Generator(20);
        // SE with 200 probes is ~√(2‖A‖²_F/200)/tr(A) ≈ 1% relative: a 1e-6 target is out of reach.
        var est = Hutchinson.EstimateToRelativeError(op, 1e-6, 200, gen, blockSize: 30);
        Assert.Equal(TraceStopReason.BudgetExhaustedBeforeTarget, est.StopReason);
        Assert.Equal(200, est.Matvecs);
        Assert.Equal(200, est.Probes);
        Assert.True(est.RelativeStandardError > 1e-6);
    }

    [Fact]
    public void HutchinsonWithZeroVarianceStopsAtTheMinimumProbes()
    {
        // Diagonal matrix, Rademacher probes: every sample is tr(D), SE = 0 — the rule stops as soon as allowed.
        using var d = diag(tensor(new[] { 1.0, 2.0, 3.0, 4.0 }, dtype: ScalarType.Float64));
        using var op = new DenseOperator(d);
        using var gen = new Generator(30);
        var est = Hutchinson.EstimateToRelativeError(op, 1e-3, 1000, gen, minProbes: 12, blockSize: 4);
        Assert.Equal(TraceStopReason.TargetReached, est.StopReason);
        Assert.Equal(12, est.Probes);
        Assert.Equal(10.0, est.Estimate, 1e-14);
    }

    [Fact]
    public void HutchPlusPlusReachesTheTarget()
    {
        // n = 200 and a 2% target: met within runs of 30–240 products, whose sketches (≤ 80 columns) stay well
        // below n — so the residual is genuinely sampled, not zero because Q spans everything.
        using var a = PositiveDefinite(200, 3);
        using var op = new DenseOperator(a);
        using var gen = new Generator(40);
        const double target = 0.02;
        var est = HutchPlusPlus.EstimateToRelativeError(op, target, 5_000, gen);

        Assert.Equal(TraceStopReason.TargetReached, est.StopReason);
        Assert.True(est.StandardError <= target * Math.Abs(est.Estimate));
        Assert.True(est.Matvecs <= 5_000);
        Assert.True(est.StandardError > 0);
        // Budgets run 30, 60, 120, …: the total spent is 30·(2^r − 1) for r runs.
        int runs = (int)Math.Round(Math.Log2(est.Matvecs / 30.0 + 1));
        Assert.Equal(30 * ((1 << runs) - 1), est.Matvecs);
        double trace = MonteCarlo.Trace(a);
        Assert.InRange(est.Estimate, trace - MonteCarlo.Z * est.StandardError, trace + MonteCarlo.Z * est.StandardError);
    }

    [Fact]
    public void HutchPlusPlusStopsAtTheBudgetAndSaysSo()
    {
        using var a = PositiveDefinite(80, 4);
        using var op = new DenseOperator(a);
        using var gen = new Generator(50);
        // Budget 100: runs of 30 and 60 (total 90); doubling again would need 120 > 10 left, so it stops.
        var est = HutchPlusPlus.EstimateToRelativeError(op, 1e-9, 100, gen);
        Assert.Equal(TraceStopReason.BudgetExhaustedBeforeTarget, est.StopReason);
        Assert.Equal(90, est.Matvecs);
        Assert.Equal(60 - 2 * 20, est.Probes);   // the reported run is the last (m = 60)
        Assert.True(est.RelativeStandardError > 1e-9);
    }

    [Fact]
    public void HutchPlusPlusIsDoneInOneRunOnALowRankOperator()
    {
        // Rank 4 ≤ 30/3: the first run is exact, its residual SE is round-off, so the target is met at once.
        using var a = PlantedSpectrum.Matrix([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5.0, 3.0, 2.0, 1.0], 5);
        using var op = new DenseOperator(a);
        using var gen = new Generator(60);
        var est = HutchPlusPlus.EstimateToRelativeError(op, 1e-6, 1000, gen);
        Assert.Equal(TraceStopReason.TargetReached, est.StopReason);
        Assert.Equal(30, est.Matvecs);
        // float64 round-off on an n = 16 operator: 1e-10 relative (see HutchPlusPlusTests.RoundOffRelative).
        Assert.Equal(11.0, est.Estimate, 1e-10 * 11.0);
    }

    static (double Mean, double StandardError) Earlier(double[] samples, int count)
    {
        var head = samples.Take(count).ToArray();
        var (mean, variance, _) = MonteCarlo.Moments(head);
        return (mean, Math.Sqrt(variance / count));
    }
}
