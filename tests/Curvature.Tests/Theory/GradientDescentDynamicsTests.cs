using Curvature.Data;
using Curvature.Tests.Support;
using Curvature.Theory;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Theory;

/// <summary>Gradient descent on the linear neuron against its exact modal solution c_j(k) = (1 − ηλ_j)^k c_j(0).</summary>
public class GradientDescentDynamicsTests
{
    /// <summary>The acceptance bound: float64 GD accumulates ~k·ε of round-off relative to ‖c(0)‖ (the iteration
    /// matrix I − ηR is a contraction), ~1e-13 after a few thousand steps; the issue asks for ≤ 1e-9.</summary>
    const double DecayTolerance = 1e-9;

    static SyntheticSample Draw(int n, int p, double mean, ulong seed) =>
        SyntheticGaussian.Draw(new SyntheticGaussianConfig(n, p, mean, 1.0, 0.2, seed));

    [Theory]
    [InlineData(40, 160, 0.5, 1.0)]  // p ≥ N: gradient through R; η = 1/λmax, no mode oscillates
    [InlineData(40, 160, 0.5, 1.7)]  // η = 1.7/λmax: the top modes oscillate (1 − ηλ < 0) and still decay
    [InlineData(60, 25, 0.3, 1.0)]   // p < N: gradient through X; N − p null directions
    public void EveryEigenCoordinate_DecaysAsOneMinusEtaLambdaToTheK(int n, int p, double mean, double factor)
    {
        using var sample = Draw(n, p, mean, 7);
        var run = GradientDescentDynamics.Run(sample.Inputs, sample.Targets, new GradientDescentOptions { EtaFactor = factor });
        Assert.Equal("converged", run.Outcome);
        Assert.Equal(Math.Min(n, p), run.DecayChecks.Length); // non-null modes only: rank R = min(N, p)
        Assert.NotNull(run.MaxDecayDeviation);
        Assert.True(run.MaxDecayDeviation <= DecayTolerance, $"max deviation {run.MaxDecayDeviation:G3}");
        Assert.All(run.DecayChecks, d => Assert.True(d.MaxDeviation <= DecayTolerance));
        Assert.Equal(factor, run.EtaTimesLambdaMax, 12);
        // The measured loss curve follows the modal formula, relative to its start.
        for (int k = 0; k < run.LossCurve.Length; k++)
            Assert.True(Math.Abs(run.LossCurve[k] - run.PredictedLossCurve[k]) <= DecayTolerance * run.InitialExcessLoss);
        foreach (var trace in run.ModeTraces)
        {
            Assert.Equal(run.StepsTaken + 1, trace.Measured.Length);
            double scale = run.DecayChecks.Max(d => Math.Abs(d.InitialCoordinate));
            for (int k = 0; k < trace.Measured.Length; k++)
                Assert.True(Math.Abs(trace.Measured[k] - trace.Predicted[k]) <= DecayTolerance * scale);
        }
        Assert.Equal([0, (Math.Min(n, p) - 1 + 1) / 2, Math.Min(n, p) - 1], run.ModeTraces.Select(t => t.Mode).ToArray());
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(1.5)]
    [InlineData(1.98)]
    public void StepsToTolerance_Measured_EqualsPredicted_WithinOne(double factor)
    {
        using var sample = Draw(40, 160, 0.5, 8);
        var run = GradientDescentDynamics.Run(sample.Inputs, sample.Targets, new GradientDescentOptions { EtaFactor = factor });
        Assert.NotNull(run.StepsToTolerance.Measured);
        Assert.NotNull(run.StepsToTolerance.Predicted);
        Assert.InRange(run.StepsToTolerance.Measured!.Value - run.StepsToTolerance.Predicted!.Value, -1, 1);
        Assert.Equal(run.StepsToTolerance.Measured, run.StepsTaken);
        Assert.True(run.LossCurve[^1] <= run.Tolerance * run.LossCurve[0]);
        Assert.True(run.LossCurve[^2] > run.Tolerance * run.LossCurve[0]);
    }

    [Fact]
    public void Diverges_JustAboveTwoOverLambdaMax_AndConverges_JustBelow()
    {
        using var sample = Draw(40, 160, 0.5, 9);
        var above = GradientDescentDynamics.Run(sample.Inputs, sample.Targets, new GradientDescentOptions { EtaFactor = 2.02 });
        Assert.Equal("diverged", above.Outcome);
        Assert.True(above.PredictedDivergent);
        Assert.NotNull(above.DivergedAtStep);
        Assert.Null(above.StepsToTolerance.Measured);
        Assert.Null(above.StepsToTolerance.Predicted);
        Assert.True(above.LossCurve[^1] > GradientDescentOptions.DivergenceFactor * above.LossCurve[0]);
        Assert.All(above.LossCurve, l => Assert.True(double.IsFinite(l)));
        Assert.Equal(1.02, above.ConvergenceFactor, 12); // |1 − 2.02| at the top mode

        var below = GradientDescentDynamics.Run(sample.Inputs, sample.Targets, new GradientDescentOptions { EtaFactor = 1.98 });
        Assert.Equal("converged", below.Outcome);
        Assert.False(below.PredictedDivergent);
        Assert.True(below.ConvergenceFactor < 1);
    }

    [Fact]
    public void DivergenceIsReportedCleanly_EvenForAWildRate()
    {
        using var sample = Draw(20, 80, 0.5, 10);
        var run = GradientDescentDynamics.Run(sample.Inputs, sample.Targets, new GradientDescentOptions { Eta = 1e6 });
        Assert.Equal("diverged", run.Outcome);
        Assert.True(run.StepsTaken <= 3);
        Assert.All(run.LossCurve.Concat(run.PredictedLossCurve), l => Assert.True(double.IsFinite(l)));
        Assert.All(run.ModeTraces.SelectMany(t => t.Measured.Concat(t.Predicted)), c => Assert.True(double.IsFinite(c)));
    }

