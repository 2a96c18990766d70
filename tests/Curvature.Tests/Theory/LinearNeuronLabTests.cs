using System.Text.Json;
using Curvature.Data;
using Curvature.Tests.Support;
using Curvature.Theory;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Theory;

/// <summary>The lab entry point: every mode reported, theory next to measurement, JSON-ready plain records.</summary>
public class LinearNeuronLabTests
{
    static readonly SyntheticGaussianConfig Biased = new(60, 240, 1.0, 1.0, 0.1, 17);

    [Fact]
    public void Run_ReportsAllFourModes_RequestedFirst_AndMirrorsItAtTheTop()
    {
        var result = LinearNeuronLab.Run(LinearLabInput.FromSynthetic(Biased), new LinearLabOptions { Preprocessing = Preprocessing.Standardize });
        Assert.Equal(["standardize", "none", "center", "whiten"], result.Preprocessing.Select(r => r.Mode).ToArray());
        Assert.Equal("standardize", result.Config.Preprocessing);
        var top = result.Preprocessing[0];
        Assert.Same(top.Eigenvalues, result.Eigenvalues);
        Assert.Equal(top.LambdaMax, result.LambdaMax);
        Assert.Same(top.Dynamics, result.Dynamics);
        Assert.Equal(60, result.Config.Inputs);
        Assert.Equal(240, result.Config.Samples);
        Assert.Equal(4.0, result.Config.Alpha);
        Assert.All(result.Preprocessing, r => Assert.Equal(60, r.Eigenvalues.Length));
    }

    [Fact]
    public void Centring_RemovesTheOutlier_ShrinksKappa_AndSpeedsUpGradientDescent()
    {
        var result = LinearNeuronLab.Run(LinearLabInput.FromSynthetic(Biased));
        var byMode = result.Preprocessing.ToDictionary(r => r.Mode);
        var raw = byMode["none"];
        var centred = byMode["center"];
        Assert.NotNull(raw.OutlierPredicted);
        Assert.NotNull(raw.OutlierPredictedFiniteP);
        Assert.Equal(raw.OutlierPredictedFiniteP!.Value, raw.LambdaMax, 0.1 * raw.LambdaMax); // N m² + v = 61, fluctuation ~ √(4Nm²v/p) ≈ 1
        Assert.Null(centred.OutlierPredicted);
        Assert.True(raw.ConditionNumber > 10 * centred.ConditionNumber);
        Assert.True(raw.Dynamics.StepsToTolerance.Predicted > 10 * centred.Dynamics.StepsToTolerance.Predicted);
        var white = byMode["whiten"];
        Assert.Equal(1.0, white.ConditionNumber, 1e-9);
        Assert.Equal(1, white.Dynamics.StepsToTolerance.Measured);
        Assert.Equal(1.0, white.MpLower);
        Assert.Equal(1.0, white.MpUpper);
        foreach (var r in result.Preprocessing)
        {
            Assert.Equal("converged", r.Dynamics.Outcome);
            Assert.True(r.Dynamics.MaxDecayDeviation <= 1e-9);
            Assert.InRange(r.Dynamics.StepsToTolerance.Measured!.Value - r.Dynamics.StepsToTolerance.Predicted!.Value, -1, 1);
            Assert.Equal(2 / r.LambdaMax, r.EtaMax);
            Assert.Equal(1 / r.LambdaMax, r.Dynamics.Eta, 15);
        }
        Assert.Equal("configured m and v", raw.MpBasis);
        Assert.Equal(MarchenkoPastur.UpperEdge(4, 1), raw.MpUpper);
    }

