using Curvature.Estimators;
using Curvature.Operators;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using static Curvature.Tests.Estimators.Resume.ResumeHarness;

namespace Curvature.Tests.Estimators.Resume;

/// <summary>
/// Checkpointed top eigenpairs, SLQ and Hutch++ on planted spectra: a run killed at ANY of its saves (or cancelled
/// after any number of products) and resumed in a fresh setting ends bit-identical to an uninterrupted run without a
/// checkpoint — every Ritz value, weight, eigenvector entry and product count.
/// </summary>
public sealed class EstimatorResumeTests
{
    static readonly double[] Bulk = PlantedSpectrum.BulkWithOutliers(90, [4.0, 7.0, 12.0], seed: 41);
    static readonly Tensor BulkMatrix = PlantedSpectrum.Matrix(Bulk, 42);

    // 3 distinct eigenvalues, each 4 times: every Krylov space breaks down after 3 steps, so 5 eigenpairs need fresh
    // random directions drawn from the generator in the middle of the recurrence.
    static readonly Tensor RepeatedMatrix = PlantedSpectrum.Matrix(Enumerable.Range(0, 12).Select(i => new[] { 1.0, 2.0, 3.0 }[i % 3]).ToArray(), 43);

    static string Pairs(Eigenpairs p)
    {
        using (p)
            return string.Join("|", Bits(p.Values), Bits(p.Residuals), string.Join(",", p.Converged), p.Products, p.Method,
                               Bits(p.Vectors!.data<double>().ToArray()));
    }

    static string Slq(SlqResult r) =>
        string.Join("|", string.Join(",", r.Steps), string.Join(";", r.Nodes.Select(Bits)), string.Join(";", r.Weights.Select(Bits)),
                    Bits([r.Trace.Estimate, r.Trace.StandardError, r.FrobeniusSquared.Estimate, r.Nuclear.Estimate]));

    static string Trace(TraceEstimate t) =>
        string.Join("|", Bits([t.Estimate, t.StandardError, t.DeterministicPart]), Bits(t.Samples), t.Matvecs, t.Probes, t.StopReason);

    static ResumeHarness Top(Tensor matrix, int k, int interval) =>
        new((a, c, t, g) => Pairs(TopEigenpairs.Compute(a, k, EigenvalueOrder.LargestAlgebraic, g, checkpoint: c, cancellation: t)),
            () => new DenseOperator(matrix), Seed: 44, interval);

    // Probes one at a time (block 1): these tests count single products; SlqLockstepTests covers blocks.
    static ResumeHarness SlqRun(Reorthogonalization mode, int interval) =>
        new((a, c, t, g) => Slq(StochasticLanczosQuadrature.Run(a, new SlqOptions(2, 40, Reorthogonalization: mode, ProbeBlock: 1), g, c, t)),
            () => new DenseOperator(BulkMatrix), Seed: 45, interval);

    static ResumeHarness Hutch(int interval) =>
        new((a, c, t, g) => Trace(HutchPlusPlus.Estimate(a, 30, g, blockSize: 4, checkpoint: c, cancellation: t)),
            () => new DenseOperator(BulkMatrix), Seed: 46, interval);

    /// <summary>Crashes at every save of the run; returns how many crash points there were.</summary>
    static int AssertEveryCrashPointResumes(ResumeHarness harness)
    {
        using var scratch = new ScratchDirectory();
        string reference = harness.Reference();
        var (checkpointed, saves) = harness.Checkpointed(scratch.Sub("full"));
        Assert.Equal(reference, checkpointed);                       // checkpointing itself changes nothing
        Assert.Equal(reference, harness.Resume(scratch.Sub("full"))); // resuming a finished run returns its result
        for (int crash = 1; crash <= saves; crash++)
            Assert.True(reference == harness.CrashAndResume(scratch.Sub($"crash{crash}"), crash), $"resumed after a crash at save {crash} of {saves}: result differs");
        return saves;
    }

    [Fact]
    public void TopEigenpairsResumeBitIdenticallyFromEveryCrashPoint()
    {
        // Interval 6 over ~30-60 steps: crash points inside the first chunk, at chunk boundaries (convergence checks) and
        // after the result was saved.
        int saves = AssertEveryCrashPointResumes(Top(BulkMatrix, 4, interval: 6));
        Assert.True(saves >= 6, $"only {saves} saves");
    }

