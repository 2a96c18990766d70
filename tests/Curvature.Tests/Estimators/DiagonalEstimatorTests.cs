using Curvature.Estimators;
using Curvature.Operators;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Estimators;

public class DiagonalEstimatorTests
{
    [Fact]
    public void DiagonalMatrixWithRademacherProbesIsExactWithZeroStandardError()
    {
        // zⱼ(Dz)ⱼ = Dⱼⱼ zⱼ² = Dⱼⱼ exactly for ±1 probes (products by ±1 and additions of exact zeros are exact).
        double[] d = [1.5, -2.0, 0.25, 4.0, 3.0, 0.0, -7.5];
        using var matrix = diag(tensor(d, dtype: ScalarType.Float64));
        using var op = new DenseOperator(matrix);
        using var gen = new Generator(1);
        var est = DiagonalEstimator.Estimate(op, 23, gen, blockSize: 5);
        Assert.Equal(d, est.Estimate);
        Assert.All(est.StandardError, se => Assert.Equal(0.0, se));
        Assert.Equal(23, est.Matvecs);
        Assert.Equal(23, est.Probes);
    }

    [Theory]
    [InlineData(ProbeDistribution.Rademacher)]
    [InlineData(ProbeDistribution.Gaussian)]
    public void EntriesAndStandardErrorsMatchTheExactVariance(ProbeDistribution distribution)
    {
        const int n = 30, probes = 2_000;
        using var a = PlantedSpectrum.Matrix(PlantedSpectrum.BulkWithOutliers(n, [3.0, 5.0], 2), 2);
        using var op = new DenseOperator(a);
        using var gen = new Generator(3);
        var est = DiagonalEstimator.Estimate(op, probes, gen, distribution, blockSize: 128);

        var matrix = a.data<double>().ToArray();
        for (int j = 0; j < n; j++)
        {
            double ajj = matrix[j * n + j], s2 = 0, s4 = 0;
            for (int l = 0; l < n; l++)
                if (l != j) { double x = matrix[j * n + l] * matrix[j * n + l]; s2 += x; s4 += x * x; }
            // One sample is zⱼ(Az)ⱼ = A_jj zⱼ² + zⱼ·y, y = Σ_{l≠j} A_jl z_l with Var y = s2. Exact central moments:
            // Rademacher: a Rademacher sum, σ² = s2, μ₄ = 3·s2² − 2·Σ A_jl⁴.
            // Gaussian: A_jj(zⱼ² − 1) + zⱼy, σ² = 2A_jj² + s2, μ₄ = 60A_jj⁴ + 60A_jj²·s2 + 9·s2²
            // (E(z²−1)⁴ = 60, E(z²−1)²z² = 10, E z⁴ = 3; odd cross terms vanish).
            double a2 = ajj * ajj;
            double variance = distribution == ProbeDistribution.Rademacher ? s2 : 2 * a2 + s2;
            double mu4 = distribution == ProbeDistribution.Rademacher ? 3 * s2 * s2 - 2 * s4 : 60 * a2 * a2 + 60 * a2 * s2 + 9 * s2 * s2;
            double exactSe = Math.Sqrt(variance / probes);
            // Each entry within 4.5 exact SEs (30 entries: family-wise false alarm ≈ 30·7e-6).
            Assert.InRange(est.Estimate[j], ajj - 4.5 * exactSe, ajj + 4.5 * exactSe);
            // Reported SE vs exact: the sample SD of k samples with kurtosis κ = μ₄/σ⁴ has relative SD
            // ≈ √((κ − 1)/(4k)) (delta method); allow 4.5 of those.
            double relative = 4.5 * Math.Sqrt((mu4 / (variance * variance) - 1) / (4.0 * probes));
            Assert.InRange(est.StandardError[j] / exactSe, 1 - relative, 1 + relative);
        }
    }

    [Fact]
    public void LeavesNoLiveTensors()
    {
        using var a = PlantedSpectrum.Matrix(PlantedSpectrum.BulkWithOutliers(20, [2.0], 4), 4);
        using var op = new DenseOperator(a);
        using var gen = new Generator(5);
        Assert.Equal(0, LiveTensors.LeakedBy(() => DiagonalEstimator.Estimate(op, 33, gen, blockSize: 8)));
    }
}
