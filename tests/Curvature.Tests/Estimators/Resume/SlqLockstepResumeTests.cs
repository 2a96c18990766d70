using Curvature.Estimators;
using Curvature.Operators;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using static Curvature.Tests.Estimators.Resume.ResumeHarness;

namespace Curvature.Tests.Estimators.Resume;

/// <summary>
/// Checkpointed SLQ with probes in lockstep: killed at any save — between groups, or mid-group with recurrences at their
/// step boundary, some of them already stopped — or cancelled after any product, and resumed in a fresh setting, the run
/// ends bit-identical to an uninterrupted one. A state saved with another block width is refused with a message naming
/// both widths; the same width reached by another request (explicit or automatic) is accepted.
/// </summary>
public sealed class SlqLockstepResumeTests
{
    static readonly Tensor BulkMatrix = PlantedSpectrum.Matrix(PlantedSpectrum.BulkWithOutliers(90, [4.0, 7.0, 12.0], seed: 81), 82);

    static string Slq(SlqResult r) =>
        string.Join("|", r.ProbeBlock, string.Join(",", r.Steps), string.Join(";", r.Nodes.Select(Bits)), string.Join(";", r.Weights.Select(Bits)),
                    Bits([r.Trace.Estimate, r.Trace.StandardError, r.FrobeniusSquared.Estimate, r.Nuclear.Estimate]));

    /// <summary>5 probes × 16 steps on a dense planted spectrum in blocks of 3: groups of 3 (48 products) and 2 (32).</summary>
    static ResumeHarness Dense(Reorthogonalization mode, int interval, int? block = 3) =>
        new((a, c, t, g) => Slq(StochasticLanczosQuadrature.Run(a, new SlqOptions(5, 16, Reorthogonalization: mode, ProbeBlock: block), g, c, t)),
            () => new DenseOperator(BulkMatrix), Seed: 83, interval);

    /// <summary>7 probes × 30 steps in blocks of 3 on the breakdown operator: recurrences of a group stop at different steps.</summary>
    static ResumeHarness Breakdowns(int interval) =>
        new((a, c, t, g) => Slq(StochasticLanczosQuadrature.Run(a, new SlqOptions(7, 30, ProbeBlock: 3), g, c, t)),
            () => PairedOperator.LowRank(20), Seed: 84, interval);

    static int AssertEveryCrashPointResumes(ResumeHarness harness)
    {
        using var scratch = new ScratchDirectory();
        string reference = harness.Reference();
        var (checkpointed, saves) = harness.Checkpointed(scratch.Sub("full"));
        Assert.Equal(reference, checkpointed);
        Assert.Equal(reference, harness.Resume(scratch.Sub("full")));
        for (int crash = 1; crash <= saves; crash++)
            Assert.True(reference == harness.CrashAndResume(scratch.Sub($"crash{crash}"), crash), $"resumed after a crash at save {crash} of {saves}: result differs");
        return saves;
    }

    // Full (the stored basis) and None (the last two vectors): the two shapes of a recurrence's state; Selective's ω state
    // is per recurrence and covered by EstimatorResumeTests.
    [Theory]
    [InlineData(Reorthogonalization.Full)]
    [InlineData(Reorthogonalization.None)]
    public void GroupsResumeBitIdenticallyFromEveryCrashPoint(Reorthogonalization mode)
    {
        // Interval 7 against blocks of 3 then 2 columns: saves at 9, 18, …, 45 products inside group 1, at its end (48),
        // at 56, 64, 72 inside group 2 and at the end.
        int saves = AssertEveryCrashPointResumes(Dense(mode, interval: 7));
        Assert.True(saves >= 10, $"only {saves} saves");
    }

