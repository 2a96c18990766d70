using Curvature.Data;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Data;

/// <summary>The Gaussian-mixture classification set: shapes, balance, seeding, its moments, and that its classes are
/// as separable as the parametrisation says — each checked statistically against an exact probability or bound.</summary>
public sealed class GaussianMixtureTests
{
    /// <summary>Statistical checks allow five standard errors: a false failure has probability below 1e-6 for a
    /// Gaussian statistic (and below 4% by Chebyshev for any distribution).</summary>
    const double StandardErrors = 5;

    static GaussianMixtureConfig Config(int k = 3, int d = 5, int n = 10, double s = 1, double sigma = 1, ulong seed = 7, bool shuffle = false) =>
        new(k, d, n, s, sigma, seed, shuffle);

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    static long[] Counts(Tensor labels, int k) => labels.bincount(null, k).data<long>().ToArray();

    [Fact]
    public void ShapesDtypesAndTheCyclicBalancedLabelOrder()
    {
        using var m = GaussianMixture.Draw(Config(k: 3, d: 5, n: 10));
        Assert.Equal(new long[] { 10, 5 }, m.Inputs.shape);
        Assert.Equal(new long[] { 10 }, m.Labels.shape);
        Assert.Equal(new long[] { 3, 5 }, m.Means.shape);
        Assert.Equal((ScalarType.Float64, ScalarType.Int64, ScalarType.Float64), (m.Inputs.dtype, m.Labels.dtype, m.Means.dtype));
        Assert.Equal((10L, 3L), (m.Count, m.ClassCount));
        Assert.Equal(new long[] { 0, 1, 2, 0, 1, 2, 0, 1, 2, 0 }, m.Labels.data<long>().ToArray());
    }

    [Fact]
    public void ShuffledLabelsHaveTheSameCountsInASeededOrder()
    {
        using var a = GaussianMixture.Draw(Config(n: 30, shuffle: true));
        using var b = GaussianMixture.Draw(Config(n: 30, shuffle: true));
        using var c = GaussianMixture.Draw(Config(n: 30, shuffle: true, seed: 8));
        using var cyclic = GaussianMixture.Draw(Config(n: 30));
        Assert.Equal(new long[] { 10, 10, 10 }, Counts(a.Labels, 3));
        Assert.True(Same(a.Labels, b.Labels) && Same(a.Inputs, b.Inputs));
        // A random permutation reproduces a given arrangement with probability 10!³/30! ≈ 2e-13.
        Assert.False(Same(a.Labels, cyclic.Labels));
        Assert.False(Same(a.Labels, c.Labels));
    }

    [Theory]
    [InlineData(4, 4)]
    [InlineData(4, 7)]
    [InlineData(10, 1001)]
    public void ClassCountsDifferByAtMostOneWithTheFirstClassesLarger(int k, int n)
    {
        foreach (bool shuffle in new[] { false, true })
        {
            using var m = GaussianMixture.Draw(Config(k: k, d: 2, n: n, shuffle: shuffle));
            var expected = Enumerable.Range(0, k).Select(c => (long)(n / k + (c < n % k ? 1 : 0))).ToArray();
            Assert.Equal(expected, Counts(m.Labels, k));
        }
    }

    [Fact]
    public void TheSeedDeterminesTheDraw()
    {
        var config = Config(n: 40, d: 6, shuffle: true);
        using var a = GaussianMixture.Draw(config);
        using var b = GaussianMixture.Draw(config);
        using var generator = new Generator(config.Seed);
        using var viaGenerator = GaussianMixture.Draw(config with { Seed = 999 }, generator);   // the config's seed is ignored
        using var other = GaussianMixture.Draw(config with { Seed = config.Seed + 1 });
        Assert.True(Same(a.Inputs, b.Inputs) && Same(a.Labels, b.Labels) && Same(a.Means, b.Means));
        Assert.True(Same(a.Inputs, viaGenerator.Inputs) && Same(a.Labels, viaGenerator.Labels) && Same(a.Means, viaGenerator.Means));
        Assert.False(Same(a.Inputs, other.Inputs));
        Assert.False(Same(a.Means, other.Means));
    }

    [Fact]
    public void Float32IsTheFloat64DrawRounded()
    {
        using var wide = GaussianMixture.Draw(Config(n: 20));
        using var narrow = GaussianMixture.Draw(Config(n: 20), ScalarType.Float32);
        Assert.Equal(ScalarType.Float32, narrow.Inputs.dtype);
        Assert.Equal(ScalarType.Float32, narrow.Means.dtype);
        Assert.Equal(wide.Inputs.data<double>().ToArray().Select(v => (float)v).ToArray(), narrow.Inputs.data<float>().ToArray());
        Assert.True(Same(wide.Labels, narrow.Labels));
    }

