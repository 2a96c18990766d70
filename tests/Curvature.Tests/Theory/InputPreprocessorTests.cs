using Curvature.Data;
using Curvature.Tests.Support;
using Curvature.Theory;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Theory;

/// <summary>Each preprocessing mode checked by the property that defines it, in float64.</summary>
public class InputPreprocessorTests
{
    /// <summary>Sums of a few hundred float64 terms of size ~1: a few hundred ulps.</summary>
    const double RoundOff = 1e-12;

    /// <summary>Inputs with mean 0.5 and variance 0.2 plus one always-zero input (an always-black pixel) and one
    /// constant non-zero input: the cases Standardize must not divide by ~0.</summary>
    static Tensor PixelLikeSamples(int p, int n, ulong seed)
    {
        using var sample = SyntheticGaussian.Draw(new SyntheticGaussianConfig(n, p, 0.5, 0.2, 0.0, seed));
        var x = sample.Inputs.clone();
        x[.., 0] = zeros(p, dtype: ScalarType.Float64);
        x[.., 1] = full(p, 0.1, dtype: ScalarType.Float64); // 0.1 is inexact in binary: its mean is not exactly 0.1
        return x;
    }

    static Tensor Covariance(Tensor x) => x.T.matmul(x).div(x.shape[0]);

    [Fact]
    public void Center_ZeroesEveryInputMean()
    {
        using var scope = NewDisposeScope();
        var x = PixelLikeSamples(200, 30, 1);
        var c = InputPreprocessor.Apply(x, Preprocessing.Center);
        Assert.True(c.mean([0L]).abs().max().item<double>() < RoundOff);
        Assert.True((c - (x - x.mean([0L], keepdim: true))).abs().max().item<double>() < RoundOff);
    }

    [Fact]
    public void Standardize_GivesUnitDiagonal_AndLeavesConstantInputsAtZero()
    {
        using var scope = NewDisposeScope();
        var x = PixelLikeSamples(200, 30, 2);
        var s = InputPreprocessor.Apply(x, Preprocessing.Standardize);
        var diagonal = Covariance(s).diagonal().data<double>().ToArray();
        Assert.Equal(0.0, diagonal[0]);
        Assert.Equal(0.0, diagonal[1]);
        for (int i = 2; i < diagonal.Length; i++) Assert.Equal(1.0, diagonal[i], RoundOff);
        Assert.Equal(0.0, s[.., TensorIndex.Slice(0, 2)].abs().max().item<double>());
        Assert.True(s.mean([0L]).abs().max().item<double>() < RoundOff);
    }

    [Theory]
    [InlineData(200, 30)] // p > N: full-rank covariance (apart from the two constant inputs)
    [InlineData(20, 50)]  // p < N: covariance of rank p − 1
    public void Whiten_MakesTheCovarianceAProjector_WithNullDirectionsAtZero(int p, int n)
    {
        using var scope = NewDisposeScope();
        var x = PixelLikeSamples(p, n, 3);
        var w = InputPreprocessor.Apply(x, Preprocessing.Whiten);
        var r = Covariance(w);
        var eigenvalues = linalg.eigvalsh(r).data<double>().ToArray();
        int expectedRank = Math.Min(n - 2, p - 1); // two constant inputs; centring removes one sample dimension
        Assert.Equal(expectedRank, eigenvalues.Count(l => Math.Abs(l - 1) < 1e-9));
        Assert.Equal(n - expectedRank, eigenvalues.Count(l => Math.Abs(l) < 1e-9));
        Assert.True((r.matmul(r) - r).abs().max().item<double>() < 1e-9); // idempotent
        // Whitening keeps every sample inside the span of the centred data: w = Xc·M for some M.
        var centred = x - x.mean([0L], keepdim: true);
        var projector = linalg.pinv(centred).matmul(centred);
        Assert.True((w.matmul(projector) - w).abs().max().item<double>() < 1e-9);
    }

    [Fact]
    public void None_IsAFloat64Copy_AndTheArgumentIsUntouched()
    {
        using var scope = NewDisposeScope();
        var x = randn(10, 4, dtype: ScalarType.Float32, generator: new Generator(4));
        var before = x.clone();
        var copy = InputPreprocessor.Apply(x, Preprocessing.None);
        Assert.Equal(ScalarType.Float64, copy.dtype);
        Assert.True(copy.to_type(ScalarType.Float32).eq(x).all().item<bool>());
        foreach (var mode in PreprocessingNames.All) InputPreprocessor.Apply(x, mode);
        Assert.True(x.eq(before).all().item<bool>());
    }

    [Fact]
    public void Names_RoundTrip_AndUnknownNamesAreRejected()
    {
        foreach (var mode in PreprocessingNames.All) Assert.Equal(mode, PreprocessingNames.Parse(mode.ToName()));
        Assert.Equal(Preprocessing.Whiten, PreprocessingNames.Parse(" Whiten "));
        var error = Assert.Throws<ArgumentException>(() => PreprocessingNames.Parse("normalise"));
        Assert.Contains("normalise", error.Message);
        Assert.Contains("standardize", error.Message);
        Assert.Throws<ArgumentException>(() => ((Preprocessing)17).ToName());
    }

    [Fact]
    public void BadSamples_AreRejectedBeforeAnyNativeCall()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => InputPreprocessor.Apply(zeros(5, dtype: ScalarType.Float64), Preprocessing.Center));
        Assert.Throws<ArgumentException>(() => InputPreprocessor.Apply(zeros(0, 3, dtype: ScalarType.Float64), Preprocessing.Center));
        Assert.Throws<ArgumentException>(() => InputPreprocessor.Apply(zeros(3, 0, dtype: ScalarType.Float64), Preprocessing.Center));
        Assert.Throws<ArgumentException>(() => InputPreprocessor.Apply(zeros(3, 2, dtype: ScalarType.Int32), Preprocessing.Center));
        Assert.Throws<ArgumentException>(() => InputPreprocessor.Apply(full(3, 2, double.NaN, dtype: ScalarType.Float64), Preprocessing.Center));
        Assert.Throws<ArgumentException>(() => InputPreprocessor.Apply(zeros(3, 2, dtype: ScalarType.Float64), (Preprocessing)9));
    }

    [Fact]
    public void Apply_LeavesNoLiveTensors()
    {
        using var x = PixelLikeSamples(40, 12, 5);
        foreach (var mode in PreprocessingNames.All)
            Assert.Equal(0, LiveTensors.LeakedBy(() => InputPreprocessor.Apply(x, mode).Dispose()));
    }
}