    [Fact]
    public void TopEigenpairsResumeAcrossBreakdownsWithFreshRandomDirections()
    {
        var harness = Top(RepeatedMatrix, 5, interval: 1);
        AssertEveryCrashPointResumes(harness);
        // The experiment is only meaningful if the recurrence broke down and drew from the generator mid-run.
        using var scratch = new ScratchDirectory();
        harness.Checkpointed(scratch.Sub("run"));
        using var gen = new Generator(OtherSeed);
        var final = CheckpointDirectory.Open(scratch.Sub("run"), Config, 1);
        Assert.NotNull(((TopEigenpairsState)final.TryLoad(TopEigenpairs.Stage)!).Result);
        using var crashed = new ScratchDirectory();
        Assert.Throws<SimulatedCrash>(() => harness.Run(harness.NewOperator(),
            new CrashingCheckpoint(CheckpointDirectory.Create(crashed.Sub("c"), Config, 1), crashAt: 9), default, gen));
        var mid = (TopEigenpairsState)CheckpointDirectory.Open(crashed.Sub("c"), Config, 1).TryLoad(TopEigenpairs.Stage)!;
        Assert.NotEmpty(mid.Lanczos!.Breakdowns);
    }

    [Theory]
    [InlineData(Reorthogonalization.Full)]
    [InlineData(Reorthogonalization.Selective)]
    [InlineData(Reorthogonalization.None)]
    public void SlqResumesBitIdenticallyFromEveryCrashPoint(Reorthogonalization mode)
    {
        // Interval 9 with 40-step probes: saves fall inside probes at different steps, and at probe boundaries.
        int saves = AssertEveryCrashPointResumes(SlqRun(mode, interval: 9));
        Assert.True(saves >= 2 * (40 / 9) + 2, $"only {saves} saves");
    }

    [Fact]
    public void SelectiveReorthogonalizationStateIsExercised()
    {
        // Selective resumes are only a test of the ω-recurrence state if reorthogonalization actually triggers by then.
        using var scratch = new ScratchDirectory();
        var harness = SlqRun(Reorthogonalization.Selective, interval: 9);
        using var gen = new Generator(harness.Seed);
        Assert.Throws<SimulatedCrash>(() => harness.Run(harness.NewOperator(),
            new CrashingCheckpoint(CheckpointDirectory.Create(scratch.Sub("c"), Config, 9), crashAt: 6), default, gen));
        var state = (SlqState)CheckpointDirectory.Open(scratch.Sub("c"), Config, 9).TryLoad(StochasticLanczosQuadrature.Stage)!;
        var current = Assert.Single(state.Group);
        Assert.True(current.Reorthogonalizations > 0, "no selective reorthogonalization happened before the crash point");
    }

    [Fact]
    public void HutchPlusPlusResumesBitIdenticallyFromEveryCrashPoint() => Assert.Equal(2, AssertEveryCrashPointResumes(Hutch(interval: 5)));

    [Theory]
    [InlineData(1)]    // after the first product
    [InlineData(13)]   // inside the first chunk, between saves
    [InlineData(20)]   // at the first convergence check
    [InlineData(27)]   // inside a later chunk
    public void TopEigenpairsCancelledAfterAnyProductSaveThereAndResume(int products)
    {
        using var scratch = new ScratchDirectory();
        var harness = Top(BulkMatrix, 4, interval: 1000);   // no periodic save: only the one on cancellation
        var (resumed, saved) = harness.CancelAndResume(scratch.Sub("c"), products, TopEigenpairs.Stage);
        Assert.Equal(products, saved);
        Assert.Equal(harness.Reference(), resumed);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(39)]
    [InlineData(40)]   // at the end of the first probe
    [InlineData(41)]
    [InlineData(79)]   // one product before the end
    public void SlqCancelledAfterAnyProductSavesThereAndResumes(int products)
    {
        using var scratch = new ScratchDirectory();
        var harness = SlqRun(Reorthogonalization.Full, interval: 1000);
        var (resumed, saved) = harness.CancelAndResume(scratch.Sub("c"), products, StochasticLanczosQuadrature.Stage);
        Assert.Equal(products, saved);
        Assert.Equal(harness.Reference(), resumed);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(17)]
    public void HutchPlusPlusCancelledMidRunRepeatsFromItsStart(int products)
    {
        using var scratch = new ScratchDirectory();
        var harness = Hutch(interval: 1000);
        var (resumed, saved) = harness.CancelAndResume(scratch.Sub("c"), products, HutchPlusPlus.Stage);
        Assert.Equal(0, saved);   // Hutch++ has no resumable middle: the start state
        Assert.Equal(harness.Reference(), resumed);
    }

