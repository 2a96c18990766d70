using Curvature.Analysis;
using Curvature.Estimators;
using Curvature.Operators;
using Curvature.Tests.Operators.Network;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Analysis;

/// <summary><see cref="CurvatureProbeOptions.ProbeBlock"/>: passed to SLQ, reported as the width used, validated, and
/// without leaks.</summary>
public sealed class CurvatureProbeBlockTests
{
    static CurvatureReport Probe(CurvatureProbeOptions options)
    {
        using var model = TinyNetworks.Mlp(4, 3, 3, batchNorm: false, seed: 21);
        using var data = TinyNetworks.Classification(24, [4], 3, seed: 22, batchSize: 12);
        using var h = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        using var gen = new Generator(23);
        return CurvatureProbe.Run(h, "hessian", options, gen);
    }

    [Fact]
    public void TheWidthUsedIsReported()
    {
        var options = new CurvatureProbeOptions(TopK: 2, LanczosSteps: 6, Probes: 3);
        Assert.Equal(2, Probe(options with { ProbeBlock = 2 }).SlqProbeBlock);
        // Automatic: 27 parameters, all 3 probes fit the budget.
        Assert.Equal(StochasticLanczosQuadrature.ProbeBlockOf(27, CurvatureProbe.SlqOptionsFor(27, options)), Probe(options).SlqProbeBlock);
        Assert.Equal(3, Probe(options).SlqProbeBlock);
        Assert.Null(Probe(options with { Density = false, Trace = false }).SlqProbeBlock);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void AWidthOutsideOneToTheProbesIsRejected(int block)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Probe(new CurvatureProbeOptions(TopK: 2, LanczosSteps: 6, Probes: 3, ProbeBlock: block)));
        Assert.Contains($"--probe-block must be between 1 and --probes (3); got {block}", e.Message);
    }

    [Fact]
    public void ProbesInBlocksLeaveNoLiveTensors()
    {
        using var model = TinyNetworks.Mlp(4, 3, 3, batchNorm: false, seed: 21);
        using var data = TinyNetworks.Classification(24, [4], 3, seed: 22, batchSize: 12);
        using var h = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        using var gen = new Generator(24);
        foreach (int block in new[] { 1, 2, 3 })
            Assert.Equal(0, LiveTensors.LeakedBy(() => CurvatureProbe.Run(h, "hessian", new CurvatureProbeOptions(TopK: 2, LanczosSteps: 6, Probes: 3, ProbeBlock: block), gen)));
    }
}
