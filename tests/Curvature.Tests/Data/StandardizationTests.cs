using Curvature.Data;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Data;

/// <summary>Standardisation statistics against a plain C# reference in float64, the moments of the standardised
/// data, constant positions, applying training statistics to other data, and every rejection.</summary>
public sealed class StandardizationTests
{
    /// <summary>Agreement of torch's statistics with the C# reference: two summation orders of m ≤ 1200 values differ
    /// by at most about m·ε ≈ 3e-13 relative to the sum of magnitudes; 1e-12 covers that worst case.</summary>
    const double ReferenceRelative = 1e-12;

    /// <summary>Mean and mean square of standardised data (values |z| ≲ 5): the error of a float64 sum of m ≤ 1200
    /// terms is at most m·ε·max z² ≈ 7e-12; 1e-11 covers that worst case.</summary>
    const double MomentAbsolute = 1e-11;

    /// <summary>[40, 3, 2, 5] values with a different mean and scale at every position, so per-pixel and global
    /// statistics differ: x = offset_j + scale_j·z, z standard normal.</summary>
    static Tensor SomeImages(ScalarType dtype = ScalarType.Float64, ulong seed = 3)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(seed);
        var offset = rand([3, 2, 5], dtype: ScalarType.Float64, generator: g);
        var scale = rand([3, 2, 5], dtype: ScalarType.Float64, generator: g).add_(0.1);
        var z = randn([40, 3, 2, 5], dtype: ScalarType.Float64, generator: g);
        return z.mul_(scale).add_(offset).to_type(dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Rows = examples, columns = flattened positions, as C# arrays.</summary>
    static double[][] Rows(Tensor data)
    {
        using var flat = data.to_type(ScalarType.Float64).reshape(data.shape[0], -1);
        var values = flat.data<double>().ToArray();
        int cols = (int)flat.shape[1];
        return Enumerable.Range(0, (int)flat.shape[0]).Select(i => values[(i * cols)..((i + 1) * cols)]).ToArray();
    }

    static (double Mean, double Std) ReferenceMoments(IReadOnlyList<double> values)
    {
        double mean = values.Sum() / values.Count;
        double variance = values.Sum(v => (v - mean) * (v - mean)) / values.Count;   // population: divisor n
        return (mean, Math.Sqrt(variance));
    }

    static void AssertClose(double expected, double actual, double relative) =>
        Assert.True(Math.Abs(expected - actual) <= relative * Math.Max(1, Math.Abs(expected)), $"expected {expected:R}, got {actual:R}");

    [Fact]
    public void GlobalUsesOneMeanAndPopulationStdOverEveryValue()
    {
        using var data = SomeImages();
        var all = Rows(data).SelectMany(r => r).ToArray();
        var (mean, std) = ReferenceMoments(all);

        var (z, stats) = StandardizationStatistics.Standardize(data, Standardization.Global);
        using var _ = z;
        using var __ = stats;

        Assert.Equal(Standardization.Global, stats.Mode);
        Assert.Empty(stats.Mean.shape);
        Assert.Empty(stats.Std.shape);
        AssertClose(mean, stats.Mean.item<double>(), ReferenceRelative);
        AssertClose(std, stats.Std.item<double>(), ReferenceRelative);
        Assert.Equal(new long[] { 3, 2, 5 }, stats.FeatureShape);

        Assert.Equal(data.shape, z.shape);
        Assert.Equal(ScalarType.Float64, z.dtype);
        Assert.Equal(0, z.mean().item<double>(), MomentAbsolute);
        Assert.Equal(1, z.square().mean().item<double>(), MomentAbsolute);
        // Not per position: a single position's standardised values keep their own spread.
        using var perPositionSpread = z.std(0L, unbiased: false);
        Assert.True(perPositionSpread.max().item<double>() - perPositionSpread.min().item<double>() > 0.1);
    }

    [Fact]
    public void PerPixelStandardisesEveryPositionOverTheExamples()
    {
        using var data = SomeImages();
        var rows = Rows(data);
        var (z, stats) = StandardizationStatistics.Standardize(data, Standardization.PerPixel);
        using var _ = z;
        using var __ = stats;

        Assert.Equal(new long[] { 3, 2, 5 }, stats.Mean.shape);
        Assert.Equal(new long[] { 3, 2, 5 }, stats.Std.shape);
        var means = stats.Mean.data<double>().ToArray();
        var stds = stats.Std.data<double>().ToArray();
        var zRows = Rows(z);
        for (int j = 0; j < 30; j++)
        {
            var (mean, std) = ReferenceMoments(rows.Select(r => r[j]).ToArray());
            AssertClose(mean, means[j], ReferenceRelative);
            AssertClose(std, stds[j], ReferenceRelative);
            var column = zRows.Select(r => r[j]).ToArray();
            Assert.Equal(0, column.Average(), MomentAbsolute);
            Assert.Equal(1, column.Average(v => v * v), MomentAbsolute);
        }
    }

    [Fact]
    public void ConstantPositionsAreOnlyCentredToExactZeros()
    {
        using var images = SomeImages();
        using var data = images.reshape(40, 30);
        using var point1 = tensor(0.1);
        using var zero = tensor(0.0);
        data[TensorIndex.Colon, 0] = point1;     // constant, and 0.1 is not a binary fraction: a computed mean could round
        data[TensorIndex.Colon, 1] = zero;
        var (z, stats) = StandardizationStatistics.Standardize(data, Standardization.PerPixel);
        using var _ = z;
        using var __ = stats;

        Assert.Equal(0.1, stats.Mean[0].item<double>());
        Assert.Equal(0.0, stats.Mean[1].item<double>());
        Assert.Equal(0.0, stats.Std[0].item<double>());
        Assert.Equal(0.0, stats.Std[1].item<double>());
        Assert.Equal(0, z[TensorIndex.Colon, TensorIndex.Slice(0, 2)].abs().max().item<double>());
        // Other data: those positions are centred by the training value and not scaled.
        using var other = full(2, 30, 0.35, ScalarType.Float64);
        using var applied = stats.Apply(other);
        Assert.Equal(0.35 - 0.1, applied[0, 0].item<double>());
        Assert.Equal(0.35, applied[1, 1].item<double>());
        // The varying positions are still standardised.
        Assert.Equal(1, z[TensorIndex.Colon, 2].square().mean().item<double>(), MomentAbsolute);
    }

    [Fact]
    public void ConstantDataUnderGlobalIsOnlyCentred()
    {
        using var data = full(4, 3, 0.7, ScalarType.Float64);
        var (z, stats) = StandardizationStatistics.Standardize(data, Standardization.Global);
        using var _ = z;
        using var __ = stats;
        Assert.Equal((0.7, 0.0), (stats.Mean.item<double>(), stats.Std.item<double>()));
        Assert.Equal(0, z.abs().max().item<double>());
    }

    [Theory]
    [InlineData(Standardization.Global)]
    [InlineData(Standardization.PerPixel)]
    public void TrainingStatisticsApplyToOtherDataElementByElement(Standardization mode)
    {
        using var train = SomeImages(seed: 3);
        using var testImages = SomeImages(seed: 4);
        using var test = testImages.narrow(0, 0, 7);
        using var stats = StandardizationStatistics.Compute(train, mode);
        using var applied = stats.Apply(test);

        Assert.Equal(test.shape, applied.shape);
        var means = stats.Mean.reshape(-1).data<double>().ToArray();
        var stds = stats.Std.reshape(-1).data<double>().ToArray();
        var expected = Rows(test).SelectMany(r => r.Select((v, j) =>
            mode == Standardization.Global ? (v - means[0]) / stds[0] : (v - means[j]) / stds[j])).ToArray();
        // Subtraction and division are correctly rounded in torch and in C#: equal to the last bit.
        Assert.Equal(expected, applied.reshape(-1).data<double>().ToArray());
    }

    [Theory]
    [InlineData(Standardization.Global)]
    [InlineData(Standardization.PerPixel)]
    public void Float32DataAreStandardisedInFloat64AndRounded(Standardization mode)
    {
        using var data = SomeImages(ScalarType.Float32);
        var (z, stats) = StandardizationStatistics.Standardize(data, mode);
        using var _ = z;
        using var __ = stats;
        Assert.Equal(ScalarType.Float32, z.dtype);
        Assert.Equal(ScalarType.Float64, stats.Mean.dtype);
        var means = stats.Mean.reshape(-1).data<double>().ToArray();
        var stds = stats.Std.reshape(-1).data<double>().ToArray();
        var expected = Rows(data).SelectMany(r => r.Select((v, j) =>
        {
            int k = mode == Standardization.Global ? 0 : j;
            return (float)((v - means[k]) / stds[k]);
        })).ToArray();
        Assert.Equal(expected, z.reshape(-1).data<float>().ToArray());
    }

    [Fact]
    public void NoneReturnsAnIndependentCopy()
    {
        using var data = SomeImages();
        var (z, stats) = StandardizationStatistics.Standardize(data, Standardization.None);
        using var __ = stats;
        Assert.Equal((0.0, 1.0), (stats.Mean.item<double>(), stats.Std.item<double>()));
        Assert.True(z.eq(data).all().item<bool>());
        z.add_(1);                                      // writing the copy leaves the data alone
        Assert.False(z.eq(data).any().item<bool>());
        z.Dispose();
        Assert.Equal(new long[] { 40, 3, 2, 5 }, data.shape);
    }

    [Theory]
    [InlineData(Standardization.Global)]
    [InlineData(Standardization.PerPixel)]
    public void TheDataAreNotChanged(Standardization mode)
    {
        using var data = SomeImages();
        using var copy = data.clone();
        var (z, stats) = StandardizationStatistics.Standardize(data, mode);
        z.Dispose();
        stats.Dispose();
        Assert.True(data.eq(copy).all().item<bool>());
    }

    [Fact]
    public void FlatAndOneDimensionalDataWork()
    {
        using var images = SomeImages();
        using var flat = images.reshape(40, 30);
        using var s1 = StandardizationStatistics.Compute(flat, Standardization.PerPixel);
        Assert.Equal(new long[] { 30 }, s1.Mean.shape);

        using var vector = tensor(new[] { 1.0, 2.0, 4.0, 5.0 });
        using var s2 = StandardizationStatistics.Compute(vector, Standardization.PerPixel);
        Assert.Empty(s2.Mean.shape);
        Assert.Equal((3.0, Math.Sqrt(2.5)), (s2.Mean.item<double>(), s2.Std.item<double>()));
    }

    [Fact]
    public void GlobalStatisticsApplyToAnyShapeAndPerPixelOnlyToTheirOwn()
    {
        using var data = SomeImages();
        using var other = zeros(3, 7, dtype: ScalarType.Float64);
        using var global = StandardizationStatistics.Compute(data, Standardization.Global);
        using (var ok = global.Apply(other)) Assert.Equal(new long[] { 3, 7 }, ok.shape);
        using var perPixel = StandardizationStatistics.Compute(data, Standardization.PerPixel);
        var e = Assert.Throws<ArgumentException>(() => perPixel.Apply(other));
        Assert.StartsWith("per-pixel statistics were computed for examples of shape [3, 2, 5]; the data have [7]", e.Message);
        using var empty = zeros(0, 3, 2, 5, dtype: ScalarType.Float64);
        using (var none = perPixel.Apply(empty)) Assert.Equal(new long[] { 0, 3, 2, 5 }, none.shape);
    }

    [Fact]
    public void UnusableDataAreRejectedBeforeTorchSeesThem()
    {
        using var ints = zeros(4, 3, dtype: ScalarType.Int32);
        Assert.StartsWith("standardisation needs floating-point data; got Int32",
            Assert.Throws<ArgumentException>(() => StandardizationStatistics.Compute(ints, Standardization.Global)).Message);
        using var scalar = tensor(1.0);
        Assert.StartsWith("the data need an examples axis",
            Assert.Throws<ArgumentException>(() => StandardizationStatistics.Compute(scalar, Standardization.PerPixel)).Message);
        using var noExamples = zeros(0, 3, dtype: ScalarType.Float64);
        using var noFeatures = zeros(5, 0, dtype: ScalarType.Float64);
        foreach (var empty in new[] { noExamples, noFeatures })
            Assert.StartsWith("statistics need at least one value",
                Assert.Throws<ArgumentException>(() => StandardizationStatistics.Compute(empty, Standardization.Global)).Message);
        using var nan = tensor(new[] { 1.0, double.NaN });
        Assert.StartsWith("the data contain a NaN or an infinity",
            Assert.Throws<ArgumentException>(() => StandardizationStatistics.Compute(nan, Standardization.Global)).Message);
        using var data = SomeImages();
        Assert.Throws<ArgumentOutOfRangeException>(() => StandardizationStatistics.Compute(data, (Standardization)7));
        using var stats = StandardizationStatistics.Compute(data, Standardization.Global);
        Assert.Throws<ArgumentException>(() => stats.Apply(ints));
    }

    [Theory]
    [InlineData(Standardization.None)]
    [InlineData(Standardization.Global)]
    [InlineData(Standardization.PerPixel)]
    public void StandardisingLeavesNoLiveTensorsOnceDisposed(Standardization mode)
    {
        using var data = SomeImages(ScalarType.Float32);
        using var other = SomeImages(ScalarType.Float32, seed: 9);
        Assert.Equal(0, LiveTensors.LeakedBy(() =>
        {
            var (z, stats) = StandardizationStatistics.Standardize(data, mode);
            using var applied = stats.Apply(other);
            z.Dispose();
            stats.Dispose();
        }));
        using var nan = tensor(new[] { 1.0, double.NaN });
        Assert.Equal(0, LiveTensors.LeakedBy(() => Assert.Throws<ArgumentException>(() => StandardizationStatistics.Compute(nan, mode))));
    }
}
