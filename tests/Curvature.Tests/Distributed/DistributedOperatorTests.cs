using Curvature.Distributed;
using Curvature.Checkpoints;
using Curvature.Models;
using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Distributed;

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

    const int Samples = 23, Features = 4, Classes = 3, BatchSize = 4;

    /// <summary>Shards of 8, 8 and 7 samples: on batch boundaries, the last one with a short batch of 3.</summary>
    static readonly ShardRange[] Shards = [new(0, 8), new(8, 8), new(16, 7)];

    [Theory]
    [InlineData(BatchNormMode.Eval, 1)]
    [InlineData(BatchNormMode.Eval, 3)]
    [InlineData(BatchNormMode.Train, 1)]
    [InlineData(BatchNormMode.Train, 3)]
    public async Task ProductsEqualTheSingleProcessOperatorAndRepeatBitForBit(BatchNormMode mode, int columns)
    {
        using var run = Run.Create(fixture.Directory, mode, $"{mode}-{columns}".ToLowerInvariant(), columns);
        using var distributed = await DistributedHessianOperator.ConnectAsync(fixture.Cluster.Client, run.Manifest("first"));
        using var again = await DistributedHessianOperator.ConnectAsync(fixture.Cluster.Client, run.Manifest("second"));
        Assert.Equal(run.Single.Size, distributed.Size);
        Assert.Equal(Shards.Length, distributed.ShardCount);

        Tensor? product = null, repeat = null, otherRun = null;
        try
        {
            long leaked = LeakedBy(() => product = distributed.Multiply(run.Vectors));
            repeat = distributed.Multiply(run.Vectors);
            otherRun = again.Multiply(run.Vectors);

            double scale = run.Expected.abs().max().item<double>();
            Assert.True(scale > 0);
            double relative = (product! - run.Expected).abs().max().item<double>() / scale;
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

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task AShardThatFailsTransientlyIsRetriedAloneAndTheProductIsUnchanged(int columns)
    {
        using var run = Run.Create(fixture.Directory, BatchNormMode.Eval, $"retry-{columns}", columns);
        var fast = new ShardRetryPolicy(3, TimeSpan.FromMilliseconds(10), 2.0);
        using var steady = await DistributedHessianOperator.ConnectAsync(fixture.Cluster.Client, run.Manifest("steady"), fast);
        var flakyManifest = run.Manifest("flaky");
        using var flaky = await DistributedHessianOperator.ConnectAsync(fixture.Cluster.Client, flakyManifest, fast);

        FaultInjection.FailNextProduct(flakyManifest.RunId, shard: 1);
        using var reference = steady.Multiply(run.Vectors);
        using var retried = flaky.Multiply(run.Vectors);

        Assert.False(FaultInjection.IsArmed(flakyManifest.RunId, 1));   // the planted failure did happen
        Assert.Equal(1, flaky.Retries);
        Assert.Equal(reference.data<double>().ToArray(), retried.data<double>().ToArray());
    }

    [Fact]
    public async Task AShardThatKeepsFailingFailsTheProductAfterTheLastAttempt()
    {
        using var run = Run.Create(fixture.Directory, BatchNormMode.Eval, "exhausted", columns: 3);
        var once = new ShardRetryPolicy(1, TimeSpan.Zero, 1.0);
        var manifest = run.Manifest("exhausted");
        using var op = await DistributedHessianOperator.ConnectAsync(fixture.Cluster.Client, manifest, once);
        FaultInjection.FailNextProduct(manifest.RunId, shard: 2);
        Assert.Throws<SiloUnavailableException>(() => op.Multiply(run.Vectors).Dispose());
        Assert.Equal(0, op.Retries);
    }

    /// <summary>One call per shard carries the whole block, and the shard multiplies it at once: the block's product equals
    /// the products of its columns sent one by one, to round-off (a batched matrix product may group sums differently
    /// from a single column's), in both BatchNorm modes; a column sent to the wrong place or a mixed-up layout would
    /// differ at order 1.</summary>
    [Theory]
    [InlineData(BatchNormMode.Eval)]
    [InlineData(BatchNormMode.Train)]
    public async Task ABlockProductEqualsItsColumnsMultipliedOneByOne(BatchNormMode mode)
    {
        const int columns = 3;
        using var run = Run.Create(fixture.Directory, mode, $"block-{mode}".ToLowerInvariant(), columns);
        using var op = await DistributedHessianOperator.ConnectAsync(fixture.Cluster.Client, run.Manifest("block"));
        using var block = op.Multiply(run.Vectors);
        Assert.Equal(1, op.Iterations);   // one iteration (one call per shard) for the whole block
        double scale = block.abs().max().item<double>();
        Assert.True(scale > 0);
        for (int j = 0; j < columns; j++)
        {
            using var column = run.Vectors[.., j].contiguous();
            using var single = op.Multiply(column);
            using var fromBlock = block[.., j];
            using var difference = (single - fromBlock).abs();
            double relative = difference.max().item<double>() / scale;
            Assert.True(relative <= RoundOffRelative, $"{mode}: column {j} alone vs in the block: relative difference {relative:G3} > {RoundOffRelative:G1}");
        }
        Assert.Equal(1 + columns, op.Iterations);
    }

    /// <summary>A block above the chunk size travels in pieces each way (here 40-byte pieces: 5 values, so the last piece
    /// of every column boundary is cut mid-row) and the product is bit for bit the one-message product; a shard whose
    /// chunked exchange fails after its pieces were staged repeats the whole exchange and still gives the same bits.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task ABlockSentInPiecesGivesTheSameBitsAsOneMessage(int columns)
    {
        const int chunkBytes = 40;
        using var run = Run.Create(fixture.Directory, BatchNormMode.Train, $"chunks-{columns}", columns);
        using var whole = await DistributedHessianOperator.ConnectAsync(fixture.Cluster.Client, run.Manifest("whole"));
        var fast = new ShardRetryPolicy(3, TimeSpan.FromMilliseconds(10), 2.0);
        var chunkedManifest = run.Manifest("pieces");
        using var chunked = await DistributedHessianOperator.ConnectAsync(fixture.Cluster.Client, chunkedManifest, new DistributedOptions(fast, chunkBytes));
        using var reference = whole.Multiply(run.Vectors);
        using var inPieces = chunked.Multiply(run.Vectors);
        Assert.Equal(reference.data<double>().ToArray(), inPieces.data<double>().ToArray());

        long blockBytes = run.Single.Size * columns * sizeof(double);
        Assert.True(blockBytes > 10 * chunkBytes, "the block must need many pieces");
        Assert.Equal(Shards.Length * blockBytes, chunked.BytesSent);
        Assert.Equal(Shards.Length * blockBytes, chunked.BytesReceived);
        Assert.Equal(whole.BytesSent, chunked.BytesSent);

        FaultInjection.FailNextProduct(chunkedManifest.RunId, shard: 0);
        using var retried = chunked.Multiply(run.Vectors);
        Assert.False(FaultInjection.IsArmed(chunkedManifest.RunId, 0));
        Assert.Equal(1, chunked.Retries);
        Assert.Equal(reference.data<double>().ToArray(), retried.data<double>().ToArray());
        // The failed exchange had sent its pieces before the planted failure: they count, the answer does not.
        Assert.Equal((2 * Shards.Length + 1) * blockBytes, chunked.BytesSent);
        Assert.Equal(2 * Shards.Length * blockBytes, chunked.BytesReceived);
    }

    /// <summary>A float32 model's blocks and partial products travel as float32 (half the bytes of float64; nothing is
    /// rounded, since they are float32 values), the product comes back in float32, and it equals the single-process
    /// float32 operator to float32 round-off of the different grouping of the shards' sums.</summary>
    [Fact]
    public async Task AFloat32RunMovesFloat32AndMatchesTheSingleProcessOperator()
    {
        const int columns = 2;
        // A few float32 ulps (ε = 1.2e-7) of the largest entries: the two sums group the same float32 batch products
        // differently and the cluster adds them in float64; a missing or mis-weighted shard differs at order 1e-1.
        const double float32RoundOff = 1e-5;
        using var run = Run.Create(fixture.Directory, BatchNormMode.Train, "float32", columns, ScalarType.Float32);
        using var op = await DistributedHessianOperator.ConnectAsync(fixture.Cluster.Client, run.Manifest("float32"));
        Assert.Equal(ScalarType.Float32, op.DType);
        using var product = op.Multiply(run.Vectors);
        Assert.Equal(ScalarType.Float32, product.dtype);
        double scale = run.Expected.abs().max().item<float>();
        double relative = (product - run.Expected).abs().max().item<float>() / scale;
        Assert.True(relative <= float32RoundOff, $"float32: distributed vs single-process relative difference {relative:G3} > {float32RoundOff:G1}");
        long blockBytes = run.Single.Size * columns * sizeof(float);
        Assert.Equal(Shards.Length * blockBytes, op.BytesSent);
        Assert.Equal(Shards.Length * blockBytes, op.BytesReceived);
    }

    /// <summary>A model, data and vectors written to files, the single-process operator and its products, and manifests
    /// naming those files under any run id.</summary>
    sealed class Run : IDisposable
    {
        public required MlpSpec Spec { get; init; }
        public required string Weights { get; init; }
        public required string DataPath { get; init; }
        public required BatchNormMode Mode { get; init; }
        public ScalarType DType => Vectors.dtype;
        public required string Directory { get; init; }
        public required string Tag { get; init; }
        public required nn.Module<Tensor, Tensor> Model { get; init; }
        public required NetworkData Data { get; init; }
        public required HessianOperator Single { get; init; }
        public required Tensor Vectors { get; init; }
        public required Tensor Expected { get; init; }

        public static Run Create(string directory, BatchNormMode mode, string tag, int columns, ScalarType dtype = ScalarType.Float64)
        {
            var spec = new MlpSpec(Features, [5], Classes, Activation.Tanh, NormKind.Batch);
            string weights = Path.Combine(directory, $"weights-{tag}.safetensors");
            string dataPath = Path.Combine(directory, $"data-{tag}.safetensors");
            using var generator = new Generator(20260107);
            using var inputs = randn(Samples, Features, dtype: dtype, generator: generator);
            using var targets = randint(0, Classes, [Samples], dtype: ScalarType.Int64, generator: generator);
            var model = spec.Build(dtype, generator);
            // A few train-mode forwards move the running statistics off their initial (0, 1), so eval mode is a real test.
            using (no_grad())
                for (int i = 0; i < 3; i++) model.call(inputs.mul(1 + i)).Dispose();
            Checkpoint.Save(model, weights);
            ShardDataFile.Save(dataPath, inputs, targets);
            var data = new NetworkData(inputs, targets, BatchSize);
            var single = new HessianOperator(model, LossKind.CrossEntropy, data, mode);
            var vectors = randn(single.Size, columns, dtype: dtype, generator: generator);
            return new Run
            {
                Spec = spec, Weights = weights, DataPath = dataPath, Mode = mode, Directory = directory, Tag = tag,
                Model = model, Data = data, Single = single, Vectors = vectors, Expected = single.Multiply(vectors),
            };
        }

        /// <summary>A manifest for run id "{name}-{tag}", saved where the silos look for it.</summary>
        public RunManifest Manifest(string name)
        {
            var manifest = new RunManifest($"{name}-{Tag}",
                new ModelEntry(Spec, null, null, Weights, FileHash.Sha256(Weights)),
                new DataEntry(DataPath, FileHash.Sha256(DataPath), Samples, Shards),
                BatchSize, Mode, LossKind.CrossEntropy, OperatorKind.Hessian, DType);
            manifest.Save(Path.Combine(Directory, manifest.RunId + ".json"));
            return manifest;
        }

        public void Dispose()
        {
            Expected.Dispose();
            Vectors.Dispose();
            Single.Dispose();
            Data.Dispose();
            Model.Dispose();
        }
    }

    static long LeakedBy(Action action)
    {
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        action();
        return DisposeScopeManager.Statistics.ThreadTotalLiveCount - before;
    }
}
