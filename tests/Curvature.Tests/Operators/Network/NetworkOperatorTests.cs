using Curvature.Operators;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Curvature.Tests.Operators.Network;

public sealed class NetworkOperatorTests
{
    /// <summary>Central differences with h = ε^(1/3) ≈ 6e-6 agree with the exact product to O(h²·‖∇³L‖) plus
    /// O(ε/h) ≈ 1e-10 relative for these smooth (tanh) nets; 1e-8 is the bound with two decades to spare.</summary>
    const double FiniteDifferenceTolerance = 1e-8;

    /// <summary>Exact identities computed two ways in float64: round-off of sums over ~1e3 terms.</summary>
    const double ExactTolerance = 1e-12;

    static double RelativeError(Tensor a, Tensor b) => (a - b).norm().item<double>() / Math.Max(b.norm().item<double>(), 1e-300);

    static void AssertMatchesFiniteDifferences(Module<Tensor, Tensor> model, LossKind loss, NetworkData data, BatchNormMode mode, NetworkData? population = null)
    {
        using var scope = NewDisposeScope();
        using var h = new HessianOperator(model, loss, data, mode, population: population);
        using var fd = new FiniteDifferenceHessianOperator(model, loss, data, mode, population: population);
        using var gen = new Generator(99);
        var v = randn(h.Size, 3, dtype: ScalarType.Float64, generator: gen);
        double error = RelativeError(h.Multiply(v), fd.Multiply(v));
        Assert.True(error <= FiniteDifferenceTolerance, $"{mode}: HVP vs finite differences relative error {error:G3}");
    }

    [Theory]
    [InlineData(BatchNormMode.Train)]
    [InlineData(BatchNormMode.Eval)]
    [InlineData(BatchNormMode.Population)]
    public void MlpWithBatchNormMatchesFiniteDifferences(BatchNormMode mode)
    {
        var model = TinyNetworks.Mlp(6, 5, 3, batchNorm: true, seed: 1);
        using var data = TinyNetworks.Classification(40, [6], 3, seed: 2, batchSize: 16);
        using var population = TinyNetworks.Classification(64, [6], 3, seed: 3);
        AssertMatchesFiniteDifferences(model, LossKind.CrossEntropy, data, mode, population);
    }

    [Theory]
    [InlineData(BatchNormMode.Train)]
    [InlineData(BatchNormMode.Eval)]
    public void ConvNetWithBatchNormMatchesFiniteDifferences(BatchNormMode mode)
    {
        var model = TinyNetworks.Cnn(batchNorm: true, seed: 4);
        using var data = TinyNetworks.Classification(12, [1, 7, 7], 4, seed: 5, batchSize: 5);
        AssertMatchesFiniteDifferences(model, LossKind.CrossEntropy, data, mode);
    }

    [Theory]
    [InlineData(BatchNormMode.Train)]
    [InlineData(BatchNormMode.Eval)]
    public void ResidualNetMatchesFiniteDifferences(BatchNormMode mode)
    {
        var model = TinyNetworks.ResidualNet(5, 3, seed: 6);
        using var data = TinyNetworks.Classification(20, [5], 3, seed: 7, batchSize: 8);
        AssertMatchesFiniteDifferences(model, LossKind.MeanSquaredError, data, mode);
    }

    /// <summary>A single Linear layer (no bias) with loss (1/2p)Σ‖y − Wx‖² has Hessian I_C ⊗ (1/p)XᵀX exactly
    /// (the linear neuron, one block per output; W is flattened row by row).</summary>
    [Fact]
    public void LinearLayerHasTheLinearNeuronHessianExactly()
    {
        using var scope = NewDisposeScope();
        int p = 30, n = 7, c = 2;
        var model = TinyNetworks.Seeded(Sequential(("0", Linear(n, c, hasBias: false))), 8);
        model.to(ScalarType.Float64);
        using var gen = new Generator(9);
        var x = randn(p, n, dtype: ScalarType.Float64, generator: gen) + 0.7;
        var y = randn(p, c, dtype: ScalarType.Float64, generator: gen);
        using var data = new NetworkData(x, y, batchSize: 11);
        using var h = new HessianOperator(model, LossKind.MeanSquaredError, data, BatchNormMode.Eval);
        var r = x.T.matmul(x) / p;
        var expected = kron(eye(c, dtype: ScalarType.Float64), r);
        Assert.True(RelativeError(h.ToDense(), expected) <= ExactTolerance);
        using var g = new GaussNewtonOperator(model, LossKind.MeanSquaredError, data, BatchNormMode.Eval);
        Assert.True(RelativeError(g.ToDense(), expected) <= ExactTolerance); // GGN = H for a model linear in θ
    }

