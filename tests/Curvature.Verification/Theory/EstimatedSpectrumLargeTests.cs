using Curvature.Data;
using Curvature.Theory;
using static TorchSharp.torch;

namespace Curvature.Verification.Theory;

/// <summary>
/// The estimator path of the linear-neuron lab at sizes where the Marchenko–Pastur soft lower edge makes Lanczos
/// work (eigenvalue spacing ∝ N^{−2/3}), against the dense float64 spectrum of the same data. About a minute
/// per case on two cores. (The lab's own large example, N = 6000 and p = 8000, took 42 minutes, mostly 20 000
/// GD steps of the uncentred mode at 53 ms each; it is not run here.)
/// </summary>
public class EstimatedSpectrumLargeTests
{
    /// <summary>1e-8 relative, the level for top-k with full reorthogonalization.</summary>
    const double EigenvalueRelative = 1e-8;

    /// <summary>SLQ trace within 4 standard errors (10 probes: t₉, P(|t| &gt; 4) ≈ 3e-3).</summary>
    const double TraceStandardErrors = 4.0;

    [Theory]
    [InlineData(2000, 3000, 11UL)] // R side: no zeros (centring costs one rank only when p ≤ N)
    [InlineData(3000, 2000, 12UL)] // Gram side: N − p + 1 zeros after centring
    public void CentredSpectrum_MatchesTheDenseOne(int n, int p, ulong seed)
    {
        using var sample = SyntheticGaussian.Draw(new SyntheticGaussianConfig(n, p, 0.5, 1.0, 0.1, seed));
        using var x = InputPreprocessor.Apply(sample.Inputs, Preprocessing.Center);
        var exact = ExactSpectrum.Compute(x);
        using var generator = new Generator(LinearNeuronLab.EstimatorSeed(seed, Preprocessing.Center));
        var estimated = EstimatedSpectrum.Compute(x, centred: true, new SpectrumEstimatorOptions(), generator);
        var est = estimated.Estimates!;
        Assert.True(est.AllConverged, estimated.Method);
        Assert.Equal(exact.LambdaMax, estimated.LambdaMax, EigenvalueRelative * exact.LambdaMax);
        Assert.Equal(exact.LambdaMinNonzero, estimated.LambdaMinNonzero, EigenvalueRelative * exact.LambdaMinNonzero);
        Assert.Equal(exact.ZeroEigenvalues, estimated.ZeroEigenvalues);
        Assert.Equal(Math.Max(0, n - p + 1), estimated.ZeroEigenvalues);
        Assert.True(Math.Abs(est.SlqTrace - est.ExactTrace) <= TraceStandardErrors * est.SlqTraceStandardError,
                    $"SLQ trace {est.SlqTrace} ± {est.SlqTraceStandardError} vs exact {est.ExactTrace}");
    }
}
