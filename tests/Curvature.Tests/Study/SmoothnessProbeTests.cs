using Curvature.Operators;
using Curvature.Study;
using Curvature.Tests.Operators.Network;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Curvature.Tests.Study;

public sealed class SmoothnessProbeTests
{
    /// <summary>Closed form vs measurement in float64: both sides are sums over N·C·d ≈ 600 products (round-off
    /// ~1e-14 relative to the size of the terms); 1e-10 of the terms' scale leaves four decades for cancellation.</summary>
    const double QuadraticTolerance = 1e-10;

    /// <summary>Round-off of one float64 loss evaluation relative to its value (a few ulps of a mean over ~100 terms).</summary>
    const double LossRoundOff = 1e-14;

    /// <summary>A Linear layer x ↦ Wx + b with loss (1/2N) Σ‖Wxᵢ + b − yᵢ‖² is exactly quadratic in θ = (W, b).</summary>
    static (TorchSharp.Modules.Sequential Model, NetworkData Data) LinearRegression(ulong seed)
    {
        var model = Sequential(("0", Linear(5, 3)));
        model.to(ScalarType.Float64);
        TinyNetworks.Seeded(model, seed);
        using var gen = new Generator(seed + 1);
        using var x = randn(40, 5, dtype: ScalarType.Float64, generator: gen).add_(0.7);   // a mean, so W and b couple
        using var y = randn(40, 3, dtype: ScalarType.Float64, generator: gen);
        return (model, new NetworkData(x, y, batchSize: 16));
    }

    /// <summary>
    /// With residuals R = XWᵀ + 1bᵀ − Y: L = ‖R‖²/2N, g_W = RᵀX/N, g_b = Rᵀ1/N, and the Hessian acts blockwise from
    /// the inputs' moments S = XᵀX/N, m = Xᵀ1/N: (Hg)_W = g_W S + g_b mᵀ, (Hg)_b = g_W m + g_b. With the weights
    /// only, g = g_W and Hg = g_W S. So L(θ − ηg) = L − η‖g‖² + ½η²⟨g, Hg⟩ and ‖Δg‖ = η‖Hg‖ exactly.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LinearRegressionFollowsTheQuadraticExactly(bool weightsOnly)
    {
        using var scope = NewDisposeScope();
        var (model, data) = LinearRegression(80);
        using (data)
        {
            using var op = new HessianOperator(model, LossKind.MeanSquaredError, data, BatchNormMode.Eval,
                                               weightsOnly ? ParameterSet.Select(model, "0.weight") : null);
            double[] etas = [0.05, 0.2, 0.5, 1.0, 1.6];
            var report = SmoothnessProbe.Run(op, etas);

            var lin = (TorchSharp.Modules.Linear)model.named_modules().First(m => m.name == "0").module;
            var (x, y, n) = (data.Inputs, data.Targets, (double)data.Count);
            var r = x.matmul(lin.weight!.detach().T) + lin.bias!.detach() - y;
            double l0 = r.square().sum().item<double>() / (2 * n);
            var gW = r.T.matmul(x) / n;
            var gB = r.sum(0L) / n;
            var s = x.T.matmul(x) / n;
            var m = x.sum(0L) / n;
            var (g, hg) = weightsOnly
                ? (gW.flatten(), gW.matmul(s).flatten())
                : (cat([gW.flatten(), gB]), cat([(gW.matmul(s) + gB.outer(m)).flatten(), gW.matmul(m) + gB]));
            double gg = g.dot(g).item<double>(), ghg = g.dot(hg).item<double>(), hgNorm = hg.norm().item<double>();

            AssertClose(l0, report.Loss0, l0, "L(θ)");
            AssertClose(Math.Sqrt(gg), report.GradientNorm, Math.Sqrt(gg), "‖g‖");
            var expected = etas.Select(eta => l0 - eta * gg + 0.5 * eta * eta * ghg).ToArray();
            for (int k = 0; k < etas.Length; k++)
            {
                double eta = etas[k];
                AssertClose(expected[k], report.Loss[k], l0 + eta * gg + 0.5 * eta * eta * Math.Abs(ghg), $"L(θ − {eta}g)");
                AssertClose(eta * hgNorm, report.GradientChange[k], Math.Sqrt(gg) + eta * hgNorm, $"‖Δg‖ at η = {eta}");
            }
            Assert.True(expected.Max() > l0 && expected.Min() < l0);   // the steps overshoot: both sides of the quadratic are probed
            AssertClose(expected.Max() - expected.Min(), report.LossVariation, l0 + 2 * 1.6 * gg + 1.6 * 1.6 * Math.Abs(ghg), "loss variation");
            AssertClose(etas[^1] * hgNorm, report.GradientPredictiveness, Math.Sqrt(gg) + etas[^1] * hgNorm, "gradient predictiveness");
            AssertClose(hgNorm / Math.Sqrt(gg), report.EffectiveBeta, hgNorm / Math.Sqrt(gg), "effective β");
            Assert.Equal(etas, report.StepSizes);
        }
    }

    static void AssertClose(double expected, double actual, double scale, string what) =>
        Assert.True(Math.Abs(actual - expected) <= QuadraticTolerance * scale, $"{what}: {actual:R} vs closed form {expected:R}");