    /// <summary>d/s²·Σ_k‖μ_k‖² is χ² with K·d degrees of freedom (mean Kd, s.d. √(2Kd)); the residuals x_i − μ_{y_i}
    /// are n·d independent 𝒩(0, σ²) values (SE of their mean σ/√(nd), of their variance σ²√(2/(nd))). The residual
    /// check also proves each example sits around the mean of its own label.</summary>
    [Fact]
    public void MeansAndWithinClassSpreadHaveTheConfiguredScale()
    {
        using var scope = NewDisposeScope();
        int k = 20, d = 50, n = 4000;
        double s = 3, sigma = 0.5;
        using var m = GaussianMixture.Draw(Config(k: k, d: d, n: n, s: s, sigma: sigma, seed: 11));
        double chi2 = m.Means.square().sum().item<double>() * d / (s * s);
        Assert.Equal(k * d, chi2, StandardErrors * Math.Sqrt(2.0 * k * d));

        using var residual = m.Inputs - m.Means.index_select(0, m.Labels);
        double count = (double)n * d;
        Assert.Equal(0, residual.mean().item<double>(), StandardErrors * sigma / Math.Sqrt(count));
        Assert.Equal(sigma * sigma, residual.square().mean().item<double>(), StandardErrors * sigma * sigma * Math.Sqrt(2 / count));
    }

    /// <summary>Two classes at distance Δ = ‖μ₀ − μ₁‖ with isotropic noise σ: the nearest-true-mean rule is right
    /// exactly when the noise component along μ₁ − μ₀ is below Δ/2, with probability p = Φ(Δ/(2σ)). The observed
    /// accuracy over n independent examples is within 5 binomial standard errors √(p(1−p)/n) of it. A wrong
    /// separation scale, wrong σ or labels detached from the means all move the accuracy by many standard errors.</summary>
    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void TwoClassNearestMeanAccuracyIsPhiOfHalfTheDistance(ulong seed)
    {
        using var scope = NewDisposeScope();
        int n = 20000;
        double sigma = 1;
        using var m = GaussianMixture.Draw(Config(k: 2, d: 10, n: n, s: 1.5, sigma: sigma, seed: seed, shuffle: true));
        double delta = (m.Means[0] - m.Means[1]).norm().item<double>();
        using var phi = special.ndtr(tensor(delta / (2 * sigma), ScalarType.Float64));
        double p = phi.item<double>();
        double accuracy = NearestMeanAccuracy(m.Inputs, m.Labels, m.Means);
        Assert.Equal(p, accuracy, StandardErrors * Math.Sqrt(p * (1 - p) / n));
    }

    /// <summary>Many well-separated classes: an example of class y is misclassified only if it is nearer some μ_j,
    /// so by the union bound its error probability is at most Σ_{j≠y} Φ(−Δ_yj/(2σ)), and the expected error count is at
    /// most B, the sum of these over the examples. For a sum X of independent Bernoullis with mean ≤ B,
    /// P(X ≥ k) ≤ Bᵏ/k! (union over k-subsets); the test allows k − 1 errors with k the first count where that is
    /// below 1e-9. B itself must be small: Δ_yj² = 2s²·χ²₅₀/50 with s = 14, and B ≥ 0.01 needs some pair with
    /// Φ(−Δ/2) ≥ 0.01/(n(K−1)), i.e. Δ &lt; 10.1, i.e. χ²₅₀ &lt; 13 — probability below 1e-8 per pair, 45 pairs. A
    /// mean scale too small (e.g. s/d instead of s/√d) fails that check.</summary>
    [Fact]
    public void ManyWellSeparatedClassesAreClassifiedAlmostPerfectly()
    {
        using var scope = NewDisposeScope();
        int k = 10, n = 5000;
        double sigma = 1;
        using var m = GaussianMixture.Draw(Config(k: k, d: 50, n: n, s: 14, sigma: sigma, seed: 4, shuffle: true));
        using var distances = cdist(m.Means, m.Means);
        using var pairError = special.ndtr(distances.div(-2 * sigma));                    // Φ(−Δ_yj/(2σ)); diagonal Φ(0) = ½
        using var perClass = pairError.sum(1).sub_(0.5);                                   // Σ_{j≠y}
        using var perExample = perClass.index_select(0, m.Labels);
        double bound = perExample.sum().item<double>();
        Assert.True(bound < 0.01, $"union bound {bound}: the drawn means are not as separated as s = 14 implies");
        int allowed = 0;
        for (double tail = bound; tail >= 1e-9; tail *= bound / (allowed + 2)) allowed++;  // tail = B^(allowed+1)/(allowed+1)!

        double accuracy = NearestMeanAccuracy(m.Inputs, m.Labels, m.Means);
        long errors = (long)Math.Round((1 - accuracy) * n);
        Assert.True(errors <= allowed, $"{errors} errors; union bound {bound:E3} allows {allowed}");
    }

