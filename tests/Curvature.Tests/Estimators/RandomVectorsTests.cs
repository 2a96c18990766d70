using Curvature.Estimators;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Estimators;

public class RandomVectorsTests
{
    [Fact]
    public void RademacherEntriesArePlusMinusOneWithEqualProbability()
    {
        using var gen = new Generator(11);
        using var z = RandomVectors.Draw(200, 50, ProbeDistribution.Rademacher, gen);
        Assert.Equal(new long[] { 200, 50 }, z.shape);
        Assert.Equal(ScalarType.Float64, z.dtype);
        var values = z.data<double>().ToArray();
        Assert.All(values, v => Assert.True(v == 1.0 || v == -1.0));
        // Fraction of +1 among N = 10⁴ fair signs: SD = 0.5/√N.
        double plus = values.Count(v => v > 0) / (double)values.Length;
        Assert.InRange(plus, 0.5 - MonteCarlo.BinomialHalfWidth(0.5, values.Length, MonteCarlo.Z),
                             0.5 + MonteCarlo.BinomialHalfWidth(0.5, values.Length, MonteCarlo.Z));
    }

    [Fact]
    public void GaussianEntriesHaveMeanZeroAndUnitVariance()
    {
        using var gen = new Generator(12);
        using var z = RandomVectors.Draw(400, 50, ProbeDistribution.Gaussian, gen);
        Assert.Equal(ScalarType.Float64, z.dtype);
        var values = z.data<double>().ToArray();
        var (mean, variance, _) = MonteCarlo.Moments(values);
        // Mean of N standard normals has SD 1/√N; sample variance has SD √(2/N).
        Assert.InRange(mean, -MonteCarlo.Z / Math.Sqrt(values.Length), MonteCarlo.Z / Math.Sqrt(values.Length));
        Assert.InRange(variance, 1 - MonteCarlo.Z * Math.Sqrt(2.0 / values.Length), 1 + MonteCarlo.Z * Math.Sqrt(2.0 / values.Length));
    }

    [Theory]
    [InlineData(ProbeDistribution.Rademacher)]
    [InlineData(ProbeDistribution.Gaussian)]
    public void DrawsAreDeterminedByTheGeneratorAlone(ProbeDistribution d)
    {
        using var g1 = new Generator(5);
        using var g2 = new Generator(5);
        using var g3 = new Generator(6);
        using var a = RandomVectors.Draw(30, 4, d, g1);
        using var b = RandomVectors.Draw(30, 4, d, g2);
        using var c = RandomVectors.Draw(30, 4, d, g3);
        Assert.Equal(a.data<double>().ToArray(), b.data<double>().ToArray());
        Assert.NotEqual(a.data<double>().ToArray(), c.data<double>().ToArray());
    }

    [Fact]
    public void UnitVectorHasUnitNorm()
    {
        using var gen = new Generator(13);
        using var v = RandomVectors.UnitVector(1000, gen);
        Assert.Equal(new long[] { 1000 }, v.shape);
        Assert.Equal(ScalarType.Float64, v.dtype);
        // Normalisation by a computed norm: a few ulps.
        Assert.Equal(1.0, v.norm().item<double>(), 1e-14);
    }

    [Fact]
    public void InvalidArgumentsAreRejected()
    {
        using var gen = new Generator(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => RandomVectors.Draw(0, 3, ProbeDistribution.Rademacher, gen));
        Assert.Throws<ArgumentOutOfRangeException>(() => RandomVectors.Draw(3, 0, ProbeDistribution.Rademacher, gen));
        Assert.Throws<ArgumentOutOfRangeException>(() => RandomVectors.Draw(3, 2, (ProbeDistribution)7, gen));
        Assert.Throws<ArgumentNullException>(() => RandomVectors.Draw(3, 2, ProbeDistribution.Gaussian, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => RandomVectors.UnitVector(-1, gen));
        Assert.Throws<ArgumentNullException>(() => RandomVectors.UnitVector(3, null!));
    }

    [Fact]
    public void LeavesNoLiveTensors()
    {
        using var gen = new Generator(2);
        Assert.Equal(0, LiveTensors.LeakedBy(() =>
        {
            RandomVectors.Draw(10, 3, ProbeDistribution.Rademacher, gen).Dispose();
            RandomVectors.Draw(10, 3, ProbeDistribution.Gaussian, gen).Dispose();
            RandomVectors.UnitVector(10, gen).Dispose();
        }));
    }
}
