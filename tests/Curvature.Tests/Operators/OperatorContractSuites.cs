using Curvature.Operators;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Operators;

public sealed class DenseOperatorContract : OperatorContract
{
    static readonly double[] Spectrum = PlantedSpectrum.BulkWithOutliers(23, [5.0, 9.0], seed: 1);
    protected override ILinearOperator Create() { using var m = PlantedSpectrum.Matrix(Spectrum, 2); return new DenseOperator(m); }
    protected override Tensor Reference() => PlantedSpectrum.Matrix(Spectrum, 2);

    [Fact]
    public void RejectsNonSymmetricAndNonSquareMatrices()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => new DenseOperator(ones(3, 4, dtype: ScalarType.Float64)));
        var m = eye(4, dtype: ScalarType.Float64);
        m[0, 1] = 1.0;
        Assert.Throws<ArgumentException>(() => new DenseOperator(m));
    }

    [Fact]
    public void AcceptsFloat32Matrices()
    {
        using var scope = NewDisposeScope();
        var m = PlantedSpectrum.Matrix(Spectrum, 2);
        var a = new DenseOperator(m.to_type(ScalarType.Float32));
        Assert.Equal(ScalarType.Float32, a.DType);
        var v = ones(23, dtype: ScalarType.Float64);
        var exact = m.matmul(v);
        Assert.True((a.Multiply(v) - exact).abs().max().item<double>() < 1e-5 * exact.abs().max().item<double>()); // float32 round-off
    }
}

public sealed class CovarianceOperatorContract : OperatorContract
{
    static Tensor Samples()
    {
        using var gen = new Generator(3);
        return randn(40, 17, dtype: ScalarType.Float64, generator: gen) + 0.3;
    }

    protected override ILinearOperator Create() { using var x = Samples(); return new CovarianceOperator(x); }

    // R = (1/p) Σᵤ xᵤxᵤᵀ as an explicit sum of outer products (not the operator's XᵀX path).
    protected override Tensor Reference()
    {
        using var scope = NewDisposeScope();
        var x = Samples();
        var r = zeros(17, 17, dtype: ScalarType.Float64);
        for (int u = 0; u < 40; u++) r += outer(x[u], x[u]);
        return (r / 40).MoveToOuterDisposeScope();
    }

    [Fact]
    public void WorksInFloat32WithFloat64Arguments()
    {
        using var scope = NewDisposeScope();
        using var x = Samples();
        var a = new CovarianceOperator(x, ScalarType.Float32);
        var v = ones(17, dtype: ScalarType.Float64);
        var y = a.Multiply(v);
        Assert.Equal(ScalarType.Float64, y.dtype);
        var exact = Reference().matmul(v);
        Assert.True((y - exact).abs().max().item<double>() < 1e-5 * exact.abs().max().item<double>()); // float32 products
    }
}

public sealed class ScaledShiftedOperatorContract : OperatorContract
{
    static readonly double[] Spectrum = PlantedSpectrum.BulkWithOutliers(19, [4.0], seed: 4);
    protected override ILinearOperator Create()
    {
        using var m = PlantedSpectrum.Matrix(Spectrum, 5);
        return new DenseOperator(m).Scale(-1.5).Shift(0.25);
    }
    protected override Tensor Reference()
    {
        using var m = PlantedSpectrum.Matrix(Spectrum, 5);
        return m * -1.5 - eye(19, dtype: ScalarType.Float64) * 0.25;
    }
}

public sealed class SumOperatorContract : OperatorContract
{
    protected override ILinearOperator Create()
    {
        using var a = PlantedSpectrum.Matrix(PlantedSpectrum.BulkWithOutliers(16, [3.0], 6), 7);
        using var b = PlantedSpectrum.Matrix(PlantedSpectrum.BulkWithOutliers(16, [], 8), 9);
        return new DenseOperator(a).Add(new DenseOperator(b));
    }
    protected override Tensor Reference()
    {
        using var a = PlantedSpectrum.Matrix(PlantedSpectrum.BulkWithOutliers(16, [3.0], 6), 7);
        using var b = PlantedSpectrum.Matrix(PlantedSpectrum.BulkWithOutliers(16, [], 8), 9);
        return a + b;
    }
}

public sealed class DeflatedOperatorContract : OperatorContract
{
    static (Tensor A, Tensor Q) Parts()
    {
        using var scope = NewDisposeScope();
        var a = PlantedSpectrum.Matrix(PlantedSpectrum.BulkWithOutliers(18, [6.0, 8.0], 10), 11);
        var (_, vectors) = linalg.eigh(a);
        var q = vectors[.., TensorIndex.Slice(16, 18)].contiguous();
        return (a.MoveToOuterDisposeScope(), q.MoveToOuterDisposeScope());
    }
    protected override ILinearOperator Create() { var (a, q) = Parts(); using (a) using (q) return new DenseOperator(a).Deflate(q); }
    protected override Tensor Reference()
    {
        using var scope = NewDisposeScope();
        var (a, q) = Parts();
        var p = eye(18, dtype: ScalarType.Float64) - q.matmul(q.T);
        return p.matmul(a).matmul(p).MoveToOuterDisposeScope();
    }

    [Fact]
    public void RemovesTheDeflatedEigenvalues()
    {
        using var scope = NewDisposeScope();
        var values = linalg.eigvalsh(Create().ToDense());
        Assert.True(values.max().item<double>() < 1.0 + 1e-9); // the bulk tops out at 1.0; outliers 6 and 8 are gone
    }
}

public sealed class RestrictedOperatorContract : OperatorContract
{
    static (Tensor A, Tensor Q) Parts()
    {
        using var scope = NewDisposeScope();
        var a = PlantedSpectrum.Matrix(PlantedSpectrum.BulkWithOutliers(20, [5.0], 12), 13);
        using var gen = new Generator(14);
        var (q, _) = linalg.qr(randn(20, 6, dtype: ScalarType.Float64, generator: gen));
        return (a.MoveToOuterDisposeScope(), q.contiguous().MoveToOuterDisposeScope());
    }
    protected override ILinearOperator Create() { var (a, q) = Parts(); using (a) using (q) return new DenseOperator(a).RestrictTo(q); }
    protected override Tensor Reference()
    {
        using var scope = NewDisposeScope();
        var (a, q) = Parts();
        return q.T.matmul(a).matmul(q).MoveToOuterDisposeScope();
    }
}
