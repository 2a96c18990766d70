using Curvature.Cli;
using static Curvature.Tests.Cli.HessianCli;

namespace Curvature.Tests.Cli;

/// <summary>One finished checkpointed run of <see cref="HessianCli.Tiny"/> with the density; tests work on copies.</summary>
public sealed class FinishedCheckpoint : IDisposable
{
    public static readonly string[] Small = [.. Tiny, "--density"];

    public FinishedCheckpoint()
    {
        var outcome = CliRunner.Run([.. Small, "--checkpoint", Temp.Combine("ckpt"), "--json", Temp.Combine("first.json")]);
        Assert.True(outcome.ExitCode == ExitCodes.Ok, outcome.ToString());
        Record = Comparable(Read(Temp.Combine("first.json"))).ToJsonString();
    }

    TempDirectory Temp { get; } = new();
    public string Record { get; }

    /// <summary>A private temporary directory holding a copy of the checkpoint as "ckpt".</summary>
    public (TempDirectory Temp, string Checkpoint) Copy()
    {
        var temp = new TempDirectory();
        string target = temp.Combine("ckpt");
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(Temp.Combine("ckpt"))) File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        return (temp, target);
    }

    public void Dispose() => Temp.Dispose();
}

/// <summary><c>--checkpoint</c>/<c>--resume</c> refusals, in process: each is one line naming the problem and the fix,
/// exit code 2, and no record written.</summary>
public sealed class HessianResumeOptionsTests(FinishedCheckpoint finished) : IClassFixture<FinishedCheckpoint>
{
    static readonly string[] Small = FinishedCheckpoint.Small;

    (TempDirectory Temp, string Checkpoint) Finished() => finished.Copy();

    [Fact]
    public void ResumeWithOtherOptionsIsRefusedNamingEachDifference()
    {
        var (temp, checkpoint) = Finished();
        using (temp)
        {
            string json = temp.Combine("out.json");
            string[] changed = ["hessian", "--hidden", "4", "--samples", "64", "--top", "3", "--lanczos-steps", "10", "--probes", "5", "--density", "--seed", "2"];
            string line = CliRunner.Run([.. changed, "--checkpoint", checkpoint, "--resume", "--json", json]).AssertRejectedInOneLine("different configuration");
            Assert.Contains("--probes is 5 now but 3 in the checkpoint", line);
            Assert.Contains("--seed is 2 now but 0 in the checkpoint", line);
            Assert.DoesNotContain("--top", line);
            Assert.False(File.Exists(json));

            // The same options resume the finished run: its record again, bit for bit.
            var again = CliRunner.Run([.. Small, "--checkpoint", checkpoint, "--resume", "--json", json]);
            Assert.True(again.ExitCode == ExitCodes.Ok, again.ToString());
            Assert.Equal(finished.Record, Comparable(Read(json)).ToJsonString());
        }
    }

    [Fact]
    public void OtherWeightsAreRefusedByTheirContent()
    {
        var (temp, checkpoint) = Finished();
        using (temp)
        {
            string weights = temp.Combine("model.safetensors");
            using (var model = new Curvature.Models.MlpSpec(784, [4], 10, Curvature.Models.Activation.Tanh).Build(TorchSharp.torch.ScalarType.Float64, 0))
                Curvature.Checkpoints.Checkpoint.Save(model, weights);
            CliRunner.Run([.. Small, "--weights", weights, "--checkpoint", checkpoint, "--resume"]).AssertRejectedInOneLine("--weights (SHA-256 of the file) is ");
        }
    }

    [Fact]
    public void ExistingCheckpointIsNeverOverwrittenWithoutResume()
    {
        var (temp, checkpoint) = Finished();
        using (temp)
            CliRunner.Run([.. Small, "--checkpoint", checkpoint, "--json", temp.Combine("x.json")]).AssertRejectedInOneLine("add --resume to continue it");
    }

    [Fact]
    public void ResumeNeedsACheckpoint()
    {
        using var temp = new TempDirectory();
        CliRunner.Run([.. Small, "--resume", "--json", temp.Combine("x.json")]).AssertRejectedInOneLine("--resume needs --checkpoint DIR");
        CliRunner.Run([.. Small, "--resume", "--checkpoint", temp.Combine("empty"), "--json", temp.Combine("x.json")])
                 .AssertRejectedInOneLine("holds no checkpoint to resume; run without --resume");
        Assert.Empty(TempDirectory.FilesUnder(temp.Path));
    }

    [Fact]
    public void DamagedStateIsRefusedBeforeAnyWork()
    {
        var (temp, checkpoint) = Finished();
        using (temp)
        {
            string state = Path.Combine(checkpoint, "slq.safetensors");
            var bytes = File.ReadAllBytes(state);
            bytes[^3] ^= 0x10;   // one flipped bit in the data
            File.WriteAllBytes(state, bytes);
            string line = CliRunner.Run([.. Small, "--checkpoint", checkpoint, "--resume", "--json", temp.Combine("x.json")]).AssertRejectedInOneLine("slq.safetensors");
            Assert.Contains("damaged", line);
            Assert.False(File.Exists(temp.Combine("x.json")));
        }
    }
}
