using System.Text.Json;
using System.Text.Json.Serialization;
using Curvature.Analysis;
using Curvature.Estimators;
using Curvature.Operators;
using Curvature.Tests.Estimators.Resume;
using Curvature.Tests.Operators.Network;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Analysis;

/// <summary>
/// The whole probe on a network Hessian (an MLP 4-3-3, 27 parameters, 24 samples in 2 batches), checkpointed: killed at
/// saves spread over the run — inside the top eigenpairs, inside and between SLQ probes, around Hutch++ — and resumed with
/// a new operator, a new model object and another generator seed, the report equals the uninterrupted one in every
/// field but the wall time, including the product count.
/// </summary>
public sealed class CurvatureProbeResumeTests
{
    const ulong Seed = 17;
    static readonly IReadOnlyList<KeyValuePair<string, string>> Config = ResumeHarness.Config;
    static readonly JsonSerializerOptions Exact = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    static readonly CurvatureProbeOptions WithDensity = new(TopK: 2, Density: true, LanczosSteps: 8, Probes: 3);
    static readonly CurvatureProbeOptions WithHutchAndExact = new(TopK: 2, Density: false, Trace: true, Exact: true, TraceProducts: 12);

    static string Run(CurvatureProbeOptions options, IEstimatorCheckpoint? checkpoint, ulong seed, CancellationToken cancellation = default)
    {
        using var model = TinyNetworks.Mlp(4, 3, 3, batchNorm: false, seed: 3);
        using var data = TinyNetworks.Classification(24, [4], 3, seed: 4, batchSize: 12);
        using var h = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        return Probe(h, options, checkpoint, seed, cancellation);
    }

    static string Probe(HessianOperator h, CurvatureProbeOptions options, IEstimatorCheckpoint? checkpoint, ulong seed, CancellationToken cancellation = default)
    {
        using var gen = new Generator(seed);
        var report = CurvatureProbe.Run(h, "hessian", options, gen, checkpoint: checkpoint, cancellation: cancellation);
        // System.Text.Json writes doubles in round-trip form: equal text is equal bits.
        return JsonSerializer.Serialize(report with { WallSeconds = 0 }, Exact);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void KilledAtEverySaveAndResumedGivesTheSameReport(string name, int interval)
    {
        var options = name == "density" ? WithDensity : WithHutchAndExact;
        using var scratch = new ScratchDirectory();
        string reference = Run(options, null, Seed);
        var counting = new CrashingCheckpoint(CheckpointDirectory.Create(scratch.Sub("full"), Config, interval));
        Assert.Equal(reference, Run(options, counting, Seed));
        Assert.True(counting.Saves >= 6, $"only {counting.Saves} saves");
        Assert.Equal(reference, Run(options, CheckpointDirectory.Open(scratch.Sub("full"), Config, interval), ResumeHarness.OtherSeed));
        // Every crash point of the estimators is covered on planted spectra (EstimatorResumeTests); network products are
        // dearer, so here four points spread over the run: the first save after the start, a third, two thirds, the last.
        foreach (int crash in new[] { 2, counting.Saves / 3, 2 * counting.Saves / 3, counting.Saves }.Where(c => c >= 2).Distinct())
        {
            string dir = scratch.Sub($"crash{crash}");
            var crashing = new CrashingCheckpoint(CheckpointDirectory.Create(dir, Config, interval), crash);
            Assert.Throws<SimulatedCrash>(() => Run(options, crashing, Seed));
            Assert.True(reference == Run(options, CheckpointDirectory.Open(dir, Config, interval), ResumeHarness.OtherSeed),
                        $"{name}: resumed after a crash at save {crash} of {counting.Saves}: the report differs");
        }
    }

    public static TheoryData<string, int> Configurations => new() { { "density", 4 }, { "hutch++ and exact", 3 } };

    [Fact]
    public void CancelledProbeSavesAndResumes()
    {
        using var scratch = new ScratchDirectory();
        string reference = Run(WithDensity, null, Seed);
        using var source = new CancellationTokenSource();
        var checkpoint = CheckpointDirectory.Create(scratch.Sub("c"), Config, 1000);
        source.Cancel();   // already cancelled (CancelAfter(0) goes through a timer and can fire late): stops after the gradient stage, before any Lanczos product
        Assert.ThrowsAny<OperationCanceledException>(() => Run(WithDensity, checkpoint, Seed, source.Token));
        Assert.Equal(reference, Run(WithDensity, CheckpointDirectory.Open(scratch.Sub("c"), Config, 1000), Seed));
    }

    [Fact]
    public void ResumedProbeLeaksNoTensors()
    {
        using var scratch = new ScratchDirectory();
        var crashing = new CrashingCheckpoint(CheckpointDirectory.Create(scratch.Sub("c"), Config, 5), crashAt: 6);
        Assert.Throws<SimulatedCrash>(() => Run(WithDensity, crashing, Seed));
        using var model = TinyNetworks.Mlp(4, 3, 3, batchNorm: false, seed: 3);
        using var data = TinyNetworks.Classification(24, [4], 3, seed: 4, batchSize: 12);
        using var h = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train);
        Assert.Equal(0, LiveTensors.LeakedBy(() => Probe(h, WithDensity, CheckpointDirectory.Open(scratch.Sub("c"), Config, 5), Seed)));
    }
}
