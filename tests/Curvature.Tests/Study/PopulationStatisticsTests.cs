using Curvature.Operators;
using Curvature.Tests.Operators.Network;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Curvature.Tests.Study;

public sealed class PopulationStatisticsTests
{
    /// <summary>The same mean and variance computed by BatchNorm's kernel and by mean/var here: float64 round-off of
    /// sums over at most a few thousand terms (~1e-13 relative), with a decade to spare.</summary>
    const double StatisticsTolerance = 1e-12;

    static double RelativeError(Tensor a, Tensor b) => (a - b).norm().item<double>() / Math.Max(b.norm().item<double>(), 1e-300);

    static TorchSharp.Modules.BatchNorm Norm(Module model, string name) =>
        (TorchSharp.Modules.BatchNorm)model.named_modules().First(m => m.name == name).module;

    /// <summary>Leaves the BatchNorm layers with non-default running statistics, counter and momentum, and the model
    /// in eval mode, so that "left as it was" is checked against values Apply could not produce by accident.</summary>
    static void Disturb(Module<Tensor, Tensor> model, Tensor inputs, TorchSharp.Modules.BatchNorm norm)
    {
        model.train();
        using (no_grad()) model.call(inputs).Dispose();
        norm.momentum = 0.3;
        model.eval();
    }

    [Fact]
    public void OneChunkGivesTheBatchMeanAndUnbiasedVarianceOfTheLayerInputs()
    {
        using var scope = NewDisposeScope();
        var model = TinyNetworks.Mlp(4, 3, 2, batchNorm: true, seed: 40);
        using var population = TinyNetworks.Classification(50, [4], 2, seed: 41);
        var bn = Norm(model, "2");
        Disturb(model, randn(7, 4, dtype: ScalarType.Float64, generator: new Generator(42)), bn);
        var counter = bn.num_batches_tracked!.clone();
        string parameters = string.Join("|", model.parameters().Select(p => Convert.ToHexString(p.bytes)));

        PopulationStatistics.Apply(model, population);

        // The layer's input is the first Linear's output over the whole subset.
        var lin = (Module<Tensor, Tensor>)model.named_modules().First(m => m.name == "1").module;
        var a = lin.call(population.Inputs).detach();
        var unbiased = a.var(0L, unbiased: true);
        Assert.True(RelativeError(bn.running_mean!, a.mean([0L])) <= StatisticsTolerance);
        Assert.True(RelativeError(bn.running_var!, unbiased) <= StatisticsTolerance);
        Assert.True(RelativeError(a.var(0L, unbiased: false), unbiased) > 1e-3);   // N = 50: the denominators differ by 2%
        Assert.Equal(0.3, bn.momentum);
        Assert.Equal(counter.item<long>(), bn.num_batches_tracked!.item<long>());
        Assert.False(model.training);
        Assert.All(model.named_modules(), m => Assert.False(m.module.training));
        Assert.Equal(parameters, string.Join("|", model.parameters().Select(p => Convert.ToHexString(p.bytes))));
    }

    [Fact]
    public void ConvolutionStatisticsPoolBatchAndSpace()
    {
        using var scope = NewDisposeScope();
        var model = TinyNetworks.Cnn(batchNorm: true, seed: 43);
        using var population = TinyNetworks.Classification(20, [1, 7, 7], 4, seed: 44);
        model.train();
        PopulationStatistics.Apply(model, population);
        Assert.True(model.training);   // the flag is restored whichever it was
        var conv = (Module<Tensor, Tensor>)model.named_modules().First(m => m.name == "0").module;
        var a = conv.call(population.Inputs).detach().transpose(0, 1).reshape(3, -1);   // [C, N·H·W]
        var bn = Norm(model, "bn");
        Assert.True(RelativeError(bn.running_mean!, a.mean([1L])) <= StatisticsTolerance);
        Assert.True(RelativeError(bn.running_var!, a.var(1L, unbiased: true)) <= StatisticsTolerance);
    }

    /// <summary>Beyond one chunk the statistics are PyTorch's cumulative average (momentum None) of the chunks'
    /// mean and unbiased variance: each chunk weighs equally, and N = 5000 splits into two chunks of 2500.</summary>
    [Fact]
    public void SeveralChunksGiveTheAverageOfChunkStatistics()
    {
        using var scope = NewDisposeScope();
        Assert.Equal([(0L, 2500L), (2500L, 2500L)], PopulationStatistics.Chunks(5000));
        Assert.Equal([(0L, 2049L), (2049L, 2048L)], PopulationStatistics.Chunks(4097));   // never a chunk of one sample
        Assert.Equal([(0L, 4096L)], PopulationStatistics.Chunks(4096));
        var model = TinyNetworks.Mlp(2, 2, 2, batchNorm: true, seed: 45);
        using var population = TinyNetworks.Classification(5000, [2], 2, seed: 46);
        PopulationStatistics.Apply(model, population);
        var lin = (Module<Tensor, Tensor>)model.named_modules().First(m => m.name == "1").module;
        var a = lin.call(population.Inputs).detach();
        var (first, second) = (a.narrow(0, 0, 2500), a.narrow(0, 2500, 2500));
        var bn = Norm(model, "2");
        Assert.True(RelativeError(bn.running_mean!, (first.mean([0L]) + second.mean([0L])) / 2) <= StatisticsTolerance);
        Assert.True(RelativeError(bn.running_var!, (first.var(0L) + second.var(0L)) / 2) <= StatisticsTolerance);
    }

    [Fact]
    public void OperatorPopulationModeUsesTheSameStatistics()
    {
        using var scope = NewDisposeScope();
        var model = TinyNetworks.Mlp(4, 3, 2, batchNorm: true, seed: 47);
        using var data = TinyNetworks.Classification(16, [4], 2, seed: 48);
        using var population = TinyNetworks.Classification(40, [4], 2, seed: 49);
        string before = TinyNetworks.Fingerprint(model);
        using var pop = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Population, population: population);
        var expected = pop.ToDense();
        Assert.Equal(before, TinyNetworks.Fingerprint(model));   // the operator keeps its statistics to itself
        PopulationStatistics.Apply(model, population);
        using var eval = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Eval);
        Assert.Equal(0, (eval.ToDense() - expected).abs().max().item<double>());   // the same code computed both
    }

    [Fact]
    public void ModelsWithoutBatchNormAreLeftAloneAndBadPopulationsRejected()
    {
        var plain = TinyNetworks.Mlp(4, 3, 2, batchNorm: false, seed: 50);
        using var population = TinyNetworks.Classification(10, [4], 2, seed: 51);
        string before = TinyNetworks.Fingerprint(plain);
        PopulationStatistics.Apply(plain, population);
        Assert.Equal(before, TinyNetworks.Fingerprint(plain));
        var model = TinyNetworks.Mlp(4, 3, 2, batchNorm: true, seed: 52);
        using var one = TinyNetworks.Classification(1, [4], 2, seed: 53);
        Assert.DoesNotContain('\n', Assert.Throws<ArgumentException>(() => PopulationStatistics.Apply(model, one)).Message);
        Assert.Throws<ArgumentNullException>(() => PopulationStatistics.Apply(model, null!));
    }

    [Fact]
    public void ApplyLeavesNoLiveTensors()
    {
        var model = TinyNetworks.Mlp(4, 3, 2, batchNorm: true, seed: 54);
        using var population = TinyNetworks.Classification(30, [4], 2, seed: 55);
        Assert.Equal(0, LiveTensors.LeakedBy(() => PopulationStatistics.Apply(model, population)));
    }
}
