using System.Text.Json;
using Curvature.Data;
using Curvature.Estimators;
using Curvature.Reporting.Linear;
using Curvature.Tests.Support;
using Curvature.Theory;
using static TorchSharp.torch;

namespace Curvature.Tests.Theory;

/// <summary>
/// The lab's estimator path, forced on small problems by lowering the dense limit, against the dense path on
/// the same data: Lanczos extremes against eigvalsh, the structural zero count against the counted zeros,
/// SLQ's trace against the exact trace (statistically), gradient descent through X against the modal run.
/// </summary>
public class LinearLabEstimatorPathTests
{
    /// <summary>Forces the estimator path for every size used here (min(p, N) ≥ 60).</summary>
    const int ForcedDenseLimit = 50;

    /// <summary>λmax and λmin(non-zero) to 1e-8 relative, the acceptance level of the issue for top-k with full
    /// reorthogonalization; the residual tolerance 1e-8·‖R‖ gives ~1e-16·κ²/(gap/λ) ≲ 1e-10 here through the
    /// Kato–Temple bound (κ ≲ 500, relative gaps ≳ 1e-2 at these sizes).</summary>
    const double EigenvalueRelative = 1e-8;

    /// <summary>SLQ's trace within 4 standard errors: with 30 probes the studentised error is close to normal
    /// (t with 29 degrees of freedom: P(|t| &gt; 4) ≈ 4e-4 per mode).</summary>
    const double TraceStandardErrors = 4.0;

    static readonly SpectrumEstimatorOptions Estimators = new() { Slq = new SlqOptions(Probes: 30, Steps: 10) };

    static LinearLabOptions Forced(Preprocessing mode = Preprocessing.None) =>
        new() { Preprocessing = mode, MaxDenseDimension = ForcedDenseLimit, Estimators = Estimators };

    [Theory]
    [InlineData(60, 90, 0.5, 5UL)]  // p > N: no zeros before centring, one after
    [InlineData(90, 60, 0.5, 6UL)]  // p < N: N − p zeros, N − p + 1 after centring
    public void EstimatorPath_MatchesTheDensePath_OnTheSameData(int n, int p, double mean, ulong seed)
    {
        var config = new SyntheticGaussianConfig(n, p, mean, 1.0, 0.1, seed);
        var result = LinearNeuronLab.Run(LinearLabInput.FromSynthetic(config), Forced());
        Assert.Equal("estimators", result.Config.SpectrumPath);
        Assert.Equal(["none", "center", "standardize"], result.Preprocessing.Select(r => r.Mode).ToArray());
        Assert.Equal("whiten", Assert.Single(result.OmittedModes).Mode);

        using var sample = SyntheticGaussian.Draw(config);
        foreach (var r in result.Preprocessing)
        {
            using var processed = InputPreprocessor.Apply(sample.Inputs, PreprocessingNames.Parse(r.Mode));
            var exact = ExactSpectrum.Compute(processed);
            Assert.True(r.EigenvaluesPartial);
            Assert.StartsWith("estimated", r.SpectrumMethod);
            Assert.Equal(exact.LambdaMax, r.LambdaMax, EigenvalueRelative * exact.LambdaMax);
            Assert.Equal(exact.LambdaMinNonzero, r.LambdaMinNonzero, EigenvalueRelative * exact.LambdaMinNonzero);
            Assert.Equal(exact.ZeroEigenvalues, r.ZeroEigenvalues);
            Assert.Equal(exact.ConditionNumber, r.ConditionNumber, 3 * EigenvalueRelative * exact.ConditionNumber);

            var est = r.SpectrumEstimates!;
            Assert.True(est.AllConverged);
            Assert.Equal(exact.Eigenvalues.Take(est.Largest.Length).ToArray(), est.Largest,
                         (a, b) => Math.Abs(a - b) <= EigenvalueRelative * exact.LambdaMax);
            Assert.Equal(exact.Eigenvalues.Sum(), est.ExactTrace, 1e-12 * est.ExactTrace);
            Assert.True(Math.Abs(est.SlqTrace - est.ExactTrace) <= TraceStandardErrors * est.SlqTraceStandardError,
                        $"{r.Mode}: SLQ trace {est.SlqTrace} ± {est.SlqTraceStandardError} vs exact {est.ExactTrace}");
            Assert.Equal(est.DensityGrid.Length, est.Density.Length);
            var integral = Enumerable.Range(1, est.DensityGrid.Length - 1)
                .Sum(g => 0.5 * (est.Density[g] + est.Density[g - 1]) * (est.DensityGrid[g] - est.DensityGrid[g - 1]));
            Assert.Equal(1.0, integral, 1e-3); // the grid covers every node plus 3σ

            // Same data, same η: the dense modal run reaches the tolerance at the same step.
            var dense = GradientDescentDynamics.Run(processed, sample.Targets, new GradientDescentOptions { Eta = r.Dynamics.Eta });
            var d = r.Dynamics;
            Assert.Equal("converged", d.Outcome);
            Assert.Equal(dense.StepsToTolerance.Measured, d.StepsToTolerance.Measured);
            Assert.Equal(dense.InitialExcessLoss, d.InitialExcessLoss, 1e-10 * dense.InitialExcessLoss);
            Assert.True(d.StepsToTolerance.Measured <= d.StepsToTolerance.Predicted, "the slowest-mode bound is an upper bound");
            Assert.True(d.MinimumLossErrorBound <= MatrixFreeGradientDescent.MinimumLossRelative * d.Tolerance);
            Assert.Empty(d.DecayChecks);
            Assert.Empty(d.ModeTraces);
            Assert.Null(d.MaxDecayDeviation);
            Assert.NotNull(d.PerModeCheckOmitted);
            Assert.Equal(dense.SlowestTimeConstant!.Value, d.SlowestTimeConstant!.Value, 1e-7 * dense.SlowestTimeConstant.Value);
        }
    }

