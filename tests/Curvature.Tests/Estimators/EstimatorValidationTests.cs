using Curvature.Estimators;
using Curvature.Operators;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Estimators;

public class EstimatorValidationTests
{
    [Fact]
    public void HutchinsonRejectsBadArguments()
    {
        using var a = PlantedSpectrum.Matrix([1.0, 2.0, 3.0, 4.0], 1);
        using var op = new DenseOperator(a);
        using var gen = new Generator(1);
        Assert.Throws<ArgumentNullException>(() => Hutchinson.Estimate(null!, 10, gen));
        Assert.Throws<ArgumentNullException>(() => Hutchinson.Estimate(op, 10, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => Hutchinson.Estimate(op, 0, gen));
        Assert.Throws<ArgumentOutOfRangeException>(() => Hutchinson.Estimate(op, 10, gen, blockSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Hutchinson.Estimate(op, 10, gen, (ProbeDistribution)9));
        Assert.Throws<ArgumentOutOfRangeException>(() => Hutchinson.EstimateToRelativeError(op, 0, 100, gen));
        Assert.Throws<ArgumentOutOfRangeException>(() => Hutchinson.EstimateToRelativeError(op, -0.1, 100, gen));
        Assert.Throws<ArgumentOutOfRangeException>(() => Hutchinson.EstimateToRelativeError(op, double.NaN, 100, gen));
        Assert.Throws<ArgumentOutOfRangeException>(() => Hutchinson.EstimateToRelativeError(op, double.PositiveInfinity, 100, gen));
        Assert.Throws<ArgumentOutOfRangeException>(() => Hutchinson.EstimateToRelativeError(op, 0.1, 9, gen));   // < minProbes
        Assert.Throws<ArgumentOutOfRangeException>(() => Hutchinson.EstimateToRelativeError(op, 0.1, 100, gen, minProbes: 1));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Hutchinson.Estimate(op, -3, gen));
        Assert.Contains("matvecs", e.Message);
        Assert.Contains("-3", e.Message);
    }

    [Fact]
    public void HutchPlusPlusRejectsBadArguments()
    {
        using var a = PlantedSpectrum.Matrix([1.0, 2.0, 3.0, 4.0], 2);
        using var op = new DenseOperator(a);
        using var gen = new Generator(2);
        Assert.Throws<ArgumentNullException>(() => HutchPlusPlus.Estimate(null!, 9, gen));
        Assert.Throws<ArgumentNullException>(() => HutchPlusPlus.Estimate(op, 9, null!));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => HutchPlusPlus.Estimate(op, 2, gen));
        Assert.Contains("thirds", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => HutchPlusPlus.Estimate(op, 9, gen, blockSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => HutchPlusPlus.EstimateToRelativeError(op, 0, 100, gen));
        Assert.Throws<ArgumentOutOfRangeException>(() => HutchPlusPlus.EstimateToRelativeError(op, 0.1, 29, gen));   // < first run
        Assert.Throws<ArgumentOutOfRangeException>(() => HutchPlusPlus.EstimateToRelativeError(op, 0.1, 100, gen, initialMatvecs: 5));
    }

    [Fact]
    public void DiagonalEstimatorRejectsBadArguments()
    {
        using var a = PlantedSpectrum.Matrix([1.0, 2.0, 3.0, 4.0], 3);
        using var op = new DenseOperator(a);
        using var gen = new Generator(3);
        Assert.Throws<ArgumentNullException>(() => DiagonalEstimator.Estimate(null!, 9, gen));
        Assert.Throws<ArgumentNullException>(() => DiagonalEstimator.Estimate(op, 9, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => DiagonalEstimator.Estimate(op, 0, gen));
        Assert.Throws<ArgumentOutOfRangeException>(() => DiagonalEstimator.Estimate(op, 9, gen, blockSize: -1));
    }

    [Fact]
    public void AnOperatorThatBreaksTheShapeContractIsReportedNotPassedToTorch()
    {
        using var gen = new Generator(4);
        var bad = new WrongShapeOperator();
        var e = Assert.Throws<InvalidOperationException>(() => Hutchinson.Estimate(bad, 4, gen));
        Assert.Contains("WrongShapeOperator", e.Message);
    }

    /// <summary>An ILinearOperator (not derived from LinearOperator) that returns a vector for a block.</summary>
    sealed class WrongShapeOperator : ILinearOperator
    {
        public long Size => 5;
        public torch.ScalarType DType => torch.ScalarType.Float64;
        public torch.Tensor Multiply(torch.Tensor x) => torch.zeros(5, dtype: torch.ScalarType.Float64);
    }
}