    [Fact]
    public void GroupsWithStoppedRecurrencesResumeBitIdenticallyFromEveryCrashPoint()
    {
        var harness = Breakdowns(interval: 4);
        AssertEveryCrashPointResumes(harness);
        // Meaningful only if some saved group held a stopped recurrence next to running ones.
        using var scratch = new ScratchDirectory();
        bool mixed = false;
        var recorder = new Recording(CheckpointDirectory.Create(scratch.Sub("r"), Config, 4), s =>
            mixed |= s is SlqState { Group: var g } && g.Any(r => r.Stopped) && g.Any(r => !r.Stopped && r.Alpha.Length < 30));
        using var gen = new Generator(harness.Seed);
        harness.Run(harness.NewOperator(), recorder, default, gen);
        Assert.True(mixed, "no save caught a group with both stopped and running recurrences");
    }

    [Theory]
    [InlineData(1)]    // after the first block product: every recurrence of group 1 at step 1
    [InlineData(7)]    // inside group 1
    [InlineData(48)]   // at the end of group 1 (3 × 16)
    [InlineData(49)]   // after the first product of group 2 (2 columns)
    [InlineData(77)]   // one block before the end
    public void CancelledMidGroupSavesThereAndResumes(int products)
    {
        using var scratch = new ScratchDirectory();
        var harness = Dense(Reorthogonalization.Full, interval: 1000);
        var (resumed, saved) = harness.CancelAndResume(scratch.Sub("c"), products, StochasticLanczosQuadrature.Stage);
        // Cancellation takes effect after the block product that reached the count: within one block of it.
        int columns = products <= 48 ? 3 : 2;
        Assert.InRange(saved, products, products + columns - 1);
        Assert.Equal(harness.Reference(), resumed);
    }

    [Fact]
    public void AStateMadeWithAnotherBlockWidthIsRefused()
    {
        using var scratch = new ScratchDirectory();
        var harness = Dense(Reorthogonalization.Full, interval: 10);
        var crashing = new CrashingCheckpoint(CheckpointDirectory.Create(scratch.Sub("c"), Config, 10), crashAt: 4);
        using (var gen = new Generator(harness.Seed))
            Assert.Throws<SimulatedCrash>(() => harness.Run(harness.NewOperator(), crashing, default, gen));
        var state = (SlqState)CheckpointDirectory.Open(scratch.Sub("c"), Config, 10).TryLoad(StochasticLanczosQuadrature.Stage)!;
        Assert.Equal(3, state.ProbeBlock);
        Assert.Equal(3, state.Group.Length);   // mid-group
        foreach (int? other in new int?[] { 1, 2, 5, null })   // null: automatic = 5 probes here
        {
            using var gen = new Generator(1);
            var e = Assert.Throws<ArgumentException>(() => StochasticLanczosQuadrature.Run(new DenseOperator(BulkMatrix),
                new SlqOptions(5, 16, ProbeBlock: other), gen, CheckpointDirectory.Open(scratch.Sub("c"), Config, 10)));
            Assert.Contains($"made with probes in blocks of 3; this run uses blocks of {other ?? 5}", e.Message);
        }
    }

    [Fact]
    public void TheSameWidthRequestedAnotherWayResumes()
    {
        // Width 5 = the automatic width for 5 probes at n = 90: a checkpoint of the explicit request resumes under the
        // automatic one, and the other way round, bit-identically.
        using var scratch = new ScratchDirectory();
        var explicitWidth = Dense(Reorthogonalization.Full, interval: 10, block: 5);
        var automatic = Dense(Reorthogonalization.Full, interval: 10, block: null);
        string reference = explicitWidth.Reference();
        Assert.Equal(reference, automatic.Reference());
        foreach (var (from, to, name) in new[] { (explicitWidth, automatic, "e"), (automatic, explicitWidth, "a") })
        {
            var crashing = new CrashingCheckpoint(CheckpointDirectory.Create(scratch.Sub(name), Config, 10), crashAt: 5);
            using (var gen = new Generator(from.Seed))
                Assert.Throws<SimulatedCrash>(() => from.Run(from.NewOperator(), crashing, default, gen));
            Assert.Equal(reference, to.Resume(scratch.Sub(name)));
        }
    }