    [Fact]
    public void SlowestTimeConstant_IsMinusOneOverLogOfTheSlowestFactor_AboutKappaAtTheNoOscillationRate()
    {
        using var sample = Draw(40, 160, 0.5, 11);
        var run = GradientDescentDynamics.Run(sample.Inputs, sample.Targets);
        double lmax = run.DecayChecks[0].Eigenvalue, lmin = run.DecayChecks[^1].Eigenvalue, kappa = lmax / lmin;
        Assert.Equal(-1 / Math.Log(1 - lmin / lmax), run.SlowestTimeConstant!.Value, 1e-9 * kappa);
        Assert.InRange(run.SlowestTimeConstant!.Value, kappa - 1, kappa); // −1/ln(1 − 1/κ) = κ − ½ − O(1/κ)
        Assert.Equal(1 - 1 / kappa, run.ConvergenceFactor, 12);
    }

    [Fact]
    public void WhitenedInputs_ConvergeInOneStep_AtTheNoOscillationRate()
    {
        using var sample = Draw(30, 120, 0.7, 12);
        using var white = InputPreprocessor.Apply(sample.Inputs, Preprocessing.Whiten);
        var run = GradientDescentDynamics.Run(white, sample.Targets);
        Assert.Equal(1, run.StepsToTolerance.Measured);
        Assert.Equal(1, run.StepsToTolerance.Predicted);
    }

    [Fact]
    public void ZeroTargets_AreAlreadyOptimal()
    {
        using var sample = Draw(10, 40, 0.5, 13);
        using var y = zeros(40, dtype: ScalarType.Float64);
        var run = GradientDescentDynamics.Run(sample.Inputs, y);
        Assert.Equal("converged", run.Outcome);
        Assert.Equal(0, run.StepsToTolerance.Measured);
        Assert.Equal(0, run.StepsToTolerance.Predicted);
        Assert.Equal(0.0, run.MaxDecayDeviation);
    }

    [Fact]
    public void PredictStepsToTolerance_AgreesWithAStepByStepSearch()
    {
        double[] lambdas = [9, 3, 1, 0.2];
        double[] c0 = [1, -2, 0.5, 3];
        foreach (double eta in new[] { 0.05, 1.0 / 9, 0.2 })
        {
            double start = GradientDescentDynamics.PredictedExcessLoss(lambdas, c0, eta, 0);
            long k = 0;
            while (GradientDescentDynamics.PredictedExcessLoss(lambdas, c0, eta, k) > 1e-6 * start) k++;
            Assert.Equal(k, GradientDescentDynamics.PredictStepsToTolerance(lambdas, c0, eta, 1e-6));
        }
        Assert.Null(GradientDescentDynamics.PredictStepsToTolerance(lambdas, c0, 2.0 / 9, 1e-6)); // |1 − ηλmax| = 1
        Assert.Equal(0.5 * (9 * 1 + 3 * 4 + 1 * 0.25 + 0.2 * 9), GradientDescentDynamics.PredictedExcessLoss(lambdas, c0, 0.1, 0), 12);
    }

    [Fact]
    public void BadOptionsAndArguments_AreRejected()
    {
        using var sample = Draw(10, 40, 0.5, 14);
        void Run(GradientDescentOptions o) => GradientDescentDynamics.Run(sample.Inputs, sample.Targets, o);
        Assert.Throws<ArgumentException>(() => Run(new GradientDescentOptions { Eta = 0 }));
        Assert.Throws<ArgumentException>(() => Run(new GradientDescentOptions { Eta = double.NaN }));
        Assert.Throws<ArgumentException>(() => Run(new GradientDescentOptions { EtaFactor = -1 }));
        Assert.Throws<ArgumentException>(() => Run(new GradientDescentOptions { Tolerance = 0 }));
        Assert.Throws<ArgumentException>(() => Run(new GradientDescentOptions { Tolerance = 1 }));
        Assert.Throws<ArgumentException>(() => Run(new GradientDescentOptions { MaxSteps = 0 }));
        Assert.Throws<ArgumentException>(() => Run(new GradientDescentOptions { TracedModes = -1 }));
        using var shortTargets = zeros(39, dtype: ScalarType.Float64);
        var error = Assert.Throws<ArgumentException>(() => GradientDescentDynamics.Run(sample.Inputs, shortTargets));
        Assert.Contains("[40]", error.Message);
        Assert.Throws<ArgumentException>(() => GradientDescentDynamics.PredictStepsToTolerance([1.0], [1.0, 2.0], 0.5, 1e-6));
        Assert.Throws<ArgumentException>(() => GradientDescentDynamics.PredictStepsToTolerance([-1.0], [1.0], 0.5, 1e-6));
    }

    [Fact]
    public void Run_LeavesNoLiveTensors()
    {
        using var tall = Draw(12, 48, 0.5, 15);
        using var wide = Draw(30, 12, 0.5, 16);
        Assert.Equal(0, LiveTensors.LeakedBy(() => GradientDescentDynamics.Run(tall.Inputs, tall.Targets)));
        Assert.Equal(0, LiveTensors.LeakedBy(() => GradientDescentDynamics.Run(wide.Inputs, wide.Targets)));
        Assert.Equal(0, LiveTensors.LeakedBy(() => GradientDescentDynamics.Run(tall.Inputs, tall.Targets, new GradientDescentOptions { EtaFactor = 2.5 })));
    }
}
