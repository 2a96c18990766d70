using Curvature.Checkpoints;
using Curvature.Operators;
using Curvature.Tests.Operators.Network;
using Curvature.Tests.Support;
using Curvature.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Training;

/// <summary>
/// Training with population BatchNorm statistics (<see cref="TrainingOptions.PopulationRefreshEvery"/> = R): the running
/// statistics are the population's at steps 0, R, 2R, …, stay fixed in between, and are what the updates use (BatchNorm
/// in eval mode, the statistics constants); resuming anywhere continues bit-identically. The references are written out
/// by hand in float64 on the tiny MLP 5-4(BN)-tanh-3 (<see cref="TinyNetworks.Mlp"/>): the layer's input is
/// x·W₁ᵀ + b₁, its statistics a plain mean and an (N − 1) variance, and the forward an explicit formula — not the module.
/// </summary>
public sealed class TrainerPopulationTests
{
    /// <summary>Float64 round-off of means, variances and a forward/backward pass of a 5-4-3 network over at most 40
    /// examples, summed in another order than libtorch's: a few ulps of O(1) values, so 1e-12 is far above round-off and
    /// far below any real difference (batch statistics instead of population ones change the loss at order 1e-2).</summary>
    const double RoundOff = 1e-12;

    /// <summary>PyTorch's BatchNorm1d default ε.</summary>
    const double BatchNormEps = 1e-5;

    const int N = 40, Batch = 8, Population = 24, Refresh = 3, Inputs = 5, Hidden = 4, Classes = 3;
    const ulong DataSeed = 17;

    static TorchSharp.Modules.Sequential Model(bool batchNorm = true, ulong seed = 3) => TinyNetworks.Mlp(Inputs, Hidden, Classes, batchNorm, seed);

    static TrainingOptions Options(int steps, int refresh = Refresh) =>
        new(0.1, steps) { BatchSize = Batch, Seed = DataSeed, PopulationRefreshEvery = refresh };

    /// <summary>Training data, the population (its first <see cref="Population"/> examples) and a held-out set.</summary>
    sealed class Data : IDisposable
    {
        public Data()
        {
            Train = TinyNetworks.Classification(N, [Inputs], Classes, seed: 41);
            HeldOut = TinyNetworks.Classification(16, [Inputs], Classes, seed: 42);
            Subset = new NetworkData(Train.Inputs.narrow(0, 0, Population), Train.Targets.narrow(0, 0, Population));
        }
        public NetworkData Train { get; }
        public NetworkData HeldOut { get; }
        public NetworkData Subset { get; }
        public void Dispose() { Train.Dispose(); HeldOut.Dispose(); Subset.Dispose(); }
    }

    static Dictionary<string, Tensor> State(nn.Module model) => model.state_dict();

    /// <summary>The BatchNorm layer's input over the population, h = x·W₁ᵀ + b₁, and its mean and unbiased variance.</summary>
    static (Tensor Mean, Tensor Variance) PopulationStatisticsOf(nn.Module model, Tensor populationInputs)
    {
        var s = State(model);
        var h = populationInputs.matmul(s["1.weight"].T) + s["1.bias"];
        var mean = h.sum([0L]) / h.shape[0];
        var variance = (h - mean).square().sum([0L]) / (h.shape[0] - 1);
        return (mean, variance);
    }

    /// <summary>Mean cross-entropy of the MLP on (x, y) with BatchNorm statistics (μ, σ²) written out:
    /// logits = W₂·tanh(γ(x·W₁ᵀ + b₁ − μ)/√(σ² + ε) + β) + b₂.</summary>
    static Tensor Loss(Tensor[] p, Tensor x, Tensor y, Tensor mean, Tensor variance)
    {
        var h = x.matmul(p[0].T) + p[1];
        var a = ((h - mean) / (variance + BatchNormEps).sqrt() * p[2] + p[3]).tanh();
        var logits = a.matmul(p[4].T) + p[5];
        return (logits.logsumexp(1) - logits.gather(1, y.unsqueeze(1)).squeeze(1)).mean();
    }

    static readonly string[] ParameterNames = ["1.weight", "1.bias", "2.weight", "2.bias", "4.weight", "4.bias"];

    /// <summary>The examples of update t: randperm(N) of epoch t / (N/B) from its own generator, slice t mod (N/B)
    /// (the trainer's documented data order).</summary>
    static Tensor BatchIndex(int t)
    {
        const int perEpoch = N / Batch;
        using var generator = new Generator(Trainer.EpochSeed(DataSeed, t / perEpoch));
        return randperm(N, generator: generator, dtype: ScalarType.Int64).narrow(0, (long)(t % perEpoch) * Batch, Batch);
    }

