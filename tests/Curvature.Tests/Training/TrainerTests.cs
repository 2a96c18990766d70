using Curvature.Data;
using Curvature.Models;
using Curvature.Operators;
using Curvature.Tests.Support;
using Curvature.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Training;

public sealed class TrainerTests
{
    /// <summary>Float64 round-off of a full-batch gradient of 12 examples summed in a different order than the
    /// reference, carried through two updates: a few ulps of values of order 1, so 1e-12 is far above round-off
    /// and far below any formula error (a wrong sign or factor changes the weights at order lr·g ≈ 1e-2).</summary>
    const double HandComputedTolerance = 1e-12;

    static (Tensor Inputs, Tensor Labels) Mixture(int samples, int dims, ulong seed, int classes = 3)
    {
        using var draw = GaussianMixture.Draw(new GaussianMixtureConfig(classes, dims, samples, 3.0, 1.0, seed), ScalarType.Float64);
        return (draw.Inputs.clone().DetachFromDisposeScope(), draw.Labels.clone().DetachFromDisposeScope());
    }

    static nn.Module<Tensor, Tensor> Mlp(int inputs, NormKind norm = NormKind.None, ulong seed = 1, int classes = 3) =>
        new MlpSpec(inputs, [8], classes, Activation.Tanh, norm).Build(ScalarType.Float64, seed);

    [Fact]
    public void TwoStepsWithMomentumAndWeightDecayMatchTheFormulas()
    {
        const int n = 12, d = 3, c = 3;
        const double lr = 0.1, mu = 0.9, wd = 0.01;
        var (x, y) = Mixture(n, d, 5, c);
        using var _x = x; using var _y = y;
        var model = new MlpSpec(d, [], c).Build(ScalarType.Float64, 3);
        var W = Matrix(model.state_dict()["1.weight"] is var w0 ? w0 : throw new InvalidOperationException(), c, d);
        var b = model.state_dict()["1.bias"].data<double>().ToArray();
        var X = Matrix(x, n, d);
        var Y = y.data<long>().ToArray();
        var options = new TrainingOptions(lr, 2) { Momentum = mu, WeightDecay = wd, BatchSize = n };
        using var trainer = new Trainer(model, options, x, y);
        var history = trainer.Run();

        // Reference in float64 arrays: softmax cross-entropy gradient (1/n) Σ (p − e_y) xᵀ, then PyTorch's SGD.
        var vW = new double[c, d]; var vb = new double[c];
        for (int step = 0; step < 2; step++)
        {
            var gW = new double[c, d]; var gb = new double[c];
            double loss = 0;
            for (int i = 0; i < n; i++)
            {
                var z = new double[c];
                for (int k = 0; k < c; k++) { z[k] = b[k]; for (int j = 0; j < d; j++) z[k] += W[k, j] * X[i, j]; }
                double max = z.Max(), sum = z.Sum(v => Math.Exp(v - max));
                loss += (Math.Log(sum) + max - z[Y[i]]) / n;
                for (int k = 0; k < c; k++)
                {
                    double r = (Math.Exp(z[k] - max) / sum - (k == Y[i] ? 1 : 0)) / n;
                    gb[k] += r;
                    for (int j = 0; j < d; j++) gW[k, j] += r * X[i, j];
                }
            }
            Assert.Equal(loss, history.Loss[step], HandComputedTolerance);
            for (int k = 0; k < c; k++)
            {
                vb[k] = mu * vb[k] + gb[k] + wd * b[k];
                for (int j = 0; j < d; j++) vW[k, j] = mu * vW[k, j] + gW[k, j] + wd * W[k, j];
            }
            for (int k = 0; k < c; k++)
            {
                b[k] -= lr * vb[k];
                for (int j = 0; j < d; j++) W[k, j] -= lr * vW[k, j];
            }
        }
        var trainedW = Matrix(model.state_dict()["1.weight"], c, d);
        var trainedB = model.state_dict()["1.bias"].data<double>().ToArray();
        for (int k = 0; k < c; k++)
        {
            Assert.Equal(b[k], trainedB[k], HandComputedTolerance);
            for (int j = 0; j < d; j++) Assert.Equal(W[k, j], trainedW[k, j], HandComputedTolerance);
        }
    }

    static double[,] Matrix(Tensor t, int rows, int cols)
    {
        var data = t.contiguous().data<double>().ToArray();
        var m = new double[rows, cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) m[i, j] = data[i * cols + j];
        return m;
    }

    static TrainingOptions Busy(int steps) => new(0.05, steps)
    {
        WeightDecay = 1e-3, BatchSize = 16, Schedule = LearningRateSchedule.Cosine, Seed = 7, EvaluateEvery = 5,
    };

