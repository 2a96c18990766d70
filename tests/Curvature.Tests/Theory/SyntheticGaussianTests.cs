using Curvature.Data;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Theory;

/// <summary>The synthetic data generator: shapes, seeding, and its moments checked statistically.</summary>
public class SyntheticGaussianTests
{
    [Fact]
    public void Draw_HasTheConfiguredShapes_AndIsDeterminedByItsSeed()
    {
        var config = new SyntheticGaussianConfig(7, 11, 0.3, 2.0, 0.1, 42);
        using var a = SyntheticGaussian.Draw(config);
        using var b = SyntheticGaussian.Draw(config);
        using var c = SyntheticGaussian.Draw(config with { Seed = 43 });
        Assert.Equal([11L, 7L], a.Inputs.shape);
        Assert.Equal([11L], a.Targets.shape);
        Assert.Equal([7L], a.Teacher.shape);
        Assert.Equal(ScalarType.Float64, a.Inputs.dtype);
        Assert.True(a.Inputs.eq(b.Inputs).all().item<bool>() && a.Targets.eq(b.Targets).all().item<bool>());
        Assert.False(a.Inputs.eq(c.Inputs).all().item<bool>());
        Assert.Equal(11.0 / 7, config.Alpha, 15);
    }

    /// <summary>Mean and variance of the p·N inputs within 5 standard errors (SE of the mean √(v/pN), of the
    /// variance v√(2/pN) for Gaussians); residual y − Xw* has the configured noise s.d. within 5 SE (σ/√(2p)).</summary>
    [Fact]
    public void Draw_HasTheConfiguredMoments()
    {
        int n = 50, p = 2000;
        double m = -0.4, v = 3.0, noise = 0.25;
        using var s = SyntheticGaussian.Draw(new SyntheticGaussianConfig(n, p, m, v, noise, 5));
        double count = (double)n * p;
        Assert.Equal(m, s.Inputs.mean().item<double>(), 5 * Math.Sqrt(v / count));
        Assert.Equal(v, s.Inputs.var(unbiased: true).item<double>(), 5 * v * Math.Sqrt(2 / count));
        using var residual = s.Targets - s.Inputs.matmul(s.Teacher);
        Assert.Equal(noise, residual.std().item<double>(), 5 * noise / Math.Sqrt(2 * p));
        // Teacher components 𝒩(0, 1/N): ‖w*‖² ~ χ²_N / N has mean 1 and s.d. √(2/N) = 0.2.
        Assert.Equal(1.0, s.Teacher.square().sum().item<double>(), 5 * Math.Sqrt(2.0 / n));
    }

    [Theory]
    [InlineData(0, 10, 0.0, 1.0, 0.0)]
    [InlineData(-3, 10, 0.0, 1.0, 0.0)]
    [InlineData(10, 0, 0.0, 1.0, 0.0)]
    [InlineData(10, -1, 0.0, 1.0, 0.0)]
    [InlineData(10, 10, double.NaN, 1.0, 0.0)]
    [InlineData(10, 10, 0.0, 0.0, 0.0)]
    [InlineData(10, 10, 0.0, -1.0, 0.0)]
    [InlineData(10, 10, 0.0, 1.0, -0.1)]
    [InlineData(1 << 20, 1 << 20, 0.0, 1.0, 0.0)]
    public void BadConfigs_AreRejectedWithOneLineMessages(int n, int p, double m, double v, double noise)
    {
        var error = Assert.Throws<ArgumentException>(() => SyntheticGaussian.Draw(new SyntheticGaussianConfig(n, p, m, v, noise, 1)));
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Draw_LeavesNoLiveTensors()
    {
        var config = new SyntheticGaussianConfig(5, 9, 0.1, 1, 0.1, 3);
        Assert.Equal(0, LiveTensors.LeakedBy(() => SyntheticGaussian.Draw(config).Dispose()));
        using var generator = new Generator(9);
        Assert.Equal(0, LiveTensors.LeakedBy(() => SyntheticGaussian.Draw(config, generator).Dispose()));
    }
}