    [Fact]
    public void StatisticsArePopulationsAtRefreshesFixedBetweenAndUsedByTheUpdates()
    {
        const int steps = 12;   // 5 batches per epoch: the run crosses two epoch boundaries and four refreshes
        const double momentum = 0.9, rate = 0.1;
        using var data = new Data();
        using var model = Model();
        var options = Options(steps) with { CheckpointSteps = Enumerable.Range(0, steps + 1).ToArray(), Momentum = momentum, LearningRate = rate };
        using var trainer = new Trainer(model, options, data.Train.Inputs, data.Train.Targets, population: data.Subset);

        var means = new List<Tensor>();
        var variances = new List<Tensor>();
        var expectedLoss = new List<double>();
        var batchStatisticsLoss = new List<double>();
        var expectedNext = new List<Tensor[]>();
        Tensor[]? velocity = null;
        using var keep = NewDisposeScope();
        trainer.Run(onCheckpoint: (step, m) =>
        {
            var s = State(m);
            var mean = s["2.running_mean"].clone();
            var variance = s["2.running_var"].clone();
            means.Add(mean);
            variances.Add(variance);
            Assert.Equal(0L, s["2.num_batches_tracked"].item<long>());   // no mini-batch ever went through BatchNorm in train mode

            var parameters = ParameterNames.Select(n => s[n].detach().clone()).ToArray();
            if (step > 0)
            {
                // The update from step − 1 was θ ← θ − η·v with v ← μ·v + ∇L(θ) of the eval-mode loss computed below.
                var want = expectedNext[^1];
                for (int i = 0; i < parameters.Length; i++)
                    Assert.True(parameters[i].allclose(want[i], rtol: 0, atol: RoundOff), $"step {step}: {ParameterNames[i]} is not the SGD update of the population-statistics loss");
            }
            if (step % Refresh == 0)
            {
                var (populationMean, populationVariance) = PopulationStatisticsOf(m, data.Subset.Inputs);
                Assert.True(mean.allclose(populationMean, rtol: RoundOff, atol: RoundOff), $"step {step}: running mean {mean.str()} ≠ population mean {populationMean.str()}");
                Assert.True(variance.allclose(populationVariance, rtol: RoundOff, atol: RoundOff), $"step {step}: running var ≠ population variance");
            }
            if (step == steps) return;

            using var index = BatchIndex(step);
            var x = data.Train.Inputs.index_select(0, index);
            var y = data.Train.Targets.index_select(0, index);
            var leaves = parameters.Select(p => p.requires_grad_(true)).ToArray();
            var loss = Loss(leaves, x, y, mean, variance);
            expectedLoss.Add(loss.item<double>());
            var gradients = autograd.grad([loss], leaves);
            using (no_grad())
            {
                velocity = velocity is null ? gradients.Select(g => g.clone()).ToArray() : velocity.Select((v, i) => v * momentum + gradients[i]).ToArray();
                expectedNext.Add(leaves.Select((p, i) => p.detach() - velocity[i] * rate).ToArray());
                // What batch statistics (mean and biased variance of this batch) would have given instead.
                var h = x.matmul(leaves[0].T) + leaves[1];
                var batchMean = h.mean([0]);
                batchStatisticsLoss.Add(Loss(leaves, x, y, batchMean, (h - batchMean).square().mean([0])).item<double>());
            }
        });

        var history = trainer.History;
        Assert.Equal(steps, history.Loss.Length);
        for (int t = 0; t < steps; t++)
        {
            Assert.True(Math.Abs(history.Loss[t] - expectedLoss[t]) <= RoundOff, $"step {t}: recorded loss {history.Loss[t]:R}, eval-mode loss {expectedLoss[t]:R}");
            // The check has teeth: with the batch's own statistics the loss would be visibly different.
            Assert.True(Math.Abs(history.Loss[t] - batchStatisticsLoss[t]) > 1e-6, $"step {t}: batch and population statistics give the same loss");
        }
        for (int step = 1; step <= steps; step++)
        {
            int refreshedAt = step / Refresh * Refresh;
            bool same = means[step].equal(means[refreshedAt]).all().item<bool>() && variances[step].equal(variances[refreshedAt]).all().item<bool>();
            if (step % Refresh != 0)
                Assert.True(same, $"step {step}: the statistics moved since the refresh at step {refreshedAt}");
            else
                Assert.False(means[step].equal(means[step - 1]).all().item<bool>(), $"step {step}: the statistics were not refreshed");
        }
    }