    [Fact]
    public void Result_SerialisesToSnakeCaseJson_WithEveryRequiredField()
    {
        var result = LinearNeuronLab.Run(LinearLabInput.FromSynthetic(Biased with { Inputs = 20, Samples = 60 }),
            new LinearLabOptions { Preprocessing = Preprocessing.Center });
        // System.Text.Json refuses NaN and ±∞ by default, so this also proves every number is finite.
        var json = JsonSerializer.Serialize(result, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        string[] required =
        [
            "config", "eigenvalues", "lambda_max", "lambda_min_nonzero", "zero_eigenvalues", "condition_number", "mp_lower",
            "mp_upper", "zero_fraction", "outlier_predicted", "outlier_predicted_finite_p", "eta_max", "eta_no_oscillation",
            "eta_best_single", "dynamics", "preprocessing",
        ];
        foreach (var name in required) Assert.True(root.TryGetProperty(name, out _), $"missing '{name}'");
        var dynamics = root.GetProperty("dynamics");
        foreach (var name in new[] { "eta", "tolerance", "steps_to_tolerance", "decay_checks", "max_decay_deviation", "loss_curve" })
            Assert.True(dynamics.TryGetProperty(name, out _), $"missing 'dynamics.{name}'");
        Assert.True(dynamics.GetProperty("steps_to_tolerance").TryGetProperty("measured", out _));
        Assert.True(dynamics.GetProperty("steps_to_tolerance").TryGetProperty("predicted", out _));
        var modes = root.GetProperty("preprocessing");
        Assert.Equal(4, modes.GetArrayLength());
        foreach (var mode in modes.EnumerateArray())
            foreach (var name in required.Except(["config", "preprocessing"]).Append("mode"))
                Assert.True(mode.TryGetProperty(name, out _), $"missing 'preprocessing[].{name}'");
        Assert.Equal("center", modes[0].GetProperty("mode").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("outlier_predicted").ValueKind); // centred: no outlier
    }

    [Fact]
    public void GivenData_UseEmpiricalMoments_ForTheMarchenkoPasturReference()
    {
        using var scope = NewDisposeScope();
        // Pixel-like data: values in [0, 1), one always-black input.
        var x = rand(300, 25, dtype: ScalarType.Float64, generator: new Generator(3));
        x[.., 0] = zeros(300, dtype: ScalarType.Float64);
        var y = x.matmul(linspace(-1, 1, 25, dtype: ScalarType.Float64));
        var result = LinearNeuronLab.Run(LinearLabInput.FromData(x.to_type(ScalarType.Float32), y, "pixels"));
        double rmsMean = x.mean([0L]).square().mean().sqrt().item<double>();
        double meanVariance = x.var(0L, unbiased: false).mean().item<double>();
        Assert.Equal("pixels", result.Config.Source);
        Assert.Null(result.Config.Seed);
        Assert.Equal(rmsMean, result.Config.Mean, 6); // the float32 copy rounds at ~1e-7
        Assert.Equal(meanVariance, result.Config.Variance, 6);
        var raw = result.Preprocessing[0];
        Assert.Equal(result.Config.Mean, raw.MpMean);
        Assert.Equal(result.Config.Variance, raw.MpVariance);
        Assert.StartsWith("empirical", raw.MpBasis);
        Assert.Equal(25 * rmsMean * rmsMean + meanVariance, raw.OutlierPredicted!.Value, 1e-5);
        // The always-black pixel is a null direction in every mode; standardising leaves it at 0 as well.
        Assert.All(result.Preprocessing, r => Assert.True(r.ZeroEigenvalues >= 1));
        var standardized = result.Preprocessing.Single(r => r.Mode == "standardize");
        Assert.Equal(24.0 / 25, standardized.MpVariance, 12); // 24 unit-variance inputs and one constant
    }

    [Fact]
    public void BadInputs_FailWithOneLineArgumentErrors()
    {
        using var scope = NewDisposeScope();
        var x = randn(20, 5, dtype: ScalarType.Float64, generator: new Generator(1));
        void Fails(Func<LinearLabInput> input, LinearLabOptions? options = null)
        {
            var error = Assert.ThrowsAny<ArgumentException>(() => LinearNeuronLab.Run(input(), options));
            Assert.DoesNotContain('\n', error.Message);
        }
        Fails(() => LinearLabInput.FromData(x, zeros(19, dtype: ScalarType.Float64), "d"));                  // count mismatch
        Fails(() => LinearLabInput.FromData(zeros(0, 5, dtype: ScalarType.Float64), zeros(0, dtype: ScalarType.Float64), "d")); // p = 0
        Fails(() => LinearLabInput.FromData(zeros(20, 0, dtype: ScalarType.Float64), zeros(20, dtype: ScalarType.Float64), "d")); // N = 0
        Fails(() => LinearLabInput.FromData(ones(20, 5, dtype: ScalarType.Float64), zeros(20, dtype: ScalarType.Float64), "d")); // constant inputs
        Fails(() => LinearLabInput.FromSynthetic(new SyntheticGaussianConfig(-5, 10, 0, 1, 0, 1)));
        Fails(() => LinearLabInput.FromSynthetic(new SyntheticGaussianConfig(5, 10, 0, 0, 0, 1)));
        var ok = LinearLabInput.FromData(x, zeros(20, dtype: ScalarType.Float64), "d");
        Fails(() => ok, new LinearLabOptions { Preprocessing = (Preprocessing)7 });
        Fails(() => ok, new LinearLabOptions { Tolerance = -1 });
        Fails(() => ok, new LinearLabOptions { MaxSteps = 0 });
        Fails(() => ok, new LinearLabOptions { Eta = -0.1 });
        Fails(() => ok, new LinearLabOptions { EtaFactor = 0 });
    }

    [Fact]
    public void Run_LeavesNoLiveTensors()
    {
        var config = Biased with { Inputs = 15, Samples = 10 };
        Assert.Equal(0, LiveTensors.LeakedBy(() => LinearNeuronLab.Run(LinearLabInput.FromSynthetic(config))));
        using var x = rand(30, 8, dtype: ScalarType.Float64, generator: new Generator(2));
        using var y = rand(30, dtype: ScalarType.Float64, generator: new Generator(3));
        Assert.Equal(0, LiveTensors.LeakedBy(() => LinearNeuronLab.Run(LinearLabInput.FromData(x, y, "d"))));
    }
}
