using Curvature.Theory;

namespace Curvature.Tests.Theory;

/// <summary>The closed forms of the Marchenko–Pastur law checked against each other and against quadrature.</summary>
public class MarchenkoPasturTests
{
    /// <summary>Composite Simpson on θ ∈ [0, π] after λ = A − B cos θ, which removes the square-root endpoint
    /// singularities (and the 1/λ one at α = 1): 20 000 panels of a smooth integrand give ~1e-12 accuracy.</summary>
    static double BulkIntegral(double alpha, double v, double upTo)
    {
        double lo = MarchenkoPastur.LowerEdge(alpha, v), hi = MarchenkoPastur.UpperEdge(alpha, v);
        double a = (hi + lo) / 2, b = (hi - lo) / 2;
        double thetaMax = Math.Acos(Math.Clamp((a - Math.Min(upTo, hi)) / b, -1, 1));
        const int panels = 20_000;
        double h = thetaMax / panels, sum = 0;
        for (int i = 0; i <= panels; i++)
        {
            double t = i * h, lambda = a - b * Math.Cos(t);
            // ρ(λ) dλ/dθ written without dividing 0 by 0 at the edges: ρ·B sin θ = α/(2πvλ)·B² sin²θ
            // (at α = 1, θ = 0 the ratio sin²θ/λ tends to 2/B: the integrand's limit is αB/(πv))
            double f = lambda <= 0 ? alpha * b / (Math.PI * v) : alpha / (2 * Math.PI * v * lambda) * b * b * Math.Sin(t) * Math.Sin(t);
            sum += f * (i == 0 || i == panels ? 1 : i % 2 == 1 ? 4 : 2);
        }
        return sum * h / 3;
    }

    /// <summary>Quadrature accuracy (see <see cref="BulkIntegral"/>), with three decades of margin.</summary>
    const double QuadratureTolerance = 1e-9;

    [Theory]
    [InlineData(0.25, 1.0)]
    [InlineData(0.5, 0.7)]
    [InlineData(1.0, 1.0)]
    [InlineData(2.0, 3.0)]
    [InlineData(4.0, 2.5)]
    public void DensityIntegratesToMinOneAlpha_AndCdfMatchesQuadrature(double alpha, double v)
    {
        Assert.Equal(Math.Min(1, alpha), BulkIntegral(alpha, v, double.MaxValue), QuadratureTolerance);
        Assert.Equal(Math.Min(1, alpha), MarchenkoPastur.BulkMass(alpha));
        Assert.Equal(1.0, MarchenkoPastur.ZeroMass(alpha) + MarchenkoPastur.BulkMass(alpha), 15);
        double lo = MarchenkoPastur.LowerEdge(alpha, v), hi = MarchenkoPastur.UpperEdge(alpha, v);
        foreach (double q in new[] { 0.01, 0.2, 0.5, 0.8, 0.99 })
        {
            double lambda = lo + q * (hi - lo);
            double expected = MarchenkoPastur.ZeroMass(alpha) + BulkIntegral(alpha, v, lambda);
            Assert.Equal(expected, MarchenkoPastur.CumulativeDistribution(lambda, alpha, v), QuadratureTolerance);
        }
        Assert.Equal(0.0, MarchenkoPastur.CumulativeDistribution(-1e-9, alpha, v));
        Assert.Equal(MarchenkoPastur.ZeroMass(alpha), MarchenkoPastur.CumulativeDistribution(lo * 0.999, alpha, v));
        Assert.Equal(1.0, MarchenkoPastur.CumulativeDistribution(hi, alpha, v));
    }

    [Theory]
    [InlineData(0.5, 0.7)]
    [InlineData(4.0, 2.5)]
    public void EdgesEqualTheBackgroundTextsForm_AndDensityVanishesOutside(double alpha, double v)
    {
        // [(1 ± √α)²/α]·v, the form in LeCun, Kanter & Solla 1991 quoted by the background text.
        Assert.Equal(Math.Pow(1 - Math.Sqrt(alpha), 2) / alpha * v, MarchenkoPastur.LowerEdge(alpha, v), 12);
        Assert.Equal(Math.Pow(1 + Math.Sqrt(alpha), 2) / alpha * v, MarchenkoPastur.UpperEdge(alpha, v), 12);
        Assert.Equal(0.0, MarchenkoPastur.Density(MarchenkoPastur.LowerEdge(alpha, v) * 0.99, alpha, v));
        Assert.Equal(0.0, MarchenkoPastur.Density(MarchenkoPastur.UpperEdge(alpha, v) * 1.01, alpha, v));
        Assert.True(MarchenkoPastur.Density((MarchenkoPastur.LowerEdge(alpha, v) + MarchenkoPastur.UpperEdge(alpha, v)) / 2, alpha, v) > 0);
    }

    [Fact]
    public void FiniteSampleOutlier_ExistsOnlyAboveThreshold_AndMeetsTheEdgeThere()
    {
        int n = 300, p = 1200;
        double v = 1.5;
        double threshold = MarchenkoPastur.OutlierThreshold(n, p, v); // on N m²
        double mAt = Math.Sqrt(threshold / n);
        Assert.Null(MarchenkoPastur.OutlierFiniteSamples(n, p, mAt * 0.99, v));
        var just = MarchenkoPastur.OutlierFiniteSamples(n, p, mAt * (1 + 1e-9), v);
        Assert.NotNull(just);
        Assert.Equal(MarchenkoPastur.UpperEdge((double)p / n, v), just!.Value, 6); // continuous at the BBP threshold
        Assert.Null(MarchenkoPastur.Outlier(n, 0.0, v));
        Assert.Null(MarchenkoPastur.OutlierFiniteSamples(n, p, 0.0, v));
        Assert.Equal(n * 0.04 + v, MarchenkoPastur.Outlier(n, -0.2, v)!.Value, 12);
        Assert.Equal((n * 0.04 + v) * (1 + v / (p * 0.04)), MarchenkoPastur.OutlierFiniteSamples(n, p, 0.2, v)!.Value, 12);
    }

    [Fact]
    public void BadArguments_AreRejectedWithArgumentExceptions()
    {
        Assert.Throws<ArgumentException>(() => MarchenkoPastur.UpperEdge(0, 1));
        Assert.Throws<ArgumentException>(() => MarchenkoPastur.UpperEdge(-2, 1));
        Assert.Throws<ArgumentException>(() => MarchenkoPastur.LowerEdge(double.NaN, 1));
        Assert.Throws<ArgumentException>(() => MarchenkoPastur.LowerEdge(2, 0));
        Assert.Throws<ArgumentException>(() => MarchenkoPastur.Density(1, 2, -1));
        Assert.Throws<ArgumentException>(() => MarchenkoPastur.Density(double.NaN, 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => MarchenkoPastur.Outlier(0, 1, 1));
        Assert.Throws<ArgumentException>(() => MarchenkoPastur.Outlier(10, double.PositiveInfinity, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => MarchenkoPastur.OutlierFiniteSamples(10, 0, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => MarchenkoPastur.OutlierFiniteSamples(-5, 10, 1, 1));
        Assert.Throws<ArgumentException>(() => MarchenkoPasturFit.KolmogorovDistance([], 1, 1));
        Assert.Throws<ArgumentException>(() => MarchenkoPasturFit.KolmogorovDistance([1.0, double.NaN], 1, 1));
    }
}
