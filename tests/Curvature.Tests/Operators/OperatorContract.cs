using Curvature.Operators;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Operators;

/// <summary>The contract every operator inherits (ARCHITECTURE.md, convention 10): equals its materialised
/// matrix, symmetric, linear, deterministic, dtype-preserving, block = columns, validating, leak-free.</summary>
public abstract class OperatorContract
{
    /// <summary>Float64 round-off of a product of size ~n with entries O(1): a few hundred ulps.</summary>
    protected const double ProductTolerance = 1e-11;

    /// <summary>The operator under test (float64 unless the subclass says otherwise).</summary>
    protected abstract ILinearOperator Create();

    /// <summary>The exact matrix, computed independently of the operator's own code path.</summary>
    protected abstract Tensor Reference();

    static double MaxAbs(Tensor t) => t.abs().max().item<double>();

    [Fact]
    public void EqualsItsReferenceMatrix()
    {
        using var scope = NewDisposeScope();
        var a = Create();
        var dense = a.ToDense(blockSize: 7);
        var reference = Reference();
        Assert.True(MaxAbs(dense - reference) <= ProductTolerance * Math.Max(1, MaxAbs(reference)),
            $"max deviation {MaxAbs(dense - reference):G3}");
    }

    [Fact]
    public void IsSymmetric()
    {
        using var scope = NewDisposeScope();
        var a = Create();
        using var gen = new Generator(11);
        var u = randn(a.Size, dtype: ScalarType.Float64, generator: gen);
        var v = randn(a.Size, dtype: ScalarType.Float64, generator: gen);
        double uAv = u.dot(a.Multiply(v)).item<double>(), vAu = v.dot(a.Multiply(u)).item<double>();
        Assert.True(Math.Abs(uAv - vAu) <= ProductTolerance * (Math.Abs(uAv) + 1) * a.Size, $"uᵀAv = {uAv}, vᵀAu = {vAu}");
    }

    [Fact]
    public void IsLinear()
    {
        using var scope = NewDisposeScope();
        var a = Create();
        using var gen = new Generator(12);
        var u = randn(a.Size, dtype: ScalarType.Float64, generator: gen);
        var v = randn(a.Size, dtype: ScalarType.Float64, generator: gen);
        var lhs = a.Multiply(u * 2.5 - v * 0.75);
        var rhs = a.Multiply(u) * 2.5 - a.Multiply(v) * 0.75;
        Assert.True(MaxAbs(lhs - rhs) <= ProductTolerance * Math.Max(1, MaxAbs(rhs)));
    }

    [Fact]
    public void IsDeterministicOnRepeat()
    {
        using var scope = NewDisposeScope();
        var a = Create();
        using var gen = new Generator(13);
        var v = randn(a.Size, dtype: ScalarType.Float64, generator: gen);
        Assert.Equal(0.0, (a.Multiply(v) - a.Multiply(v)).abs().max().item<double>());
    }

    [Fact]
    public void PreservesTheArgumentsDtypeAndShape()
    {
        using var scope = NewDisposeScope();
        var a = Create();
        var v32 = ones(a.Size, dtype: ScalarType.Float32);
        var y = a.Multiply(v32);
        Assert.Equal(ScalarType.Float32, y.dtype);
        Assert.Equal(new[] { a.Size }, y.shape);
        var block = ones(a.Size, 3, dtype: ScalarType.Float64);
        Assert.Equal(new[] { a.Size, 3L }, a.Multiply(block).shape);
    }

    [Fact]
    public void BlockProductEqualsColumnProducts()
    {
        using var scope = NewDisposeScope();
        var a = Create();
        using var gen = new Generator(14);
        var block = randn(a.Size, 4, dtype: ScalarType.Float64, generator: gen);
        var product = a.Multiply(block);
        for (int j = 0; j < 4; j++)
        {
            var column = a.Multiply(block[.., j].contiguous());
            Assert.True(MaxAbs(product[.., j] - column) <= ProductTolerance * Math.Max(1, MaxAbs(column)));
        }
    }

    [Fact]
    public void DoesNotModifyOrDisposeTheArgument()
    {
        using var scope = NewDisposeScope();
        var a = Create();
        using var gen = new Generator(15);
        var v = randn(a.Size, dtype: ScalarType.Float64, generator: gen);
        var copy = v.clone();
        a.Multiply(v);
        Assert.False(v.IsInvalid);
        Assert.Equal(0.0, (v - copy).abs().max().item<double>());
    }

    [Fact]
    public void RejectsBadArgumentsWithDotNetExceptions()
    {
        using var scope = NewDisposeScope();
        var a = Create();
        Assert.Throws<ArgumentException>(() => a.Multiply(ones(a.Size + 1, dtype: ScalarType.Float64)));
        Assert.Throws<ArgumentException>(() => a.Multiply(ones(a.Size, dtype: ScalarType.Int64)));
        Assert.Throws<ArgumentException>(() => a.Multiply(ones(a.Size, 1, 1, dtype: ScalarType.Float64)));
        Assert.Throws<ArgumentException>(() => a.Multiply(ones(a.Size, 0, dtype: ScalarType.Float64)));
        Assert.ThrowsAny<ArgumentException>(() => a.Multiply(null!));
    }

    [Fact]
    public void LeavesNoLiveTensors()
    {
        var a = Create();
        var v = ones(a.Size, 2, dtype: ScalarType.Float64);
        long leaked = LiveTensors.LeakedBy(() => a.Multiply(v).Dispose());
        Assert.Equal(0, leaked);
    }
}