    /// <summary>Separation 0: every mean is exactly the origin, so the inputs carry no information about the labels.
    /// A nearest-mean rule fitted on the first half (empirical class means) and scored on the second half then has
    /// predictions independent of the test labels; the test labels are balanced (cyclic order), so its expected
    /// accuracy is Σ_k q_k·(1/K) = 1/K exactly whatever the prediction frequencies q_k, with standard error at most
    /// ½/√n_test.</summary>
    [Fact]
    public void ZeroSeparationLeavesOnlyChanceAccuracy()
    {
        using var scope = NewDisposeScope();
        int k = 4, n = 8000;
        using var m = GaussianMixture.Draw(Config(k: k, d: 20, n: n, s: 0, seed: 5));
        Assert.Equal(0, m.Means.abs().max().item<double>());

        int half = n / 2;
        using var empirical = EmpiricalMeans(m.Inputs.narrow(0, 0, half), m.Labels.narrow(0, 0, half), k);
        double accuracy = NearestMeanAccuracy(m.Inputs.narrow(0, half, n - half), m.Labels.narrow(0, half, n - half), empirical);
        Assert.Equal(1.0 / k, accuracy, StandardErrors * 0.5 / Math.Sqrt(n - half));

        // The same procedure with separated classes is far above chance, so the check above can tell them apart.
        // s = 6: even a pair with χ²₂₀ = 5 (probability 2e-4) has Δ = 4.2 and pairwise error Φ(−2.1) < 0.02, so the
        // accuracy exceeds 1 − 3·0.02 = 0.94 up to the 1000-per-class noise of the empirical means.
        using var separated = GaussianMixture.Draw(Config(k: k, d: 20, n: n, s: 6, seed: 5));
        using var sepMeans = EmpiricalMeans(separated.Inputs.narrow(0, 0, half), separated.Labels.narrow(0, 0, half), k);
        Assert.True(NearestMeanAccuracy(separated.Inputs.narrow(0, half, n - half), separated.Labels.narrow(0, half, n - half), sepMeans) > 0.9);
    }

    static double NearestMeanAccuracy(Tensor inputs, Tensor labels, Tensor means)
    {
        using var scope = NewDisposeScope();
        var predicted = cdist(inputs, means).argmin(1);
        return predicted.eq(labels).to_type(ScalarType.Float64).mean().item<double>();
    }

    static Tensor EmpiricalMeans(Tensor inputs, Tensor labels, int k)
    {
        using var scope = NewDisposeScope();
        var oneHot = nn.functional.one_hot(labels, k).to_type(ScalarType.Float64);     // [n, K]
        var sums = oneHot.t().matmul(inputs);
        return sums.div_(oneHot.sum(0L).unsqueeze(1)).MoveToOuterDisposeScope();
    }

    [Theory]
    [InlineData(1, 5, 10, 1.0, 1.0)]           // one class
    [InlineData(0, 5, 10, 1.0, 1.0)]
    [InlineData(3, 0, 10, 1.0, 1.0)]           // no dimensions
    [InlineData(3, 5, 2, 1.0, 1.0)]            // fewer samples than classes
    [InlineData(3, 5, -1, 1.0, 1.0)]
    [InlineData(3, 5, 10, -0.1, 1.0)]          // negative separation
    [InlineData(3, 5, 10, double.NaN, 1.0)]
    [InlineData(3, 5, 10, double.PositiveInfinity, 1.0)]
    [InlineData(3, 5, 10, 1.0, -1.0)]          // negative σ
    [InlineData(3, 5, 10, 1.0, double.NaN)]
    [InlineData(3, 1 << 20, 1 << 20, 1.0, 1.0)] // n·d beyond the guard
    public void BadConfigsAreRejectedWithOneLineMessages(int k, int d, int n, double s, double sigma)
    {
        var e = Assert.Throws<ArgumentException>(() => GaussianMixture.Draw(new GaussianMixtureConfig(k, d, n, s, sigma, 1)));
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MessagesNameTheSettingAndItsValue()
    {
        var e = Assert.Throws<ArgumentException>(() => GaussianMixture.Draw(Config(k: 5, n: 3)));
        Assert.Equal("the number of samples n must be at least the number of classes K = 5, so every class occurs; got 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => GaussianMixture.Draw(Config(), ScalarType.Int32));
        Assert.StartsWith("inputs need a floating-point dtype; got Int32", e.Message);
    }

    [Fact]
    public void ZeroWithinClassSpreadPutsEveryExampleOnItsMean()
    {
        using var m = GaussianMixture.Draw(Config(n: 12, sigma: 0));
        using var onMeans = m.Means.index_select(0, m.Labels);
        Assert.True(Same(m.Inputs, onMeans));
    }

    [Fact]
    public void DrawingLeavesNoLiveTensorsOnceDisposed()
    {
        Assert.Equal(0, LiveTensors.LeakedBy(() => { using var m = GaussianMixture.Draw(Config(n: 30)); }));
        Assert.Equal(0, LiveTensors.LeakedBy(() => { using var m = GaussianMixture.Draw(Config(n: 30, shuffle: true), ScalarType.Float32); }));
        Assert.Equal(0, LiveTensors.LeakedBy(() =>
        {
            using var g = new Generator(3);
            using var m = GaussianMixture.Draw(Config(n: 30, shuffle: true), g);
        }));
        Assert.Equal(0, LiveTensors.LeakedBy(() => Assert.Throws<ArgumentException>(() => GaussianMixture.Draw(Config(k: 1)))));
    }
}
