using Curvature.Analysis;
using Curvature.Operators;
using Curvature.Tests.Estimators;
using Curvature.Tests.Operators.Network;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Study;

/// <summary>
/// The trace the study records at every checkpoint: <see cref="CurvatureProbe"/> without the density estimates tr(H) by
/// Hutch++ (Meyer et al. 2021) with <see cref="CurvatureProbeOptions.TraceProducts"/> products. Tested statistically
/// against the exact float64 trace of a tiny BatchNorm network's Hessian: over many seeds the z-scores
/// (estimate − exact)/stderr must be centred on 0 (unbiased) and have RMS of order 1 (an honest standard error).
/// </summary>
public sealed class CheckpointTraceTests
{
    /// <summary>Seeds: 60 z-scores put the mean's band at ±4·sd/√60 ≈ ±0.6 and resolve the RMS to about ±0.15.</summary>
    const int Seeds = 60;

    /// <summary>The band for the RMS of the z-scores. With 10 residual probes (30 products: 10 for S, 10 for Q, 10
    /// left) each z is close to Student's t with 9 degrees of freedom, RMS √(9/7) ≈ 1.13; an SE wrong by a factor 2
    /// either way falls outside.</summary>
    const double RmsLow = 0.5, RmsHigh = 2.0;

    /// <summary>Float64 round-off of the sum of 47 eigenvalues against the diagonal sum of the same matrix.</summary>
    const double TraceRoundOff = 1e-12;

    [Fact]
    public void HutchPlusPlusTraceIsUnbiasedWithAnHonestStandardError()
    {
        using var scope = NewDisposeScope();
        var model = TinyNetworks.Mlp(5, 4, 3, batchNorm: true, seed: 21);   // 5·4+4 + 2·4 + 4·3+3 = 47 parameters
        using var data = TinyNetworks.Classification(30, [5], 3, seed: 22);   // one batch: a third of the passes per product
        using var h = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        Assert.Equal(47, h.Size);
        double exact = MonteCarlo.Trace(h.ToDense());

        var options = new CurvatureProbeOptions(TopK: 1, Density: false, Trace: true, TraceProducts: 30);
        var z = new double[Seeds];
        for (int s = 0; s < Seeds; s++)
        {
            using var generator = new Generator((ulong)(1000 + s));
            // The first run also materialises the Hessian: its ExactTrace and z-score are the ones computed here.
            var report = CurvatureProbe.Run(h, "hessian", s == 0 ? options with { Exact = true } : options, generator);
            Assert.Equal("Hutch++ (30 products)", report.TraceMethod);
            Assert.True(double.IsFinite(report.Trace) && report.TraceStderr > 0, $"seed {s}: trace {report.Trace} ± {report.TraceStderr}");
            z[s] = (report.Trace - exact) / report.TraceStderr;
            if (s == 0)
            {
                Assert.True(Math.Abs(report.Exact!.ExactTrace - exact) <= TraceRoundOff * Math.Abs(exact), $"exact trace {report.Exact.ExactTrace:R} vs {exact:R}");
                Assert.Equal(z[0], report.Exact.TraceErrorInStderrs, 10);
            }
        }
        double mean = z.Average();
        double sd = Math.Sqrt(z.Sum(v => (v - mean) * (v - mean)) / (Seeds - 1));
        double rms = Math.Sqrt(z.Average(v => v * v));
        Assert.True(Math.Abs(mean) <= MonteCarlo.Z * sd / Math.Sqrt(Seeds), $"mean z-score {mean:F3} (sd {sd:F3}) over {Seeds} seeds: biased trace");
        Assert.InRange(rms, RmsLow, RmsHigh);
    }

    [Fact]
    public void HutchPlusPlusProbeLeavesNoTensors()
    {
        var model = TinyNetworks.Mlp(5, 4, 3, batchNorm: true, seed: 23);
        using var data = TinyNetworks.Classification(30, [5], 3, seed: 24, batchSize: 10);
        using var h = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        using var generator = new Generator(25);
        var options = new CurvatureProbeOptions(TopK: 2, Density: false, Trace: true, TraceProducts: 12);
        Assert.Equal(0, LiveTensors.LeakedBy(() => CurvatureProbe.Run(h, "hessian", options, generator)));
    }

    [Fact]
    public void TooSmallABudgetIsRefused()
    {
        var model = TinyNetworks.Mlp(3, 2, 2, batchNorm: false, seed: 26);
        using var data = TinyNetworks.Classification(8, [3], 2, seed: 27);
        using var h = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Eval);
        using var generator = new Generator(28);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            CurvatureProbe.Run(h, "hessian", new CurvatureProbeOptions(TopK: 1, Density: false, Trace: true, TraceProducts: 3), generator));
        Assert.Contains("at least 4 products; got 3", e.Message);
        // With the density the trace comes from SLQ and the Hutch++ budget is irrelevant.
        CurvatureProbe.Run(h, "hessian", new CurvatureProbeOptions(TopK: 1, Density: true, LanczosSteps: 4, Probes: 2, TraceProducts: 3), generator);
    }
}
