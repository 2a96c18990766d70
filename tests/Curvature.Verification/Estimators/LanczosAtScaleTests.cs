using Curvature.Estimators;
using Curvature.Operators;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Verification.Estimators;

/// <summary>Lanczos and SLQ on larger planted spectra than the fast suite can afford, against dense float64
/// eigendecompositions.</summary>
public sealed class LanczosAtScaleTests
{
    /// <summary>A Hessian-like spectrum at n = 2000: a Marchenko–Pastur-shaped bulk (squares of Gaussians
    /// scaled into [0, 1]), 10 outliers from 3 to 40 like the classes − 1 outliers of a trained net, and a few
    /// negative eigenvalues.</summary>
    static double[] Spectrum()
    {
        var rng = new Random(2019);
        var values = new double[2000];
        for (int i = 0; i < values.Length; i++) { double g = rng.NextDouble() * 2 - 1; values[i] = g * g; }
        for (int i = 0; i < 10; i++) values[i] = 3.0 + 37.0 * i / 9.0;
        for (int i = 10; i < 15; i++) values[i] = -0.5 - 0.1 * i;
        return values;
    }

    [Fact]
    public void TopTenOfAHessianLikeSpectrumToTenDigits()
    {
        var spectrum = Spectrum();
        using var m = PlantedSpectrum.Matrix(spectrum, 7);
        using var a = new DenseOperator(m);
        using var gen = new Generator(1);
        using var pairs = TopEigenpairs.Compute(a, 10, EigenvalueOrder.LargestAlgebraic, gen, relativeTolerance: 1e-10);
        var expected = spectrum.OrderByDescending(x => x).Take(10).ToArray();
        Assert.True(pairs.AllConverged);
        for (int i = 0; i < 10; i++)
            Assert.True(Math.Abs(pairs.Values[i] - expected[i]) <= 1e-10 * 40, $"λ_{i}: {pairs.Values[i]} vs {expected[i]}");
        // Well-separated outliers need few products: the STUDY-NOTES report ~40 for the top 10 of a real Hessian.
        Assert.True(pairs.Products < 200, $"{pairs.Products} products");
    }

    [Fact]
    public void SelectiveAndFullReorthogonalizationAgreeOnTheTopEigenvalues()
    {
        var spectrum = Spectrum();
        using var m = PlantedSpectrum.Matrix(spectrum, 8);
        using var a = new DenseOperator(m);
        using var g1 = new Generator(2);
        using var full = Lanczos.Run(a, new LanczosOptions(120), g1);
        using var g2 = new Generator(2);
        using var selective = Lanczos.Run(a, new LanczosOptions(120, Reorthogonalization.Selective), g2);
        var top = spectrum.OrderByDescending(x => x).Take(10).ToArray();
        foreach (var lambda in top)
        {
            Assert.Contains(full.RitzValues, x => Math.Abs(x - lambda) < 1e-9 * 40);
            Assert.Contains(selective.RitzValues, x => Math.Abs(x - lambda) < 1e-9 * 40);
        }
        Assert.True(selective.Reorthogonalizations < selective.Steps / 2, $"{selective.Reorthogonalizations} of {selective.Steps} steps reorthogonalized");
    }

    [Fact]
    public void SlqTraceCoverageOverManyRuns()
    {
        // 200 independent SLQ runs of 10 probes: the fraction within 2 SE is ≈ 92 % (t with 9 d.o.f.); the 3σ
        // binomial band √(0.08·0.92/200)·3 ≈ 0.058 accepts [0.86, 0.98].
        var spectrum = Spectrum();
        using var m = PlantedSpectrum.Matrix(spectrum, 9);
        using var a = new DenseOperator(m);
        using var gen = new Generator(3);
        double exact = spectrum.Sum();
        int covered = 0, runs = 200;
        for (int r = 0; r < runs; r++)
        {
            var slq = StochasticLanczosQuadrature.Run(a, new SlqOptions(Probes: 10, Steps: 5), gen);
            if (Math.Abs(slq.Trace.Estimate - exact) <= 2 * slq.Trace.StandardError) covered++;
        }
        Assert.InRange(covered / (double)runs, 0.86, 0.98);
    }
}
