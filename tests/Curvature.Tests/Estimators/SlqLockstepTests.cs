using Curvature.Estimators;
using Curvature.Operators;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using static Curvature.Tests.Estimators.Resume.ResumeHarness;

namespace Curvature.Tests.Estimators;

/// <summary>
/// SLQ with probes in lockstep: the block width changes nothing but the operator's round-off. With an operator whose
/// block columns are its single products bit for bit, every width gives the width-1 result bit for bit — Ritz values,
/// weights, step counts and moments — including widths that do not divide the probe count and recurrences that break
/// down at different steps; with a real block product the results agree to round-off.
/// </summary>
public sealed class SlqLockstepTests
{
    const int Pairs = 20;        // n = 40: Krylov dimensions ~ Binomial(20, ½) + 1, so breakdowns between ~6 and ~16 steps
    const int Probes = 7;

    /// <summary>Agreement of a genuine block product run with the width-1 run: they differ only in the round-off of the
    /// products (a matmul of [n, b] sums in another order than one of [n, 1], ~ε·‖A‖ per entry), which full
    /// reorthogonalization keeps from growing. Measured here: nodes 5e-15 apart (‖A‖ = 12), weights 1.3e-14; 1e-12 (×‖A‖
    /// for nodes) leaves a margin of ~100 for other BLAS builds, while pairing a product column with the wrong
    /// recurrence (another probe's quadrature) moves nodes and weights by O(1e-2) or more.</summary>
    const double BlockRoundOff = 1e-12;

    static string Result(SlqResult r) =>
        string.Join("|", string.Join(",", r.Steps), string.Join(";", r.Nodes.Select(Bits)), string.Join(";", r.Weights.Select(Bits)),
                    Bits([r.Trace.Estimate, r.Trace.StandardError, r.FrobeniusSquared.Estimate, r.FrobeniusSquared.StandardError,
                          r.Nuclear.Estimate, r.Nuclear.StandardError]));

    static (SlqResult Result, ColumnByColumn Operator) RunPaired(int block, ProbeDistribution distribution, Reorthogonalization mode, int steps = 30)
    {
        using var inner = PairedOperator.LowRank(Pairs);
        var a = new ColumnByColumn(inner);
        using var gen = new Generator(71);
        return (StochasticLanczosQuadrature.Run(a, new SlqOptions(Probes, steps, distribution, mode, ProbeBlock: block), gen), a);
    }

    [Theory]
    [InlineData(Reorthogonalization.Full)]
    [InlineData(Reorthogonalization.Selective)]
    [InlineData(Reorthogonalization.None)]
    public void EveryBlockWidthIsBitIdenticalToOneProbeAtATimeThroughBreakdowns(Reorthogonalization mode)
    {
        var (single, one) = RunPaired(1, ProbeDistribution.Rademacher, mode);
        // The experiment needs recurrences that stop early, at different steps (without reorthogonalization round-off can
        // hide an invariant subspace, so some of those probes run all 30 steps).
        Assert.True(single.Steps.Count(s => s < 30) >= (mode == Reorthogonalization.None ? 3 : Probes), $"too few breakdowns: steps {string.Join(",", single.Steps)}");
        Assert.True(single.Steps.Distinct().Count() >= 3, $"breakdowns at too few distinct steps: {string.Join(",", single.Steps)}");
        Assert.All(one.Widths, w => Assert.Equal(1, w));
        string reference = Result(single);
        foreach (int block in new[] { 2, 3, 4, Probes })   // 2, 3 and 4 do not divide 7: the last group is narrower
        {
            var (lockstep, a) = RunPaired(block, ProbeDistribution.Rademacher, mode);
            Assert.True(reference == Result(lockstep), $"block {block}: the result differs from block 1");
            Assert.Equal(block, lockstep.ProbeBlock);
            // One block per step of each group, over the recurrences still running: the widths shrink inside a group as
            // recurrences stop, and the products are those of the sequential run, shared out in blocks.
            Assert.Equal(LockstepWidths(single.Steps, block), a.Widths);
            Assert.Equal(single.Steps.Sum(), a.Widths.Sum());
        }
    }

