using Curvature.Cli;
using static Curvature.Tests.Cli.HessianCli;

namespace Curvature.Tests.Cli;

/// <summary><c>curvature hessian --density --probe-block B</c>: the width used is in the record (automatic: all 3 probes
/// of the tiny configuration), it changes no number of the network Hessian's record (its block product takes one
/// second backward pass per column on a shared graph, so each column is its single product bit for bit), and a
/// checkpoint made with another width is refused by the configuration check, while the same width requested another way
/// (explicitly or automatically) resumes.</summary>
public sealed class HessianProbeBlockTests
{
    static readonly string[] Density = [.. Tiny, "--density"];

    [Fact]
    public void TheWidthIsRecordedAndChangesNoNumber()
    {
        using var temp = new TempDirectory();
        var automatic = Record(temp, Density);
        var two = Record(temp, [.. Density, "--probe-block", "2"]);
        var one = Record(temp, [.. Density, "--probe-block", "1"]);
        Assert.Equal(3, (int)automatic["slq_probe_block"]!);
        Assert.Equal(2, (int)two["slq_probe_block"]!);
        Assert.Equal(1, (int)one["slq_probe_block"]!);
        string Numbers(System.Text.Json.Nodes.JsonObject r)
        {
            var c = Comparable(r);
            c.Remove("slq_probe_block");
            return c.ToJsonString();
        }
        Assert.Equal(Numbers(one), Numbers(two));
        Assert.Equal(Numbers(one), Numbers(automatic));
        // Without the density there is no SLQ and no width.
        Assert.Null(Record(temp, Tiny)["slq_probe_block"]);
    }

    [Fact]
    public void ACheckpointOfAnotherWidthIsRefused()
    {
        using var temp = new TempDirectory();
        string checkpoint = temp.Combine("ckpt");
        var first = CliRunner.Run([.. Density, "--probe-block", "3", "--checkpoint", checkpoint, "--json", temp.Combine("a.json")]);
        Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
        string line = CliRunner.Run([.. Density, "--probe-block", "2", "--checkpoint", checkpoint, "--resume", "--json", temp.Combine("b.json")])
            .AssertRejectedInOneLine("different configuration");
        Assert.Contains("--probe-block is 2 now but 3 in the checkpoint", line);
        Assert.False(File.Exists(temp.Combine("b.json")));
        // The configuration holds the width used: the automatic width (3 here) is the same configuration.
        var resumed = CliRunner.Run([.. Density, "--checkpoint", checkpoint, "--resume", "--json", temp.Combine("c.json")]);
        Assert.True(resumed.ExitCode == ExitCodes.Ok, resumed.ToString());
        Assert.Equal(Comparable(Read(temp.Combine("a.json"))).ToJsonString(), Comparable(Read(temp.Combine("c.json"))).ToJsonString());
    }
}