    [Fact]
    public void GroupStatesRoundTripAndOneProbeStatesOfEarlierVersionsReadAsBlocksOfOne()
    {
        using var scratch = new ScratchDirectory();
        var crashing = new CrashingCheckpoint(CheckpointDirectory.Create(scratch.Sub("g"), Config, 5), crashAt: 4);
        using (var gen = new Generator(85))
            Assert.Throws<SimulatedCrash>(() => Breakdowns(5).Run(PairedOperator.LowRank(20), crashing, default, gen));
        var saved = (SlqState)CheckpointDirectory.Open(scratch.Sub("g"), Config, 5).TryLoad(StochasticLanczosQuadrature.Stage)!;
        Assert.Equal(3, saved.Group.Length);
        var bag = StateCodec.Encode(saved);
        var back = (SlqState)StateCodec.Decode(bag);
        Assert.Equal(Describe(saved), Describe(back));

        // An earlier version's file: one recurrence under "current.", no width, no probe_block option.
        var single = saved with { ProbeBlock = 1, Group = [saved.Group[0]], Options = saved.Options with { ProbeBlock = null } };
        var legacy = StateCodec.Encode(single);
        foreach (var key in legacy.Longs.Keys.Concat(legacy.Doubles.Keys).Concat(legacy.Texts.Keys).Where(k => k.StartsWith("group.0.")).ToList())
        {
            string renamed = "current." + key["group.0.".Length..];
            if (legacy.Longs.Remove(key, out var l)) legacy.Longs[renamed] = l;
            else if (legacy.Doubles.Remove(key, out var d)) legacy.Doubles[renamed] = d;
            else if (legacy.Texts.Remove(key, out var t)) legacy.Texts[renamed] = t;
        }
        Assert.True(legacy.Longs.Remove("group") && legacy.Longs.Remove("probe_block"));
        Assert.DoesNotContain(legacy.Longs.Keys, k => k.StartsWith("group"));
        Assert.Equal(Describe(single), Describe((SlqState)StateCodec.Decode(legacy)));
    }

    static string Describe(SlqState s) =>
        string.Join("|", s.Size, s.Options, s.ProbeBlock, string.Join(",", s.Steps), string.Join(";", s.Nodes.Select(Bits)), string.Join(";", s.Weights.Select(Bits)),
                    string.Join(";", s.Group.Select(g => string.Join("/", Bits(g.Alpha), Bits(g.Beta), string.Join(",", g.Breakdowns), g.Stopped, g.Capacity,
                                                                     g.VectorRows, Bits(g.Vectors), Bits(g.OmegaCurrent), g.ReorthogonalizeNext))),
                    s.Products, Convert.ToHexString(s.GeneratorState));

    [Fact]
    public void SavingAndResumingGroupsLeaksNoTensors()
    {
        using var scratch = new ScratchDirectory();
        using var a = new DenseOperator(BulkMatrix);
        long leaked = LiveTensors.LeakedBy(() =>
        {
            var options = new SlqOptions(5, 20, ProbeBlock: 3);
            using (var gen = new Generator(7))
            {
                var crashing = new CrashingCheckpoint(CheckpointDirectory.Create(scratch.Sub("c"), Config, 4), crashAt: 6);
                Assert.Throws<SimulatedCrash>(() => StochasticLanczosQuadrature.Run(a, options, gen, crashing));
            }
            using (var gen = new Generator(8))
                StochasticLanczosQuadrature.Run(a, options, gen, CheckpointDirectory.Open(scratch.Sub("c"), Config, 4));
            using (var gen = new Generator(9))
                StochasticLanczosQuadrature.Run(a, options, gen, CheckpointDirectory.Open(scratch.Sub("c"), Config, 4));
        });
        Assert.Equal(0, leaked);
    }

    /// <summary>Forwards saves and shows each state to an observer.</summary>
    sealed class Recording(IEstimatorCheckpoint inner, Action<EstimatorState> observe) : IEstimatorCheckpoint
    {
        public int Interval => inner.Interval;
        public void Save(string stage, EstimatorState state)
        {
            observe(state);
            inner.Save(stage, state);
        }
        public EstimatorState? TryLoad(string stage) => inner.TryLoad(stage);
    }
}