    [Fact]
    public void SameSeedGivesBitIdenticalLossesAndAnotherSeedDoesNot()
    {
        var (x, y) = Mixture(100, 4, 11);
        using var _x = x; using var _y = y;
        double[] Train(ulong dataSeed)
        {
            using var model = Mlp(4, NormKind.Batch);
            using var trainer = new Trainer(model, Busy(20) with { Seed = dataSeed }, x, y);
            return trainer.Run().Loss;
        }
        var first = Train(7);
        Assert.Equal(first, Train(7));   // exact: element-wise double equality
        Assert.NotEqual(first, Train(8));
    }

    [Fact]
    public void ResumeContinuesBitIdentically()
    {
        const int half = 13;   // 100 examples / 16 = 6 batches per epoch: the split falls inside the third epoch
        var (x, y) = Mixture(100, 4, 12);
        var (hx, hy) = Mixture(40, 4, 13);
        using var _x = x; using var _y = y; using var _hx = hx; using var _hy = hy;
        var options = Busy(2 * half);
        using var straight = Mlp(4, NormKind.Batch);
        using var straightTrainer = new Trainer(straight, options, x, y, hx, hy);
        var expected = straightTrainer.Run();

        using var temp = new Cli.TempDirectory();
        using (var first = Mlp(4, NormKind.Batch))
        using (var firstTrainer = new Trainer(first, options, x, y, hx, hy))
        {
            firstTrainer.Run(stopAt: half);
            firstTrainer.Save(temp.Path);
        }
        using var second = Mlp(4, NormKind.Batch, seed: 99);   // different initial weights: all must come from the files
        using var resumed = Trainer.Resume(second, options, x, y, temp.Path, hx, hy);
        Assert.Equal(half, resumed.Step);
        var actual = resumed.Run();

        Assert.Equal(expected.Loss, actual.Loss);
        Assert.Equal(expected.Accuracy, actual.Accuracy);
        Assert.Equal(expected.LearningRate, actual.LearningRate);
        Assert.Equal(expected.EvaluationSteps, actual.EvaluationSteps);
        Assert.Equal(expected.HeldOutLoss, actual.HeldOutLoss);
        var want = straight.state_dict();
        foreach (var (name, tensor) in second.state_dict())
            Assert.True(tensor.bytes.ToArray().SequenceEqual(want[name].bytes.ToArray()), $"{name} differs after resume");
    }

    [Fact]
    public void ResumeRefusesOtherOptions()
    {
        var (x, y) = Mixture(40, 4, 14);
        using var _x = x; using var _y = y;
        using var temp = new Cli.TempDirectory();
        using (var model = Mlp(4))
        using (var trainer = new Trainer(model, Busy(6), x, y))
        {
            trainer.Run(stopAt: 3);
            trainer.Save(temp.Path);
        }
        using var again = Mlp(4);
        var e = Assert.Throws<Curvature.Checkpoints.CheckpointException>(() => Trainer.Resume(again, Busy(6) with { Seed = 8 }, x, y, temp.Path));
        Assert.Contains("seed", e.Message);
    }

    [Fact]
    public void SchedulesGiveTheirRates()
    {
        Assert.Equal(0.3, LearningRateSchedule.Constant.RateAt(0.3, 17, 20));
        var step = LearningRateSchedule.StepDecay(0.5, 3);
        Assert.Equal([1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25], Enumerable.Range(0, 7).Select(t => step.RateAt(1.0, t, 7)).ToArray());
        var cosine = LearningRateSchedule.Cosine;
        Assert.Equal(2.0, cosine.RateAt(2.0, 0, 10));
        Assert.Equal(1.0, cosine.RateAt(2.0, 5, 10), 15);     // cos(π/2) = 6e-17 in doubles
        Assert.Equal(2.0 * 0.5 * (1 + Math.Cos(Math.PI * 3 / 10)), cosine.RateAt(2.0, 3, 10));

        var (x, y) = Mixture(32, 4, 15);
        using var _x = x; using var _y = y;
        using var model = Mlp(4);
        using var trainer = new Trainer(model, new TrainingOptions(1.0, 7) { Schedule = step, BatchSize = 8 }, x, y);
        Assert.Equal([1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25], trainer.Run().LearningRate);
    }

    [Fact]
    public void LossDecreasesOnAnEasyMixture()
    {
        // One draw split in two: held-out examples must come from the same class means as the training ones.
        var (all, labels) = Mixture(384, 8, 21);
        using var _all = all; using var _labels = labels;
        using var x = all.narrow(0, 0, 256); using var y = labels.narrow(0, 0, 256);
        using var hx = all.narrow(0, 256, 128); using var hy = labels.narrow(0, 256, 128);
        using var model = Mlp(8);
        using var trainer = new Trainer(model, new TrainingOptions(0.05, 60) { BatchSize = 32, Seed = 3 }, x, y, hx, hy);
        var h = trainer.Run();
        Assert.Equal([0, 60], h.EvaluationSteps);
        // Well-separated classes (separation 3σ): a few epochs drive the held-out loss far below log 3 ≈ 1.1.
        Assert.True(h.HeldOutLoss[1] < 0.5 * h.HeldOutLoss[0], $"held-out loss {h.HeldOutLoss[0]} → {h.HeldOutLoss[1]}");
        Assert.True(h.HeldOutAccuracy[1] > 0.8, $"held-out accuracy {h.HeldOutAccuracy[1]}");
    }

