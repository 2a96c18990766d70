using Curvature.Checkpoints;
using Curvature.Models;
using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Distributed.Tests;

/// <summary>The distributed operator against the single-process operator on the same model, data and partition, on an
/// in-process two-silo cluster.</summary>
public sealed class DistributedOperatorTests(ShardClusterFixture fixture) : IClassFixture<ShardClusterFixture>
{
    /// <summary>Relative max-norm difference allowed between the distributed and the single-process product in float64: the
    /// two add the same per-batch products in a different grouping (Σ_s (n_s/N)·Σ_{b∈s} (|b|/n_s)·H_b v versus
    /// Σ_b (|b|/N)·H_b v) with one extra scaling per shard, so they differ by a few ulps of the largest partial sums
    /// (≈ 1e-15 relative for a handful of batches); 1e-12 leaves room for cancellation between batches without hiding a
    /// missing, doubled or mis-weighted shard, each of which changes the product at order 1e-1.</summary>
    const double RoundOffRelative = 1e-12;

    const int Samples = 23, Features = 4, Classes = 3, BatchSize = 4, Probes = 3;

    /// <summary>Shards of 8, 8 and 7 samples: on batch boundaries, the last one with a short batch of 3.</summary>
    static readonly ShardRange[] Shards = [new(0, 8), new(8, 8), new(16, 7)];

    [Theory]
    [InlineData(BatchNormMode.Eval)]
    [InlineData(BatchNormMode.Train)]
    public async Task ProductsEqualTheSingleProcessOperatorAndRepeatBitForBit(BatchNormMode mode)
    {
        var spec = new MlpSpec(Features, [5], Classes, Activation.Tanh, NormKind.Batch);
        string tag = $"{mode}".ToLowerInvariant();
        string weights = Path.Combine(fixture.Directory, $"weights-{tag}.safetensors");
        string dataPath = Path.Combine(fixture.Directory, $"data-{tag}.safetensors");

        using var generator = new Generator(20260107);
        using var inputs = randn(Samples, Features, dtype: ScalarType.Float64, generator: generator);
        using var targets = randint(0, Classes, [Samples], dtype: ScalarType.Int64, generator: generator);
        using var model = spec.Build(ScalarType.Float64, generator);
        // A few train-mode forwards move the running statistics off their initial (0, 1), so eval mode is a real test.
        using (no_grad())
            for (int i = 0; i < 3; i++) model.call(inputs.mul(1 + i)).Dispose();
        Checkpoint.Save(model, weights);
        ShardDataFile.Save(dataPath, inputs, targets);

        using var data = new NetworkData(inputs, targets, BatchSize);
        using var single = new HessianOperator(model, LossKind.CrossEntropy, data, mode);
        using var vectors = randn(single.Size, Probes, dtype: ScalarType.Float64, generator: generator);
        using var expected = single.Multiply(vectors);

        RunManifest Manifest(string runId) => new(runId,
            new ModelEntry(spec, weights, FileHash.Sha256(weights)),
            new DataEntry(dataPath, FileHash.Sha256(dataPath), Samples, Shards),
            BatchSize, mode, LossKind.CrossEntropy, OperatorKind.Hessian, ScalarType.Float64);
        var first = Manifest($"first-{tag}");
        var second = Manifest($"second-{tag}");
        first.Save(Path.Combine(fixture.Directory, first.RunId + ".json"));
        second.Save(Path.Combine(fixture.Directory, second.RunId + ".json"));

        using var distributed = await DistributedHessianOperator.ConnectAsync(fixture.Cluster.Client, first);
        using var again = await DistributedHessianOperator.ConnectAsync(fixture.Cluster.Client, second);
        Assert.Equal(single.Size, distributed.Size);
        Assert.Equal(Shards.Length, distributed.ShardCount);

        Tensor? product = null, repeat = null, otherRun = null;
        try
        {
            long leaked = LeakedBy(() => product = distributed.Multiply(vectors));
            repeat = distributed.Multiply(vectors);
            otherRun = again.Multiply(vectors);

            double scale = expected.abs().max().item<double>();
            Assert.True(scale > 0);
            double relative = (product! - expected).abs().max().item<double>() / scale;
            Assert.True(relative <= RoundOffRelative, $"{mode}: distributed vs single-process relative difference {relative:G3} > {RoundOffRelative:G1}");
            Assert.Equal(product!.data<double>().ToArray(), repeat.data<double>().ToArray());
            Assert.Equal(product!.data<double>().ToArray(), otherRun.data<double>().ToArray());
            Assert.Equal(1, leaked);   // the product itself, and nothing else
            Assert.Equal(0, distributed.Retries);
            Assert.Equal(2, distributed.Iterations);
        }
        finally
        {
            product?.Dispose();
            repeat?.Dispose();
            otherRun?.Dispose();
        }
    }

    static long LeakedBy(Action action)
    {
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        action();
        return DisposeScopeManager.Statistics.ThreadTotalLiveCount - before;
    }
}
