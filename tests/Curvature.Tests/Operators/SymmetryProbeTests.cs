using Curvature.Operators;
using Curvature.Tests.Operators.Network;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Operators;

/// <summary>The symmetry probe: round-off for symmetric operators (explicit and network Hessians in float64 and float32),
/// O(1) for a non-symmetric one, and a network operator whose products are not symmetric is refused at construction.</summary>
public sealed class SymmetryProbeTests
{
    /// <summary>A generic non-symmetric matrix has |uᵀAv − vᵀAu| of the order of ‖u‖‖Av‖; anything above 1e-2 is far
    /// from every round-off tolerance and well below the typical O(0.1–1) value.</summary>
    const double Clearly = 1e-2;

    [Fact]
    public void Symmetric_dense_operator_is_round_off()
    {
        using var scope = NewDisposeScope();
        var op = new DenseOperator(PlantedSpectrum.Matrix([5, 3, 1, 0.5, -2, 0.1, 0, 7], 3));
        using var gen = new Generator(1);
        Assert.True(SymmetryProbe.Measure(op, gen) <= Tolerances.ProductSymmetryRelative64);
    }

    [Fact]
    public void Non_symmetric_operator_is_order_one()
    {
        using var scope = NewDisposeScope();
        using var gen = new Generator(2);
        var op = new NonSymmetric(randn(30, 30, dtype: ScalarType.Float64, generator: gen));
        Assert.True(SymmetryProbe.Measure(op, gen) > Clearly);
    }

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void Network_hessians_pass_in_both_precisions(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var model = TinyNetworks.Mlp(6, 5, 3, batchNorm: true, seed: 4);
        model.to(dtype);
        using var gen = new Generator(5);
        var x = randn(16, 6, dtype: dtype, generator: gen);
        var y = randint(0, 3, [16], dtype: ScalarType.Int64, generator: gen);
        using var data = new NetworkData(x, y);
        using var op = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);   // constructor runs the probe
        double tolerance = dtype == ScalarType.Float64 ? Tolerances.ProductSymmetryRelative64 : Tolerances.ProductSymmetryRelative32;
        Assert.True(SymmetryProbe.Measure(op, gen) <= tolerance);
    }

    [Fact]
    public void A_network_operator_with_non_symmetric_products_is_refused()
    {
        using var scope = NewDisposeScope();
        using var model = TinyNetworks.Mlp(4, 3, 2, batchNorm: false, seed: 6);
        using var gen = new Generator(7);
        using var data = new NetworkData(randn(8, 4, dtype: ScalarType.Float64, generator: gen), randint(0, 2, [8], dtype: ScalarType.Int64, generator: gen));
        var e = Assert.Throws<InvalidOperationException>(() => new SkewedHessian(model, data));
        Assert.Contains("not symmetric", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Mismatched_vectors_are_rejected_before_torch()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => SymmetryProbe.RelativeAsymmetry(zeros(3), zeros(3), zeros(4), zeros(4)));
        Assert.Contains("one length", e.Message);
    }

    sealed class NonSymmetric(Tensor matrix) : LinearOperator(matrix.shape[0], ScalarType.Float64)
    {
        protected override Tensor MultiplyCore(Tensor block) => matrix.matmul(block);
    }

    /// <summary>The Hessian product plus a strictly lower-triangular term: deterministic, finite, not symmetric.</summary>
    sealed class SkewedHessian : NetworkOperator
    {
        public SkewedHessian(TorchSharp.Modules.Sequential model, NetworkData data)
            : base(model, LossKind.CrossEntropy, data, BatchNormMode.Train, ParameterSet.Select(model), null) => VerifyDeterminism();

        protected override BatchGraph BuildBatchGraph(Tensor inputs, Tensor targets)
        {
            var skew = ones(Size, Size, dtype: DType).tril(-1);
            return new BatchGraph([skew], skew.matmul);
        }
    }
}