    [Fact]
    public void CheckpointCallbackSeesTheRequestedStepsAndTheModeIsRestored()
    {
        var (x, y) = Mixture(48, 4, 16);
        using var _x = x; using var _y = y;
        using var model = Mlp(4, NormKind.Batch);
        model.eval();
        var seen = new List<int>();
        using var trainer = new Trainer(model, new TrainingOptions(0.01, 6) { BatchSize = 8, CheckpointSteps = [0, 2, 6] }, x, y);
        trainer.Run(onCheckpoint: (s, m) => { seen.Add(s); Assert.True(m.training); });
        Assert.Equal([0, 2, 6], seen);
        Assert.False(model.training);
    }

    [Fact]
    public void BadInputIsRefusedBeforeTorch()
    {
        var (x, y) = Mixture(16, 4, 17);
        using var _x = x; using var _y = y;
        using var model = Mlp(4);
        Assert.Throws<ArgumentException>(() => new Trainer(model, new TrainingOptions(-1, 5), x, y));
        Assert.Throws<ArgumentException>(() => new Trainer(model, new TrainingOptions(0.1, 5) { CheckpointSteps = [6] }, x, y));
        using var floats = x.to_type(ScalarType.Float32);
        Assert.Throws<ArgumentException>(() => new Trainer(model, new TrainingOptions(0.1, 5), floats, y));
        using var shortLabels = y.narrow(0, 0, 3);
        Assert.Throws<ArgumentException>(() => new Trainer(model, new TrainingOptions(0.1, 5), x, shortLabels));
    }

    [Fact]
    public void TrainingSavingAndResumingLeaveNoTensors()
    {
        var (x, y) = Mixture(40, 4, 18);
        var (hx, hy) = Mixture(20, 4, 19);
        using var _x = x; using var _y = y; using var _hx = hx; using var _hy = hy;
        using var model = Mlp(4, NormKind.Batch);
        using var temp = new Cli.TempDirectory();
        long leaked = LiveTensors.LeakedBy(() =>
        {
            using (var trainer = new Trainer(model, Busy(8) with { CheckpointSteps = [4] }, x, y, hx, hy))
            {
                trainer.Run(stopAt: 4, onCheckpoint: (_, _) => { });
                trainer.Save(temp.Path);
            }
            using var resumed = Trainer.Resume(model, Busy(8) with { CheckpointSteps = [4] }, x, y, temp.Path, hx, hy);
            resumed.Run();
        });
        Assert.Equal(0, leaked);
    }
}

public sealed class TrainerBatchOrderTests
{
    /// <summary>See <see cref="TrainerTests"/>: float64 round-off of one small gradient step.</summary>
    const double OneStepTolerance = 1e-13;

    [Fact]
    public void EachUpdateUsesItsSliceOfTheEpochPermutation()
    {
        // Reference: update t of epoch e = t / (N/B) uses randperm(N, Generator(EpochSeed(seed, e)))[(t mod N/B)·B, +B);
        // with momentum 0 one update of a linear model on that batch alone is θ − η∇L_batch(θ).
        const int n = 10, batch = 4, steps = 5;   // 2 batches per epoch, the 2 left-over examples dropped
        using var draw = GaussianMixture.Draw(new GaussianMixtureConfig(2, 3, n, 3.0, 1.0, 31), ScalarType.Float64);
        var x = draw.Inputs; var y = draw.Labels;
        using var model = new MlpSpec(3, [], 2).Build(ScalarType.Float64, 4);
        using var reference = new MlpSpec(3, [], 2).Build(ScalarType.Float64, 4);
        var options = new TrainingOptions(0.1, steps) { Momentum = 0, BatchSize = batch, Seed = 9 };
        using var trainer = new Trainer(model, options, x, y);
        for (int t = 0; t < steps; t++)
        {
            trainer.Run(stopAt: t + 1);
            using var scope = NewDisposeScope();
            using var generator = new Generator(Trainer.EpochSeed(9, t / 2));
            var index = randperm(n, generator: generator, dtype: ScalarType.Int64).narrow(0, (t % 2) * batch, batch);
            var loss = nn.functional.cross_entropy(reference.call(x.index_select(0, index)), y.index_select(0, index));
            var parameters = reference.parameters().ToArray();
            var grads = autograd.grad([loss], parameters);
            using (no_grad())
                for (int i = 0; i < parameters.Length; i++) parameters[i].sub_(grads[i].mul(0.1));
            Assert.Equal(loss.item<double>(), trainer.History.Loss[t], OneStepTolerance);
            var trained = model.parameters().ToArray();
            for (int i = 0; i < parameters.Length; i++)
                Assert.True(trained[i].allclose(parameters[i], rtol: 0, atol: OneStepTolerance), $"step {t}, parameter {i}");
        }
    }
}