    [Fact]
    public void WithoutCheckpointCancellationStopsBetweenProducts()
    {
        using var source = new CancellationTokenSource();
        var counting = new CancelAfter(new DenseOperator(BulkMatrix), 5, source);
        using var gen = new Generator(1);
        Assert.ThrowsAny<OperationCanceledException>(() => StochasticLanczosQuadrature.Run(counting, new SlqOptions(2, 40, ProbeBlock: 1), gen, cancellation: source.Token));
        Assert.Equal(5, counting.Count);
    }

    [Fact]
    public void ResumingWithAnotherConfigurationIsRefusedByTheEstimator()
    {
        using var scratch = new ScratchDirectory();
        Top(BulkMatrix, 4, interval: 5).Checkpointed(scratch.Sub("c"));
        using var gen = new Generator(1);
        var e = Assert.Throws<ArgumentException>(() =>
            TopEigenpairs.Compute(new DenseOperator(BulkMatrix), 3, EigenvalueOrder.LargestAlgebraic, gen,
                                  checkpoint: CheckpointDirectory.Open(scratch.Sub("c"), Config, 5)));
        Assert.Contains("k = 4; this run has k = 3", e.Message);
        var wrongStage = Assert.Throws<ArgumentException>(() =>
            StochasticLanczosQuadrature.Run(new DenseOperator(BulkMatrix), new SlqOptions(2, 40), gen, new StageAlias(CheckpointDirectory.Open(scratch.Sub("c"), Config, 5))));
        Assert.Contains("TopEigenpairsState", wrongStage.Message);
    }

    /// <summary>Hands out the top-eigenpairs state whatever stage is asked for: a state of the wrong kind.</summary>
    sealed class StageAlias(IEstimatorCheckpoint inner) : IEstimatorCheckpoint
    {
        public int Interval => inner.Interval;
        public void Save(string stage, EstimatorState state) { }
        public EstimatorState? TryLoad(string stage) => inner.TryLoad(TopEigenpairs.Stage);
    }

    [Fact]
    public void SavingAndResumingLeakNoTensors()
    {
        using var scratch = new ScratchDirectory();
        using var a = new DenseOperator(BulkMatrix);
        long leaked = LiveTensors.LeakedBy(() =>
        {
            foreach (var (name, crashAt) in new[] { ("top", 5), ("slq", 9), ("hutch", 2) })
            {
                string dir = scratch.Sub(name);
                using (var gen = new Generator(7))
                {
                    var crashing = new CrashingCheckpoint(CheckpointDirectory.Create(dir, Config, 4), crashAt);
                    Assert.Throws<SimulatedCrash>(() => RunStage(name, a, crashing, gen));
                }
                using (var gen = new Generator(8))
                    RunStage(name, a, CheckpointDirectory.Open(dir, Config, 4), gen);
                using (var gen = new Generator(9))
                    RunStage(name, a, CheckpointDirectory.Open(dir, Config, 4), gen);   // the finished state
            }
        });
        Assert.Equal(0, leaked);
    }

    static void RunStage(string name, ILinearOperator a, IEstimatorCheckpoint checkpoint, Generator gen)
    {
        switch (name)
        {
            case "top": TopEigenpairs.Compute(a, 4, EigenvalueOrder.LargestAlgebraic, gen, checkpoint: checkpoint).Dispose(); break;
            case "slq": StochasticLanczosQuadrature.Run(a, new SlqOptions(2, 40), gen, checkpoint); break;
            default: HutchPlusPlus.Estimate(a, 30, gen, checkpoint: checkpoint); break;
        }
    }

    [Fact]
    public void GeneratorStateRoundTripsIncludingTheCachedNormal()
    {
        using var scope = NewDisposeScope();
        using var source = new Generator(11);
        randn(1, dtype: ScalarType.Float64, generator: source);   // an odd count leaves a cached Box–Muller sample
        var state = GeneratorStates.Capture(source);
        var expected = randn(5, dtype: ScalarType.Float64, generator: source).data<double>().ToArray()
            .Concat(rand(40, dtype: ScalarType.Float64, generator: source).data<double>().ToArray()).ToArray();
        using var target = new Generator(12);
        GeneratorStates.Restore(target, state);
        var actual = randn(5, dtype: ScalarType.Float64, generator: target).data<double>().ToArray()
            .Concat(rand(40, dtype: ScalarType.Float64, generator: target).data<double>().ToArray()).ToArray();
        Assert.Equal(Bits(expected), Bits(actual));
        var e = Assert.Throws<ArgumentException>(() => GeneratorStates.Restore(target, state[..^1]));
        Assert.Contains($"{state.Length - 1} bytes", e.Message);
    }
}