    /// <summary>The block widths lockstep implies: for each group of <paramref name="block"/> probes and each step s, the
    /// number of the group's recurrences that take more than s steps.</summary>
    static List<int> LockstepWidths(int[] steps, int block)
    {
        var widths = new List<int>();
        for (int start = 0; start < steps.Length; start += block)
        {
            var group = steps.Skip(start).Take(block).ToArray();
            for (int s = 0; s < group.Max(); s++) widths.Add(group.Count(t => t > s));
        }
        return widths;
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void GaussianProbesAndFullLengthRecurrencesAreBitIdenticalToo(int block)
    {
        // Gaussian probes see every eigenvalue (Krylov dimension 21 > 15 steps): no breakdown, all recurrences run to m.
        string reference = Result(RunPaired(1, ProbeDistribution.Gaussian, Reorthogonalization.Full, steps: 15).Result);
        var (lockstep, a) = RunPaired(block, ProbeDistribution.Gaussian, Reorthogonalization.Full, steps: 15);
        Assert.Equal(reference, Result(lockstep));
        Assert.All(lockstep.Steps, s => Assert.Equal(15, s));
        Assert.Equal(15 * ((Probes + block - 1) / block), a.Widths.Count);  // one product per step per group
    }

    [Fact]
    public void BlockProductsAgreeWithSingleProductsToRoundOff()
    {
        var spectrum = PlantedSpectrum.BulkWithOutliers(120, [4.0, 7.0, 12.0], seed: 72);
        using var m = PlantedSpectrum.Matrix(spectrum, 73);
        using var a = new DenseOperator(m);
        SlqResult Run(int block)
        {
            using var gen = new Generator(74);
            return StochasticLanczosQuadrature.Run(a, new SlqOptions(6, 25, ProbeBlock: block), gen);
        }
        var single = Run(1);
        foreach (int block in new[] { 4, 6 })
        {
            var lockstep = Run(block);
            Assert.Equal(single.Steps, lockstep.Steps);
            double scale = spectrum.Max(Math.Abs);
            for (int l = 0; l < single.Nodes.Length; l++)
                for (int i = 0; i < single.Nodes[l].Length; i++)
                {
                    Assert.True(Math.Abs(single.Nodes[l][i] - lockstep.Nodes[l][i]) <= BlockRoundOff * scale,
                                $"block {block}, probe {l}, node {i}: {single.Nodes[l][i]:R} vs {lockstep.Nodes[l][i]:R}");
                    Assert.True(Math.Abs(single.Weights[l][i] - lockstep.Weights[l][i]) <= BlockRoundOff,
                                $"block {block}, probe {l}, weight {i}: {single.Weights[l][i]:R} vs {lockstep.Weights[l][i]:R}");
                }
        }
    }

    [Fact]
    public void LockstepMomentsAgreeWithThePlantedSpectrumWithinTheirStandardErrors()
    {
        // The breakdown operator, whose quadrature is exact at breakdown (the Krylov space is invariant): n·Σ τθ^p is
        // an unbiased sample of tr(A^p) for every probe, so 4 SE bounds the error (see SlqTests.Sigmas).
        var spectrum = PairedOperator.Spectrum(Pairs);
        using var inner = PairedOperator.LowRank(Pairs);
        using var gen = new Generator(75);
        var slq = StochasticLanczosQuadrature.Run(inner, new SlqOptions(40, 30, ProbeBlock: 6), gen);
        foreach (var (exact, moment, what) in new[] { (spectrum.Sum(), slq.Trace, "trace"), (spectrum.Sum(x => x * x), slq.FrobeniusSquared, "‖A‖²_F") })
        {
            double z = Math.Abs(moment.Estimate - exact) / moment.StandardError;
            Assert.True(z <= 4.0, $"{what}: {moment.Estimate:G6} ± {moment.StandardError:G3}, exact {exact:G6}");
        }
    }

    [Fact]
    public void AutomaticWidthIsTheLargestThatFitsTheBudget()
    {
        // b·(m+1)·n·8 ≤ 1 GiB, capped by the probes, at least 1; n and the options alone decide it.
        var defaults = new SlqOptions();   // 10 probes, 90 steps, Full
        Assert.Equal(10, StochasticLanczosQuadrature.AutomaticProbeBlock(100_000, defaults));            // 72.8 MB per probe
        Assert.Equal(9, StochasticLanczosQuadrature.AutomaticProbeBlock(150_000, defaults));             // 109.2 MB: 9.8
        Assert.Equal(1, StochasticLanczosQuadrature.AutomaticProbeBlock(1_000_000, defaults));           // 728 MB: 1.47
        Assert.Equal(1, StochasticLanczosQuadrature.AutomaticProbeBlock(25_000_000, defaults));          // over budget: still 1
        long perProbe = 91L * 200_000 * 8;
        Assert.Equal((int)(StochasticLanczosQuadrature.ProbeBlockBudgetBytes / perProbe),
                     StochasticLanczosQuadrature.AutomaticProbeBlock(200_000, defaults with { Probes = 50 }));
        // Without a stored basis a recurrence holds two vectors.
        Assert.Equal(50, StochasticLanczosQuadrature.AutomaticProbeBlock(1_000_000, defaults with { Probes = 50, Reorthogonalization = Reorthogonalization.None }));
        // A basis never has more than n + 1 rows.
        Assert.Equal(3, StochasticLanczosQuadrature.AutomaticProbeBlock(40, new SlqOptions(3, 40)));
        Assert.Equal(7, StochasticLanczosQuadrature.ProbeBlockOf(1_000_000, defaults with { ProbeBlock = 7 }));

        using var a = PairedOperator.LowRank(Pairs);
        using var gen = new Generator(76);
        var slq = StochasticLanczosQuadrature.Run(a, new SlqOptions(5, 10), gen);
        Assert.Equal(5, slq.ProbeBlock);
        Assert.Null(slq.Options.ProbeBlock);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(8)]
    public void RejectsAProbeBlockOutsideOneToTheProbeCount(int block)
    {
        using var a = PairedOperator.LowRank(Pairs);
        using var gen = new Generator(77);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => StochasticLanczosQuadrature.Run(a, new SlqOptions(Probes, 10, ProbeBlock: block), gen));
        Assert.Contains($"between 1 and the number of probes ({Probes}); got {block}", e.Message);
    }

    [Fact]
    public void LockstepRunsLeaveNoLiveTensors()
    {
        using var paired = PairedOperator.LowRank(Pairs);
        using var m = PlantedSpectrum.Matrix(PlantedSpectrum.BulkWithOutliers(60, [5.0], seed: 78), 79);
        using var dense = new DenseOperator(m);
        long leaked = LiveTensors.LeakedBy(() =>
        {
            foreach (var mode in new[] { Reorthogonalization.Full, Reorthogonalization.Selective, Reorthogonalization.None })
            {
                using var gen = new Generator(80);
                StochasticLanczosQuadrature.Run(new ColumnByColumn(paired), new SlqOptions(Probes, 30, Reorthogonalization: mode, ProbeBlock: 3), gen);
                StochasticLanczosQuadrature.Run(dense, new SlqOptions(5, 20, Reorthogonalization: mode, ProbeBlock: 2), gen);
            }
        });
        Assert.Equal(0, leaked);
    }
}