    [Theory]
    [InlineData(4)]    // inside the second refresh interval
    [InlineData(8)]    // inside the third, and in the second epoch (5 batches per epoch)
    [InlineData(6)]    // exactly at a refresh: the resumed trainer recomputes the same statistics
    public void ResumeAnywhereContinuesBitIdentically(int stopAt)
    {
        const int steps = 13;
        using var data = new Data();
        var options = Options(steps) with { EvaluateEvery = 2, WeightDecay = 1e-3, Schedule = LearningRateSchedule.Cosine };
        using var straight = Model();
        using var straightTrainer = new Trainer(straight, options, data.Train.Inputs, data.Train.Targets, data.HeldOut.Inputs, data.HeldOut.Targets, data.Subset);
        var expected = straightTrainer.Run();

        using var temp = new Cli.TempDirectory();
        using (var first = Model())
        using (var firstTrainer = new Trainer(first, options, data.Train.Inputs, data.Train.Targets, data.HeldOut.Inputs, data.HeldOut.Targets, data.Subset))
        {
            firstTrainer.Run(stopAt: stopAt);
            firstTrainer.Save(temp.Path);
        }
        using var second = Model(seed: 99);   // other initial weights and fresh running statistics: all must come from the files
        using var resumed = Trainer.Resume(second, options, data.Train.Inputs, data.Train.Targets, temp.Path, data.HeldOut.Inputs, data.HeldOut.Targets, data.Subset);
        Assert.Equal(stopAt, resumed.Step);
        var actual = resumed.Run();

        Assert.Equal(expected.Loss, actual.Loss);
        Assert.Equal(expected.Accuracy, actual.Accuracy);
        Assert.Equal(expected.LearningRate, actual.LearningRate);
        Assert.Equal(expected.EvaluationSteps, actual.EvaluationSteps);
        Assert.Equal(expected.HeldOutLoss, actual.HeldOutLoss);
        Assert.Equal(expected.HeldOutAccuracy, actual.HeldOutAccuracy);
        var want = State(straight);
        var got = State(second);
        Assert.Equal(want.Keys.Order(), got.Keys.Order());
        foreach (var (name, tensor) in got)
            Assert.True(tensor.bytes.ToArray().SequenceEqual(want[name].bytes.ToArray()), $"{name} differs after resume at step {stopAt}");
    }

    [Fact]
    public void APopulationRunIsNotABatchStatisticsRun()
    {
        // Same seed, data order and weights; only the statistics differ, so the losses must part from the first step on.
        using var data = new Data();
        using var a = Model();
        using var b = Model();
        using var population = new Trainer(a, Options(3), data.Train.Inputs, data.Train.Targets, population: data.Subset);
        using var batch = new Trainer(b, Options(3, refresh: 0), data.Train.Inputs, data.Train.Targets);
        var p = population.Run().Loss;
        var q = batch.Run().Loss;
        Assert.All(p.Zip(q), z => Assert.NotEqual(z.First, z.Second));
    }

    [Fact]
    public void ARefreshIntervalNeedsPopulationDataAndBatchNorm()
    {
        using var data = new Data();
        using var withNorm = Model();
        var e = Assert.Throws<ArgumentException>(() => new Trainer(withNorm, Options(5), data.Train.Inputs, data.Train.Targets));
        Assert.Contains("population data", e.Message);
        using var plain = Model(batchNorm: false);
        e = Assert.Throws<ArgumentException>(() => new Trainer(plain, Options(5), data.Train.Inputs, data.Train.Targets, population: data.Subset));
        Assert.Contains("BatchNorm", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Trainer(withNorm, Options(5, refresh: -1), data.Train.Inputs, data.Train.Targets, population: data.Subset));
        Assert.Contains("population refresh interval", e.Message);
        // Without a refresh interval the population is not needed, nor BatchNorm: both plain trainers are accepted.
        using (new Trainer(plain, Options(5, refresh: 0), data.Train.Inputs, data.Train.Targets, population: data.Subset)) { }
        using (new Trainer(withNorm, Options(5, refresh: 0), data.Train.Inputs, data.Train.Targets)) { }
    }

    [Theory]
    [InlineData(Refresh, 4)]
    [InlineData(Refresh, 0)]
    [InlineData(0, Refresh)]
    public void ResumingWithAnotherRefreshIntervalIsRefused(int saved, int given)
    {
        using var data = new Data();
        using var temp = new Cli.TempDirectory();
        using (var model = Model())
        using (var trainer = new Trainer(model, Options(8, saved), data.Train.Inputs, data.Train.Targets, population: data.Subset))
        {
            trainer.Run(stopAt: 4);
            trainer.Save(temp.Path);
        }
        using var again = Model();
        var e = Assert.Throws<CheckpointException>(() => Trainer.Resume(again, Options(8, given), data.Train.Inputs, data.Train.Targets, temp.Path, population: data.Subset));
        Assert.Contains($"population refresh interval {saved}, not {given}", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void PopulationTrainingSavingAndResumingLeaveNoTensors()
    {
        using var data = new Data();
        using var model = Model();
        using var temp = new Cli.TempDirectory();
        var options = Options(7) with { CheckpointSteps = [2, 3] };
        long leaked = LiveTensors.LeakedBy(() =>
        {
            using (var trainer = new Trainer(model, options, data.Train.Inputs, data.Train.Targets, data.HeldOut.Inputs, data.HeldOut.Targets, data.Subset))
            {
                trainer.Run(stopAt: 4, onCheckpoint: (_, _) => { });
                trainer.Save(temp.Path);
            }
            using var resumed = Trainer.Resume(model, options, data.Train.Inputs, data.Train.Targets, temp.Path, data.HeldOut.Inputs, data.HeldOut.Targets, data.Subset);
            resumed.Run();
        });
        Assert.Equal(0, leaked);
    }
}
