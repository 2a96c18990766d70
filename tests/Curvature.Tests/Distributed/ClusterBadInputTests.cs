using Curvature.Tests.Cli;
using static Curvature.Tests.Cli.HessianCli;

namespace Curvature.Tests.Distributed;

/// <summary>Bad cluster options of <c>hessian</c> and <c>worker</c>: one line naming the problem, exit 2, no output file.</summary>
public sealed class ClusterBadInputTests
{
    [Theory]
    [InlineData("--cluster 'nowhere': expected HOST:PORT", "--cluster", "nowhere")]
    [InlineData("--cluster '127.0.0.1:99999'", "--cluster", "127.0.0.1:99999")]
    [InlineData("the host must be an IPv4 address", "--cluster", "example.org:11111")]
    [InlineData("--workers and --shards need --cluster", "--workers", "2")]
    [InlineData("--workers and --shards need --cluster", "--shards", "2")]
    [InlineData("--workers must be a positive number", "--cluster", "127.0.0.1:11111", "--workers", "0")]
    [InlineData("--shards must be a positive number", "--cluster", "127.0.0.1:11111", "--shards", "0")]
    [InlineData("a shard holds whole batches; give a smaller --batch-size", "--cluster", "127.0.0.1:11111", "--shards", "3")]
    [InlineData("--cluster: BatchNorm mode population is not distributed", "--cluster", "127.0.0.1:11111", "--bn-mode", "population")]
    [InlineData("--cluster: --params is not distributed", "--cluster", "127.0.0.1:11111", "--params", "*.weight")]
    public void BadClusterOptionOfHessianIsOneLineAndNoOutput(string named, params string[] options)
    {
        using var temp = new TempDirectory();
        var outcome = CliRunner.Run([.. Tiny, .. options, "--run-dir", temp.Combine("run"), "--json", temp.Combine("record.json"), "--out", temp.Combine("out")]);
        outcome.AssertRejectedInOneLine(named);
        Assert.False(File.Exists(temp.Combine("record.json")));
        Assert.False(Directory.Exists(temp.Combine("out")));
    }

    /// <summary>No worker joins: after --join-timeout the coordinator says how to start one, and leaves no run files.</summary>
    [Fact]
    public void ACoordinatorWithoutWorkersGivesUpInOneLine()
    {
        using var temp = new TempDirectory();
        int port = FreePort();
        var outcome = CliRunner.Run([.. Tiny, "--batch-size", "2", "--cluster", $"127.0.0.1:{port}", "--join-timeout", "1", "--run-dir", temp.Combine("run"), "--json", temp.Combine("record.json")]);
        Assert.Equal(Curvature.Cli.ExitCodes.BadInput, outcome.ExitCode);
        string last = outcome.StderrLines[^1];
        Assert.StartsWith("curvature: --workers 1: 0 of 1 workers joined within 1 s", last);
        Assert.Contains($"curvature worker --cluster 127.0.0.1:{port}", last);
        Assert.False(File.Exists(temp.Combine("record.json")));
        Assert.Empty(Directory.GetFiles(temp.Combine("run")));
    }

    [Theory]
    [InlineData("worker needs --cluster")]
    [InlineData("--cluster 'x:y': expected HOST:PORT", "--cluster", "x:y")]
    [InlineData("--port must be between 0 and 65535", "--cluster", "127.0.0.1:11111", "--port", "70000")]
    [InlineData("--join-timeout must be a positive number", "--cluster", "127.0.0.1:11111", "--join-timeout", "0")]
    public void BadWorkerOptionIsOneLine(string named, params string[] options)
    {
        using var temp = new TempDirectory();
        CliRunner.Run(["worker", "--run-dir", temp.Combine("run"), .. options]).AssertRejectedInOneLine(named);
    }

    /// <summary>Nobody at the address: the worker gives up after --join-timeout and says to start the coordinator.</summary>
    [Fact]
    public void AWorkerWithoutACoordinatorGivesUpInOneLine()
    {
        using var temp = new TempDirectory();
        int port = FreePort();
        var outcome = CliRunner.Run(["worker", "--cluster", $"127.0.0.1:{port}", "--join-timeout", "2", "--run-dir", temp.Combine("run")]);
        string line = outcome.AssertRejectedInOneLine($"--cluster 127.0.0.1:{port}: could not join within 2 s");
        Assert.Contains("start the coordinator", line);
    }

    static int FreePort() => Curvature.Distributed.CurvatureSilo.FreePort(System.Net.IPAddress.Loopback);
}
