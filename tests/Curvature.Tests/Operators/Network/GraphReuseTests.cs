using Curvature.Estimators;
using Curvature.Models;
using Curvature.Operators;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Operators.Network;

/// <summary>
/// Graph reuse inside product sessions: the graph of each batch (forward and first backward with create_graph) is built
/// once and reused, and every product must equal — bit for bit — the product that rebuilds it, for every operator that
/// builds per-batch graphs, every BatchNorm mode, whole and partial caches, and after anything that runs the model in
/// between (which must release the graphs rather than let a backward run through invalidated saved tensors — that
/// aborts the process).
/// </summary>
public sealed class GraphReuseTests
{
    const int Samples = 8, BatchSize = 3, Classes = 3, Batches = 3;

    public static TheoryData<string, BatchNormMode, string> Cases()
    {
        var data = new TheoryData<string, BatchNormMode, string>();
        foreach (var kind in new[] { "hessian", "ggn", "fisher" })
            foreach (var mode in Enum.GetValues<BatchNormMode>())
                foreach (var net in new[] { "mlp", "cnn" })
                    data.Add(kind, mode, net);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SessionProductsEqualRebuiltProductsBitForBit(string kind, BatchNormMode mode, string net)
    {
        using var scope = NewDisposeScope();
        var (model, shape) = Build(net);
        using var data = Data(shape, 3, Samples, BatchSize);
        using var population = Data(shape, 4, 2 * Samples, null);
        using var op = Operator(kind, model, data, mode, population);
        var block = Block(op.Size, 3, seed: 11);
        var rebuilt = op.Multiply(block);
        var single = op.Multiply(block[.., 1]);

        Tensor first, second, vector;
        using (ProductSession.Begin(op))
        {
            first = op.Multiply(block);      // builds and keeps the graphs
            second = op.Multiply(block);     // reuses them
            vector = op.Multiply(block[.., 1]);
        }
        AssertBitEqual(rebuilt, first, "first product in the session");
        AssertBitEqual(rebuilt, second, "product on the kept graphs");
        AssertBitEqual(single, vector, "vector product on the kept graphs");
        Assert.Equal(new GraphCacheReport(Batches, Batches, op.LastGraphCache!.ResidentGrowthBytes, op.LastGraphCache.BudgetBytes, 7), op.LastGraphCache);
    }

    [Fact]
    public void APartialCacheRebuildsTheRestAndGivesTheSameProducts()
    {
        using var scope = NewDisposeScope();
        var (model, shape) = Build("mlp");
        using var data = Data(shape, 3, Samples, BatchSize);
        using var op = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train) { MaxCachedBatches = 1 };
        var block = Block(op.Size, 2, seed: 12);
        var rebuilt = op.Multiply(block);
        using (ProductSession.Begin(op))
        {
            AssertBitEqual(rebuilt, op.Multiply(block), "first");
            AssertBitEqual(rebuilt, op.Multiply(block), "second");
        }
        Assert.Equal(1, op.LastGraphCache!.CachedBatches);
        Assert.Equal(Batches, op.LastGraphCache.Batches);
    }