    [Fact]
    public void EstimatorPath_LossCurveFollowsTheDenseRunStepByStep()
    {
        var config = new SyntheticGaussianConfig(60, 80, 0.0, 1.0, 0.1, 9);
        var result = LinearNeuronLab.Run(LinearLabInput.FromSynthetic(config), Forced(Preprocessing.Center));
        var r = result.Preprocessing[0];
        using var sample = SyntheticGaussian.Draw(config);
        using var processed = InputPreprocessor.Apply(sample.Inputs, Preprocessing.Center);
        var dense = GradientDescentDynamics.Run(processed, sample.Targets, new GradientDescentOptions { Eta = r.Dynamics.Eta });
        Assert.Equal(dense.LossCurve.Length, r.Dynamics.LossCurve.Length);
        // (1/2p)‖Xw − y‖² − E(ŵ) carries round-off of ~ε·E(w) against the dense ½eᵀRe: 1e-9 of the start is ample.
        for (int k = 0; k < dense.LossCurve.Length; k++)
            Assert.Equal(dense.LossCurve[k], r.Dynamics.LossCurve[k], 1e-9 * dense.InitialExcessLoss);
        for (int k = 0; k < dense.LossCurve.Length; k++)
            Assert.True(r.Dynamics.LossCurve[k] <= r.Dynamics.PredictedLossCurve[k] * (1 + 1e-9) + 1e-12 * dense.InitialExcessLoss);
    }

    [Fact]
    public void EstimatorPath_DivergesAboveTwoOverLambdaMax_AndConvergesBelow()
    {
        var config = new SyntheticGaussianConfig(60, 120, 0.0, 1.0, 0.1, 4);
        var above = LinearNeuronLab.Run(LinearLabInput.FromSynthetic(config), Forced(Preprocessing.Center) with { EtaFactor = 2.02 });
        Assert.Equal("diverged", above.Dynamics.Outcome);
        Assert.True(above.Dynamics.PredictedDivergent);
        Assert.Null(above.Dynamics.StepsToTolerance.Predicted);
        var below = LinearNeuronLab.Run(LinearLabInput.FromSynthetic(config), Forced(Preprocessing.Center) with { EtaFactor = 1.98 });
        Assert.Equal("converged", below.Dynamics.Outcome);
    }