    /// <summary>H = G + Σᵢ Σ_c (∂L/∂z_ic) ∇²z_ic: the residual term computed densely from second derivatives
    /// of each output, sample by sample.</summary>
    [Fact]
    public void HessianMinusGaussNewtonIsTheResidualTerm()
    {
        using var scope = NewDisposeScope();
        var model = TinyNetworks.Mlp(3, 3, 2, batchNorm: false, seed: 10);
        using var data = TinyNetworks.Classification(6, [3], 2, seed: 11);
        using var h = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Eval);
        using var g = new GaussNewtonOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Eval);
        var parameters = h.Parameters.Tensors.ToList();
        long n = h.Size;
        var residual = zeros(n, n, dtype: ScalarType.Float64);
        using (enable_grad())
        {
            var z = model.call(data.Inputs);
            var loss = Losses.Mean(LossKind.CrossEntropy, z, data.Targets);
            var dLdz = autograd.grad([loss], [z], retain_graph: true)[0].detach();
            for (int i = 0; i < 6; i++)
                for (int k = 0; k < 2; k++)
                {
                    // ∇θ z_ik with its graph (ParameterSet.Flatten detaches, so concatenate by hand).
                    var gz = cat(autograd.grad([z[i, k]], parameters, create_graph: true, retain_graph: true).Select(t => t.reshape(-1)).ToList(), 0);
                    for (int a = 0; a < n; a++)
                    {
                        if (!gz[a].requires_grad) continue;
                        var row = h.Parameters.Flatten(autograd.grad([gz[a]], parameters, retain_graph: true, allow_unused: true).ToList(), ScalarType.Float64);
                        residual[a] = residual[a] + row * dLdz[i, k].item<double>();
                    }
                }
        }
        double error = RelativeError(h.ToDense() - g.ToDense(), residual);
        Assert.True(error <= 1e-10, $"relative error {error:G3}; ‖H−G‖ = {(h.ToDense() - g.ToDense()).norm().item<double>():G4}, ‖residual‖ = {residual.norm().item<double>():G4}");
    }

    /// <summary>F = (1/N) Σ gᵢgᵢᵀ from per-sample gradients computed one sample at a time.</summary>
    [Fact]
    public void EmpiricalFisherEqualsTheSumOfPerSampleOuterProducts()
    {
        using var scope = NewDisposeScope();
        var model = TinyNetworks.Mlp(4, 3, 3, batchNorm: false, seed: 12);
        using var data = TinyNetworks.Classification(9, [4], 3, seed: 13, batchSize: 4);
        using var f = new EmpiricalFisherOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Eval);
        var expected = zeros(f.Size, f.Size, dtype: ScalarType.Float64);
        for (int i = 0; i < 9; i++)
            using (enable_grad())
            {
                var loss = Losses.Mean(LossKind.CrossEntropy, model.call(data.Inputs.narrow(0, i, 1)), data.Targets.narrow(0, i, 1));
                var gi = f.Parameters.Flatten(autograd.grad([loss], f.Parameters.Tensors.ToList()).ToList(), ScalarType.Float64);
                expected += outer(gi, gi) / 9;
            }
        Assert.True(RelativeError(f.ToDense(), expected) <= ExactTolerance);
    }

    /// <summary>Batches enter with weight |b|/N: a model without batch statistics has the same Hessian for
    /// any partition, including one with a short last batch (1/(number of batches) would not).</summary>
    [Fact]
    public void PartitionDoesNotChangeTheHessianWithoutBatchStatistics()
    {
        using var scope = NewDisposeScope();
        var model = TinyNetworks.Mlp(4, 4, 3, batchNorm: false, seed: 14);
        using var whole = TinyNetworks.Classification(23, [4], 3, seed: 15);
        using var split = TinyNetworks.Classification(23, [4], 3, seed: 15, batchSize: 10);
        using var a = new HessianOperator(model, LossKind.CrossEntropy, whole, BatchNormMode.Train);
        using var b = new HessianOperator(model, LossKind.CrossEntropy, split, BatchNormMode.Train);
        Assert.Equal(3, split.BatchCount);
        Assert.True(RelativeError(b.ToDense(), a.ToDense()) <= ExactTolerance);
    }

    [Fact]
    public void ParameterGroupIsTheMatchingBlockOfTheFullHessian()
    {
        using var scope = NewDisposeScope();
        var model = TinyNetworks.Mlp(4, 3, 2, batchNorm: true, seed: 16);
        using var data = TinyNetworks.Classification(10, [4], 2, seed: 17);
        using var full = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        using var group = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train, ParameterSet.Select(model, "4.*"));
        Assert.Equal(["4.weight", "4.bias"], group.Parameters.Names);
        long start = full.Parameters.Offsets[full.Parameters.Names.ToList().IndexOf("4.weight")];
        var block = full.ToDense()[TensorIndex.Slice(start, start + group.Size), TensorIndex.Slice(start, start + group.Size)];
        Assert.True(RelativeError(group.ToDense(), block) <= ExactTolerance);
        Assert.Throws<ArgumentException>(() => ParameterSet.Select(model, "nothing.*"));
    }

    [Fact]
    public void ModesGiveDifferentHessiansAndPopulationEqualsEvalWithThoseStatistics()
    {
        using var scope = NewDisposeScope();
        var model = TinyNetworks.Mlp(4, 3, 2, batchNorm: true, seed: 18);
        using var data = TinyNetworks.Classification(16, [4], 2, seed: 19);
        using var population = TinyNetworks.Classification(50, [4], 2, seed: 20);
        using var train = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        using var eval = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Eval);
        using var pop = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Population, population: population);
        Assert.True(RelativeError(train.ToDense(), eval.ToDense()) > 1e-3);
        // Population statistics by hand: mean and unbiased variance of the first layer's outputs over the subset.
        var bn = (TorchSharp.Modules.BatchNorm1d)model.named_modules().First(m => m.name == "2").module;
        var lin = (TorchSharp.Modules.Linear)model.named_modules().First(m => m.name == "1").module;
        var a = lin.call(population.Inputs).detach();
        var mean = a.mean([0L]);
        var variance = a.var(0L, unbiased: true);
        var savedMean = bn.running_mean!.clone();
        var savedVar = bn.running_var!.clone();
        using (no_grad()) { bn.running_mean!.copy_(mean); bn.running_var!.copy_(variance); }
        using var evalWithPopulation = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Eval);
        var expected = evalWithPopulation.ToDense();
        using (no_grad()) { bn.running_mean!.copy_(savedMean); bn.running_var!.copy_(savedVar); }
        Assert.True(RelativeError(pop.ToDense(), expected) <= ExactTolerance);
    }

    [Theory]
    [InlineData(BatchNormMode.Train)]
    [InlineData(BatchNormMode.Eval)]
    [InlineData(BatchNormMode.Population)]
    public void AnalysisLeavesTheModelByteIdentical(BatchNormMode mode)
    {
        using var scope = NewDisposeScope();
        var model = TinyNetworks.Mlp(4, 3, 2, batchNorm: true, seed: 21);
        model.train();
        using var data = TinyNetworks.Classification(12, [4], 2, seed: 22, batchSize: 5);
        string before = TinyNetworks.Fingerprint(model);
        var v = ones(model.parameters().Sum(p => p.numel()), 2, dtype: ScalarType.Float64);
        foreach (var op in new NetworkOperator[]
                 {
                     new HessianOperator(model, LossKind.CrossEntropy, data, mode, population: data),
                     new GaussNewtonOperator(model, LossKind.CrossEntropy, data, mode, population: data),
                     new EmpiricalFisherOperator(model, LossKind.CrossEntropy, data, mode, population: data),
                     new FiniteDifferenceHessianOperator(model, LossKind.CrossEntropy, data, mode, population: data),
                 })
        {
            op.Multiply(v);
            op.LossAndGradient();
            op.BatchGradients();
            Assert.Equal(before, TinyNetworks.Fingerprint(model));
            op.Dispose();
        }
        model.eval();
        string evalBefore = TinyNetworks.Fingerprint(model);
        using var h = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        h.Multiply(v);
        Assert.Equal(evalBefore, TinyNetworks.Fingerprint(model)); // the eval flag survives a train-mode product
    }

    [Fact]
    public void GradientIsTheWeightedMeanOfBatchGradients()
    {
        using var scope = NewDisposeScope();
        var model = TinyNetworks.Mlp(4, 3, 2, batchNorm: false, seed: 23);
        using var data = TinyNetworks.Classification(13, [4], 2, seed: 24, batchSize: 5);
        using var h = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Eval);
        var (loss, gradient) = h.LossAndGradient();
        var batches = h.BatchGradients();
        var weighted = batches[0] * (5.0 / 13) + batches[1] * (5.0 / 13) + batches[2] * (3.0 / 13);
        Assert.True(RelativeError(gradient, weighted) <= ExactTolerance);
        using var whole = new NetworkData(data.Inputs, data.Targets);
        using var h1 = new HessianOperator(model, LossKind.CrossEntropy, whole, BatchNormMode.Eval);
        Assert.Equal(h1.LossAndGradient().Loss, loss, 12);
    }

    [Fact]
    public void Float32ModelsGiveFloat32Products()
    {
        using var scope = NewDisposeScope();
        var model = TinyNetworks.Mlp(4, 3, 2, batchNorm: true, seed: 25);
        using var data = TinyNetworks.Classification(12, [4], 2, seed: 26);
        using var h64 = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        var exact = h64.ToDense();
        model.to(ScalarType.Float32);
        using var h32 = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        Assert.Equal(ScalarType.Float32, h32.DType);
        Assert.True(RelativeError(h32.ToDense(), exact) < 1e-4); // float32 round-off through two backward passes
    }

    [Fact]
    public void RejectsBadArguments()
    {
        var model = TinyNetworks.Mlp(4, 3, 2, batchNorm: true, seed: 27);
        using var data = TinyNetworks.Classification(12, [4], 2, seed: 28);
        Assert.Throws<ArgumentException>(() => new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Population));
        using var oddBatch = TinyNetworks.Classification(13, [4], 2, seed: 28, batchSize: 4);   // batches 4, 4, 4, 1
        Assert.Contains("at least 2 samples per batch", Assert.Throws<ArgumentException>(() => new HessianOperator(model, LossKind.CrossEntropy, oddBatch, BatchNormMode.Train)).Message);
        using var evalOk = new HessianOperator(model, LossKind.CrossEntropy, oddBatch, BatchNormMode.Eval);
        using var regression = new NetworkData(ones(12, 4, dtype: ScalarType.Float64), ones(12, 2, dtype: ScalarType.Float64));
        Assert.Throws<ArgumentException>(() => new HessianOperator(model, LossKind.CrossEntropy, regression, BatchNormMode.Eval));
        Assert.Throws<ArgumentException>(() => new NetworkData(ones(0, 4), ones(0, dtype: ScalarType.Int64)));
        Assert.Throws<ArgumentException>(() => new NetworkData(ones(3, 4), ones(4, dtype: ScalarType.Int64)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NetworkData(ones(3, 4), ones(3, dtype: ScalarType.Int64), batchSize: 0));
    }

    [Fact]
    public void ProductsLeaveNoLiveTensors()
    {
        var model = TinyNetworks.Mlp(4, 3, 2, batchNorm: true, seed: 29);
        using var data = TinyNetworks.Classification(12, [4], 2, seed: 30, batchSize: 5);
        using var h = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        using var g = new GaussNewtonOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        using var f = new EmpiricalFisherOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        using var v = ones(h.Size, 2, dtype: ScalarType.Float64);
        foreach (var op in new NetworkOperator[] { h, g, f })
            Assert.Equal(0, LiveTensors.LeakedBy(() => op.Multiply(v).Dispose()));
        Assert.Equal(0, LiveTensors.LeakedBy(() => h.LossAndGradient().Gradient.Dispose()));
    }

    [Fact]
    public void NonDeterministicModelsAreRejectedAtConstruction()
    {
        var model = Sequential(("0", Linear(4, 6)), ("1", Dropout(0.5)), ("2", Tanh()), ("3", Linear(6, 2)));
        model.to(ScalarType.Float64);
        model.train(); // dropout active: every forward draws a new mask
        using var data = TinyNetworks.Classification(12, [4], 2, seed: 31);
        var error = Assert.Throws<InvalidOperationException>(() => new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train));
        Assert.Contains("not deterministic", error.Message);
        using var ok = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Eval); // eval: dropout off
    }
}