    [Fact]
    public void ABudgetOfZeroKeepsNothingAndChangesNothing()
    {
        using var scope = NewDisposeScope();
        var (model, shape) = Build("mlp");
        using var data = Data(shape, 3, Samples, BatchSize);
        using var op = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train) { GraphCacheBudget = 0 };
        var block = Block(op.Size, 2, seed: 13);
        var rebuilt = op.Multiply(block);
        using (ProductSession.Begin(op))
            AssertBitEqual(rebuilt, op.Multiply(block), "no cache");
        Assert.Null(op.LastGraphCache);
    }

    [Fact]
    public void TheMemoryBudgetStopsCachingOnceResidentGrowthExceedsIt()
    {
        using var scope = NewDisposeScope();
        var (model, shape) = Build("mlp");
        using var data = Data(shape, 3, Samples, BatchSize);
        // A budget of one byte: any growth of the resident set stops the cache; whatever happens, products are unchanged.
        using var op = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train) { GraphCacheBudget = 1 };
        var block = Block(op.Size, 2, seed: 14);
        var rebuilt = op.Multiply(block);
        using (ProductSession.Begin(op))
        {
            AssertBitEqual(rebuilt, op.Multiply(block), "first");
            AssertBitEqual(rebuilt, op.Multiply(block), "second");
        }
        var report = op.LastGraphCache!;
        Assert.Equal(1, report.BudgetBytes);
        Assert.True(report.ResidentGrowthBytes <= report.BudgetBytes, $"kept graphs while resident growth was {report.ResidentGrowthBytes} B");
    }

    [Fact]
    public void RunningTheModelInsideASessionReleasesTheGraphsAndProductsStayExact()
    {
        using var scope = NewDisposeScope();
        var (model, shape) = Build("mlp");
        using var data = Data(shape, 3, Samples, BatchSize);
        using var population = Data(shape, 4, 2 * Samples, null);
        using var train = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        using var eval = new GaussNewtonOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Population, population: population);
        var block = Block(train.Size, 2, seed: 15);
        var expected = train.Multiply(block);
        var expectedEval = eval.Multiply(block);
        using (ProductSession.Begin(train))
        {
            AssertBitEqual(expected, train.Multiply(block), "before");
            train.LossAndGradient();
            AssertBitEqual(expected, train.Multiply(block), "after the operator's own gradient");
            train.Accuracy();
            train.BatchGradients(batchSize: 4);
            AssertBitEqual(expected, train.Multiply(block), "after accuracy and mini-batch gradients");
            AssertBitEqual(expectedEval, eval.Multiply(block), "another operator on the same model");
            AssertBitEqual(expected, train.Multiply(block), "after another operator ran the model");
            using (ProductSession.Begin(eval))
                AssertBitEqual(expectedEval, eval.Multiply(block), "another operator's session");
            AssertBitEqual(expected, train.Multiply(block), "after another operator's session");
        }
    }

    [Fact]
    public void SessionsNestAndReachOperatorsThroughWrappers()
    {
        using var scope = NewDisposeScope();
        var (model, shape) = Build("mlp");
        using var data = Data(shape, 3, Samples, BatchSize);
        using var op = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        using var counted = new CountingOperator(OperatorAlgebra.Shift(op, 0.5), _ => { });
        var block = Block(op.Size, 1, seed: 16);
        var expected = counted.Multiply(block);
        using (ProductSession.Begin(counted))
        {
            using (ProductSession.Begin(op)) AssertBitEqual(expected, counted.Multiply(block), "nested");
            AssertBitEqual(expected, counted.Multiply(block), "after the inner session closed");
        }
        Assert.Equal(new GraphCacheReport(Batches, Batches, op.LastGraphCache!.ResidentGrowthBytes, op.LastGraphCache.BudgetBytes, 2), op.LastGraphCache);
    }

    [Fact]
    public void AnExceptionInsideASessionLeavesTheModelUntouched()
    {
        using var scope = NewDisposeScope();
        var (model, shape) = Build("mlp");
        using var data = Data(shape, 3, Samples, BatchSize);
        using var op = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        string before = TinyNetworks.Fingerprint(model);
        void Interrupted()
        {
            using (ProductSession.Begin(op))
            {
                op.Multiply(Block(op.Size, 1, seed: 17));
                throw new OperationCanceledException();
            }
        }
        Assert.Throws<OperationCanceledException>(Interrupted);
        Assert.Equal(before, TinyNetworks.Fingerprint(model));
    }

    [Fact]
    public void ASessionLeavesNoLiveTensors()
    {
        var (model, shape) = Build("cnn");
        using var data = Data(shape, 3, Samples, BatchSize);
        using var op = new GaussNewtonOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        using var block = Block(op.Size, 2, seed: 18);
        long leaked = LiveTensors.LeakedBy(() =>
        {
            using (ProductSession.Begin(op))
                for (int i = 0; i < 3; i++) op.Multiply(block).Dispose();
        });
        Assert.Equal(0, leaked);
    }

    [Fact]
    public void EstimatorsOpenSessionsAndGiveIdenticalResults()
    {
        using var scope = NewDisposeScope();
        var (model, shape) = Build("mlp");
        using var data = Data(shape, 3, Samples, BatchSize);
        using var reused = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        using var rebuilt = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train) { GraphCacheBudget = 0 };
        Eigenpairs Top(ILinearOperator op) { using var g = new Generator(19); return TopEigenpairs.Compute(op, 3, EigenvalueOrder.LargestAlgebraic, g); }
        TraceEstimate Trace(ILinearOperator op) { using var g = new Generator(20); return HutchPlusPlus.Estimate(op, 12, g); }
        var (a, b) = (Top(reused), Top(rebuilt));
        Assert.Equal(b.Values, a.Values);
        Assert.True(reused.LastGraphCache!.Products > 3, "the eigensolver's products ran in a session");
        Assert.Equal(Trace(rebuilt).Estimate, Trace(reused).Estimate);
    }

    static void AssertBitEqual(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.eq(actual).all().item<bool>(), $"{what}: max |Δ| = {(expected - actual).abs().max().item<double>():G3}");
    }

    static Tensor Block(long n, int k, ulong seed)
    {
        using var generator = new Generator(seed);
        return randn(n, k, dtype: ScalarType.Float64, generator: generator);
    }

    static NetworkOperator Operator(string kind, nn.Module<Tensor, Tensor> model, NetworkData data, BatchNormMode mode, NetworkData population) => kind switch
    {
        "hessian" => new HessianOperator(model, LossKind.CrossEntropy, data, mode, population: population),
        "ggn" => new GaussNewtonOperator(model, LossKind.CrossEntropy, data, mode, population: population),
        _ => new EmpiricalFisherOperator(model, LossKind.CrossEntropy, data, mode, population: population),
    };

    static (nn.Module<Tensor, Tensor> Model, long[] Shape) Build(string net) => net switch
    {
        "mlp" => (new MlpSpec(6, [5, 4], Classes, Activation.Tanh, NormKind.Batch).Build(ScalarType.Float64, 1), [6]),
        _ => (new CnnSpec(1, 6, 6, [2, 2], [3, 2], [2, 1], [0, 0], Classes, Activation.Tanh, NormKind.Batch).Build(ScalarType.Float32, 1), [1, 6, 6]),
    };

    static NetworkData Data(long[] shape, ulong seed, int count, int? batchSize)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(seed);
        var x = randn([count, .. shape], dtype: ScalarType.Float64, generator: generator);
        var y = randint(0, Classes, [count], generator: generator);
        return new NetworkData(x, y, batchSize);
    }
}