    [Fact]
    public void EstimatorPath_SerialisesWithEveryRequiredField_AndSaysWhatItDid()
    {
        var config = new SyntheticGaussianConfig(60, 70, 1.0, 1.0, 0.1, 3);
        var result = LinearNeuronLab.Run(LinearLabInput.FromSynthetic(config), Forced(Preprocessing.Center));
        var json = JsonSerializer.Serialize(result, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        string[] required =
        [
            "config", "eigenvalues", "lambda_max", "lambda_min_nonzero", "zero_eigenvalues", "condition_number", "mp_lower",
            "mp_upper", "zero_fraction", "outlier_predicted", "outlier_predicted_finite_p", "eta_max", "eta_no_oscillation",
            "eta_best_single", "dynamics", "preprocessing", "eigenvalues_partial", "spectrum_estimates", "omitted_modes",
        ];
        foreach (var name in required) Assert.True(root.TryGetProperty(name, out _), $"missing '{name}'");
        Assert.True(root.GetProperty("eigenvalues_partial").GetBoolean());
        Assert.Equal("estimators", root.GetProperty("config").GetProperty("spectrum_path").GetString());
        Assert.Equal(3UL, root.GetProperty("config").GetProperty("estimator_seed").GetUInt64());
        var estimates = root.GetProperty("spectrum_estimates");
        foreach (var name in new[] { "largest", "smallest", "exact_trace", "slq_trace", "slq_trace_standard_error", "density_grid", "density", "density_smoothing", "zero_count_basis" })
            Assert.True(estimates.TryGetProperty(name, out _), $"missing 'spectrum_estimates.{name}'");
        var dynamics = root.GetProperty("dynamics");
        Assert.Equal(0, dynamics.GetProperty("decay_checks").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, dynamics.GetProperty("max_decay_deviation").ValueKind);
        foreach (var name in new[] { "measurement", "prediction", "per_mode_check_omitted", "minimum_loss_error_bound", "steps_to_tolerance", "loss_curve" })
            Assert.True(dynamics.TryGetProperty(name, out _), $"missing 'dynamics.{name}'");
        Assert.Equal(3, root.GetProperty("preprocessing").GetArrayLength());
        Assert.Equal(10 + 10, result.Eigenvalues.Length); // k largest and k smallest, descending
        Assert.True(result.Eigenvalues.Zip(result.Eigenvalues.Skip(1)).All(t => t.First >= t.Second));

        // Figures: the SLQ density per mode instead of a histogram, the loss curves, no per-mode decay figure.
        var figures = LinearLabFigures.Build(result);
        Assert.Equal(["spectrum-center", "spectrum-none", "spectrum-standardize", "gd-loss"], figures.Select(f => f.Name).ToArray());
        Assert.All(figures, f => Assert.True(f.Png.Length > 0 && f.Svg.Length > 0));
        Assert.Contains("stochastic Lanczos quadrature", figures[0].Caption);
        Assert.Contains("SLQ density", figures[0].Svg);
    }

    [Fact]
    public void DensePath_IsUnchanged_AndSaysSo()
    {
        var result = LinearNeuronLab.Run(LinearLabInput.FromSynthetic(new SyntheticGaussianConfig(40, 60, 0.5, 1.0, 0.1, 2)));
        Assert.Equal("dense", result.Config.SpectrumPath);
        Assert.Null(result.Config.EstimatorSeed);
        Assert.Empty(result.OmittedModes);
        Assert.All(result.Preprocessing, r => Assert.False(r.EigenvaluesPartial));
        Assert.All(result.Preprocessing, r => Assert.Null(r.SpectrumEstimates));
        Assert.All(result.Preprocessing, r => Assert.Null(r.Dynamics.PerModeCheckOmitted));
        Assert.Equal(GradientDescentResult.ModalPrediction, result.Dynamics.Prediction);
    }

    [Fact]
    public void WhiteningAboveTheDenseLimit_IsRefusedWithOneLine()
    {
        var input = LinearLabInput.FromSynthetic(new SyntheticGaussianConfig(60, 70, 0.0, 1.0, 0.1, 1));
        var error = Assert.Throws<ArgumentException>(() => LinearNeuronLab.Run(input, Forced(Preprocessing.Whiten)));
        Assert.Contains("whitening", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.ThrowsAny<ArgumentException>(() => LinearNeuronLab.Run(input, Forced() with { MaxDenseDimension = 0 }));
        Assert.ThrowsAny<ArgumentException>(() => LinearNeuronLab.Run(input, Forced() with { MaxDenseDimension = ExactSpectrum.MaxDenseDimension + 1 }));
        Assert.ThrowsAny<ArgumentException>(() => LinearNeuronLab.Run(input, Forced() with { Estimators = Estimators with { ExtremeCount = 0 } }));
    }

    [Fact]
    public void EstimatorPath_IsReproducibleFromItsSeed()
    {
        var input = LinearLabInput.FromSynthetic(new SyntheticGaussianConfig(60, 70, 0.0, 1.0, 0.1, 1));
        var options = Forced() with { Estimators = Estimators with { Seed = 42 } };
        var a = LinearNeuronLab.Run(input, options);
        var b = LinearNeuronLab.Run(input, options);
        Assert.Equal(42UL, a.Config.EstimatorSeed);
        Assert.Equal(a.SpectrumEstimates!.SlqTrace, b.SpectrumEstimates!.SlqTrace);
        Assert.Equal(a.Eigenvalues, b.Eigenvalues);
    }

    [Fact]
    public void EstimatedSpectrum_CountsNullColumns_AndLeavesNoLiveTensors()
    {
        using var scope = NewDisposeScope();
        var x = randn(80, 60, dtype: ScalarType.Float64, generator: new Generator(8));
        x[.., 0] = zeros(80, dtype: ScalarType.Float64);
        x[.., 1] = zeros(80, dtype: ScalarType.Float64);
        using var generator = new Generator(1);
        var spectrum = EstimatedSpectrum.Compute(x, centred: false, Estimators, generator);
        var exact = ExactSpectrum.Compute(x);
        Assert.Equal(2, exact.ZeroEigenvalues);
        Assert.Equal(exact.ZeroEigenvalues, spectrum.ZeroEigenvalues);
        Assert.Equal(exact.LambdaMinNonzero, spectrum.LambdaMinNonzero, EigenvalueRelative * exact.LambdaMinNonzero);

        Assert.Equal(0, LiveTensors.LeakedBy(() => EstimatedSpectrum.Compute(x, centred: false, Estimators, generator)));
        var config = new SyntheticGaussianConfig(60, 55, 0.5, 1.0, 0.1, 2);
        Assert.Equal(0, LiveTensors.LeakedBy(() => LinearNeuronLab.Run(LinearLabInput.FromSynthetic(config), Forced())));
    }
}

/// <summary>The estimator seed never replays the data's stream: probes drawn from the data's own seed would
/// correlate with the data and bias SLQ (measured: 20 standard errors at N = 2000).</summary>
public class EstimatorSeedTests
{
    [Fact]
    public void DerivedSeeds_DifferFromTheDataSeed_AndBetweenModes()
    {
        for (ulong seed = 0; seed < 1000; seed++)
        {
            var seeds = PreprocessingNames.All.Select(m => LinearNeuronLab.EstimatorSeed(seed, m)).ToArray();
            Assert.DoesNotContain(seed, seeds);
            Assert.Equal(seeds.Length, seeds.Distinct().Count());
        }
    }
}
