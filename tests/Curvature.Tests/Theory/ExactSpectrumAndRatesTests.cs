using Curvature.Data;
using Curvature.Operators;
using Curvature.Tests.Support;
using Curvature.Theory;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Theory;

/// <summary>The exact spectrum record and the learning rates, against planted spectra with known eigenvalues.</summary>
public class ExactSpectrumAndRatesTests
{
    /// <summary>Dense float64 eigensolver on a 6×6 matrix of norm ~10: errors ~n·ε·‖A‖ ≈ 1e-14; 1e-12 leaves margin.</summary>
    const double Eigensolver = 1e-12;

    [Fact]
    public void Spectrum_OfAPlantedOperator_HasTheKnownFigures()
    {
        double[] planted = [10, 4, 2.5, 1, 0, 0];
        using var matrix = PlantedSpectrum.Matrix(planted, seed: 3);
        using var op = new DenseOperator(matrix);
        var s = ExactSpectrum.OfOperator(op);
        Assert.Equal(6, s.Size);
        for (int i = 0; i < planted.Length; i++) Assert.Equal(planted[i], s.Eigenvalues[i], Eigensolver);
        Assert.Equal(10, s.LambdaMax, Eigensolver);
        Assert.Equal(1, s.LambdaMinNonzero, Eigensolver);
        Assert.Equal(2, s.ZeroEigenvalues);
        Assert.Equal(10, s.ConditionNumber, 1e-11);
        Assert.Contains("dense", s.Method);
    }

    [Fact]
    public void LearningRates_FollowTheirFormulas()
    {
        double[] planted = [8, 4, 2, 0.5, 0];
        using var matrix = PlantedSpectrum.Matrix(planted, seed: 4);
        using var op = new DenseOperator(matrix);
        var rates = LearningRates.FromSpectrum(ExactSpectrum.OfOperator(op));
        Assert.Equal(2.0 / 8, rates.EtaMax, Eigensolver);
        Assert.Equal(1.0 / 8, rates.EtaNoOscillation, Eigensolver);
        Assert.Equal(2.0 / 8.5, rates.EtaBestSingle, Eigensolver);
        double[] newton = [1.0 / 8, 1.0 / 4, 1.0 / 2, 2.0, 0.0];
        for (int i = 0; i < newton.Length; i++) Assert.Equal(newton[i], rates.NewtonRates[i], 1e-10);
        // The best single rate equalises the decay factors at both ends: |1 − ηλmax| = |1 − ηλmin| = (κ−1)/(κ+1).
        double k = 16;
        Assert.Equal((k - 1) / (k + 1), Math.Abs(1 - rates.EtaBestSingle * 8), 1e-10);
        Assert.Equal((k - 1) / (k + 1), Math.Abs(1 - rates.EtaBestSingle * 0.5), 1e-10);
    }

    [Fact]
    public void FromEigenvalues_SortsDescending_AndSupportsAPartialSpectrumFromAnEstimator()
    {
        var s = CovarianceSpectrum.FromEigenvalues([1.0, 5.0, 3.0], "lanczos k=3", size: 100);
        Assert.Equal([5.0, 3.0, 1.0], s.Eigenvalues);
        Assert.Equal(100, s.Size);
        Assert.Equal(5.0, s.ConditionNumber);
        Assert.Equal("lanczos k=3", s.Method);
    }

    [Fact]
    public void BadSpectra_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => CovarianceSpectrum.FromEigenvalues([0.0, 0.0], "x"));
        Assert.Throws<ArgumentException>(() => CovarianceSpectrum.FromEigenvalues([2.0, -1.0], "x"));
        Assert.Throws<ArgumentException>(() => CovarianceSpectrum.FromEigenvalues([2.0, double.NaN], "x"));
        Assert.Throws<ArgumentException>(() => CovarianceSpectrum.FromEigenvalues([], "x"));
        Assert.Throws<ArgumentException>(() => CovarianceSpectrum.FromEigenvalues([1.0, 2.0], "x", size: 1));
        using var zero = zeros(4, 3, dtype: ScalarType.Float64);
        var error = Assert.Throws<ArgumentException>(() => ExactSpectrum.Compute(zero));
        Assert.Contains("zero", error.Message);
    }

    [Fact]
    public void Compute_LeavesNoLiveTensors_InBothPaths()
    {
        using var tall = SyntheticGaussian.Draw(new SyntheticGaussianConfig(20, 60, 0.2, 1, 0, 1));
        using var wide = SyntheticGaussian.Draw(new SyntheticGaussianConfig(60, 20, 0.2, 1, 0, 2));
        Assert.Equal(0, LiveTensors.LeakedBy(() => ExactSpectrum.Compute(tall.Inputs)));
        Assert.Equal(0, LiveTensors.LeakedBy(() => ExactSpectrum.Compute(wide.Inputs)));
        using var op = new CovarianceOperator(wide.Inputs);
        Assert.Equal(0, LiveTensors.LeakedBy(() => ExactSpectrum.OfOperator(op)));
    }
}
