using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Curvature.Estimators;

namespace Curvature.Tests.Estimators.Resume;

/// <summary>The file-backed checkpoint: what it refuses (and how it says so), that states round-trip bit for bit, and
/// that its state files are plain safetensors.</summary>
public sealed class CheckpointDirectoryTests
{
    static readonly List<KeyValuePair<string, string>> Config = [new("--probes", "3"), new("--seed", "0"), new("--top", "5")];

    static readonly HutchPlusPlusState Sample = new(7, 30, ProbeDistribution.Rademacher, 4,
        new TraceEstimate(-0.0, double.NaN, 30, 1, "Hutch++", ProbeDistribution.Gaussian, 1e-300, [double.Epsilon, -2.5], TraceStopReason.BudgetSpent),
        30, [1, 2, 3, 255]);

    [Fact]
    public void StatesRoundTripBitForBit()
    {
        using var scratch = new ScratchDirectory();
        CheckpointDirectory.Create(scratch.Sub("c"), Config, 5).Save(HutchPlusPlus.Stage, Sample);
        var loaded = (HutchPlusPlusState)CheckpointDirectory.Open(scratch.Sub("c"), Config, 5).TryLoad(HutchPlusPlus.Stage)!;
        var (a, b) = (Sample.Result!, loaded.Result!);
        Assert.Equal(ResumeHarness.Bits([a.Estimate, a.StandardError, a.DeterministicPart, .. a.Samples]),
                     ResumeHarness.Bits([b.Estimate, b.StandardError, b.DeterministicPart, .. b.Samples]));
        Assert.Equal((a.Matvecs, a.Probes, a.Method, a.Distribution, a.StopReason), (b.Matvecs, b.Probes, b.Method, b.Distribution, b.StopReason));
        Assert.Equal(Sample.GeneratorState, loaded.GeneratorState);
        Assert.Equal((Sample.Size, Sample.Matvecs, Sample.Distribution, Sample.BlockSize, Sample.Products),
                     (loaded.Size, loaded.Matvecs, loaded.Distribution, loaded.BlockSize, loaded.Products));
        Assert.Null(CheckpointDirectory.Open(scratch.Sub("c"), Config, 5).TryLoad(StochasticLanczosQuadrature.Stage));
        Assert.Empty(Directory.GetFiles(scratch.Sub("c"), "*.tmp"));
    }

    [Fact]
    public void StateFilesAreSafetensors()
    {
        using var scratch = new ScratchDirectory();
        CheckpointDirectory.Create(scratch.Sub("c"), Config, 5).Save(HutchPlusPlus.Stage, Sample);
        var bytes = File.ReadAllBytes(Path.Combine(scratch.Sub("c"), "hutch-plus-plus.safetensors"));
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        var header = JsonNode.Parse(bytes.AsSpan(8, (int)headerLength))!.AsObject();
        long end = 0;
        foreach (var (name, node) in header.Where(kv => kv.Key != "__metadata__"))
        {
            int width = (string)node!["dtype"]! == "U8" ? 1 : 8;
            long begin = (long)node["data_offsets"]![0]!, stop = (long)node["data_offsets"]![1]!;
            Assert.Equal((long)node["shape"]![0]! * width, stop - begin);
            end = Math.Max(end, stop);
        }
        Assert.Equal(bytes.Length, 8 + headerLength + end);
        Assert.Equal("curvature-estimator-state/1", (string)header["__metadata__"]!["format"]!);
        var samples = header["result.samples"]!;
        Assert.Equal("F64", (string)samples["dtype"]!);
        Assert.Equal(-2.5, BitConverter.ToDouble(bytes, (int)(8 + headerLength + (long)samples["data_offsets"]![0]! + 8)));

        // An independent reader (TorchSharp.PyBridge's, as for model checkpoints) reads the same arrays.
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var stream = new MemoryStream(bytes);
        var tensors = TorchSharp.PyBridge.Safetensors.LoadStateDict(stream);
        Assert.Equal([double.Epsilon, -2.5], tensors["result.samples"].data<double>().ToArray());
        Assert.Equal(Sample.GeneratorState, tensors["generator"].data<byte>().ToArray());
        Assert.Equal([30L], tensors["products"].data<long>().ToArray());
    }

    [Fact]
    public void ResumingAnotherConfigurationNamesEveryDifference()
    {
        using var scratch = new ScratchDirectory();
        CheckpointDirectory.Create(scratch.Sub("c"), Config, 5);
        List<KeyValuePair<string, string>> other = [new("--probes", "4"), new("--seed", "0"), new("--dtype", "float32")];
        var e = Assert.Throws<CheckpointDirectoryException>(() => CheckpointDirectory.Open(scratch.Sub("c"), other, 5));
        Assert.Equal(CheckpointProblem.Mismatch, e.Problem);
        Assert.Equal([new("--probes", "4", "3"), new("--dtype", "float32", null), new("--top", null, "5")], e.Differences);
    }

    [Fact]
    public void RefusesToOverwriteOrToResumeNothing()
    {
        using var scratch = new ScratchDirectory();
        Assert.Equal(CheckpointProblem.Missing, Assert.Throws<CheckpointDirectoryException>(() => CheckpointDirectory.Open(scratch.Sub("c"), Config, 5)).Problem);
        CheckpointDirectory.Create(scratch.Sub("c"), Config, 5);
        Assert.Equal(CheckpointProblem.AlreadyExists, Assert.Throws<CheckpointDirectoryException>(() => CheckpointDirectory.Create(scratch.Sub("c"), Config, 5)).Problem);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("flipped bit")]
    [InlineData("not a state")]
    [InlineData("manifest edited")]
    public void DamageIsDetectedWhenOpening(string damage)
    {
        using var scratch = new ScratchDirectory();
        string dir = scratch.Sub("c");
        CheckpointDirectory.Create(dir, Config, 5).Save(HutchPlusPlus.Stage, Sample);
        string state = Path.Combine(dir, "hutch-plus-plus.safetensors"), manifest = Path.Combine(dir, CheckpointDirectory.ManifestName);
        var bytes = File.ReadAllBytes(state);
        switch (damage)
        {
            case "truncated": File.WriteAllBytes(state, bytes[..^5]); break;
            case "flipped bit": bytes[^9] ^= 1; File.WriteAllBytes(state, bytes); break;
            case "not a state": File.WriteAllText(state, "hello"); break;
            default: File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"3\"", "\"4\"")); break;
        }
        var e = Assert.Throws<CheckpointDirectoryException>(() => CheckpointDirectory.Open(dir, damage == "manifest edited" ? [new("--probes", "4"), Config[1], Config[2]] : Config, 5));
        Assert.Equal(CheckpointProblem.Corrupt, e.Problem);
        Assert.Equal(damage == "manifest edited" ? manifest : state, e.Path);
    }

    [Fact]
    public void LeftoverTemporaryFileOfAKilledSaveIsIgnoredAndRemoved()
    {
        using var scratch = new ScratchDirectory();
        string dir = scratch.Sub("c");
        CheckpointDirectory.Create(dir, Config, 5).Save(HutchPlusPlus.Stage, Sample);
        string stale = Path.Combine(dir, ".slq.safetensors.12345.tmp");
        File.WriteAllText(stale, "half a file");
        var opened = CheckpointDirectory.Open(dir, Config, 5);
        Assert.False(File.Exists(stale));
        Assert.Null(opened.TryLoad(StochasticLanczosQuadrature.Stage));
    }
}