    /// <summary>(L(θ − ηg) − L(θ))/η = −‖g‖² + ½η gᵀHg + O(η²): the error is O(η), at most η‖g‖‖Hg‖ once η is small
    /// (|gᵀHg| ≤ ‖g‖‖Hg‖ leaves half the bound for the higher orders), plus the loss round-off divided by η.</summary>
    [Fact]
    public void SmallStepsDecreaseTheLossAtRateGradientNormSquared()
    {
        using var scope = NewDisposeScope();
        var model = TinyNetworks.Mlp(6, 5, 3, batchNorm: true, seed: 81);
        using var data = TinyNetworks.Classification(24, [6], 3, seed: 82, batchSize: 12);
        using var op = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        double[] etas = [1e-4, 1e-3, 1e-2];
        var report = SmoothnessProbe.Run(op, etas);
        var (_, g) = op.LossAndGradient();
        double gg = g.dot(g).item<double>(), hgNorm = op.Multiply(g).norm().item<double>();
        Assert.Equal(Math.Sqrt(gg), report.GradientNorm, 12);
        for (int k = 0; k < etas.Length; k++)
        {
            double eta = etas[k];
            double slope = (report.Loss[k] - report.Loss0) / eta;
            double bound = eta * Math.Sqrt(gg) * hgNorm + 4 * LossRoundOff * report.Loss0 / eta;
            Assert.True(Math.Abs(slope + gg) <= bound, $"η = {eta}: slope {slope:R} vs −‖g‖² = {-gg:R} (bound {bound:G3})");
        }
    }

    [Theory]
    [InlineData(BatchNormMode.Train)]
    [InlineData(BatchNormMode.Population)]
    public void ModelIsByteIdenticalAfterwards(BatchNormMode mode)
    {
        using var scope = NewDisposeScope();
        var model = TinyNetworks.Mlp(6, 5, 3, batchNorm: true, seed: 83);
        using var data = TinyNetworks.Classification(24, [6], 3, seed: 84, batchSize: 12);
        model.train();
        using (no_grad()) model.call(data.Inputs).Dispose();   // running statistics away from their defaults
        foreach (bool training in new[] { true, false })
        {
            model.train(training);
            string before = TinyNetworks.Fingerprint(model);
            using var op = new HessianOperator(model, LossKind.CrossEntropy, data, mode, population: data);
            SmoothnessProbe.Run(op, [0.1, 1.0, 10.0]);
            Assert.Equal(before, TinyNetworks.Fingerprint(model));
        }
    }

    /// <summary>A module that throws from its forward pass once armed: a failure in the middle of the sweep.</summary>
    sealed class Tripwire : Module<Tensor, Tensor>
    {
        readonly Module<Tensor, Tensor> inner;
        int calls;
        public Tripwire(Module<Tensor, Tensor> inner) : base("tripwire")
        {
            this.inner = inner;
            RegisterComponents();
        }
        /// <summary>Forward passes allowed before throwing; null = never throw.</summary>
        public int? Allowed { get; set; }
        public override Tensor forward(Tensor x)
        {
            if (Allowed is { } allowed && calls++ >= allowed) throw new InvalidOperationException("tripwire");
            return inner.call(x);
        }
    }

    [Fact]
    public void ParametersAreRestoredWhenAStepFails()
    {
        using var scope = NewDisposeScope();
        var model = new Tripwire(TinyNetworks.Mlp(6, 5, 3, batchNorm: true, seed: 85));
        using var data = TinyNetworks.Classification(24, [6], 3, seed: 86);
        using var op = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        string before = TinyNetworks.Fingerprint(model);
        model.Allowed = 1;   // the gradient at θ, then the first moved point fails
        Assert.Equal("tripwire", Assert.Throws<InvalidOperationException>(() => SmoothnessProbe.Run(op, [0.5, 1.0])).Message);
        Assert.Equal(before, TinyNetworks.Fingerprint(model));
    }

    [Fact]
    public void BadStepSizesAreRejectedBeforeAnyForwardPass()
    {
        var model = new Tripwire(TinyNetworks.Mlp(6, 5, 3, batchNorm: false, seed: 87));
        using var data = TinyNetworks.Classification(8, [6], 3, seed: 88);
        using var op = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Eval);
        model.Allowed = 0;   // any forward pass would throw InvalidOperationException instead
        double[][] bad = [[], [0.0], [-0.1], [double.NaN], [double.PositiveInfinity], [0.1, double.NegativeInfinity], [0.2, 0.1], [0.1, 0.1]];
        foreach (var steps in bad)
        {
            var error = Assert.Throws<ArgumentException>(() => SmoothnessProbe.Run(op, steps));
            Assert.DoesNotContain('\n', error.Message);
        }
        Assert.Throws<ArgumentNullException>(() => SmoothnessProbe.Run(op, null!));
        Assert.Throws<ArgumentNullException>(() => SmoothnessProbe.Run(null!, [0.1]));
    }

    [Fact]
    public void RunLeavesNoLiveTensors()
    {
        var model = TinyNetworks.Mlp(6, 5, 3, batchNorm: true, seed: 89);
        using var data = TinyNetworks.Classification(24, [6], 3, seed: 90, batchSize: 12);
        using var op = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        Assert.Equal(0, LiveTensors.LeakedBy(() => SmoothnessProbe.Run(op, [0.01, 0.1, 1.0])));
    }
}
