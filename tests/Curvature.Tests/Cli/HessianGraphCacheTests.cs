using static Curvature.Tests.Cli.HessianCli;

namespace Curvature.Tests.Cli;

/// <summary><c>curvature hessian --graph-cache auto|off</c>: keeping each batch's graph for all of an estimator's products
/// changes no number of the record (top eigenpairs, Hutch++ trace, SLQ density), only its <c>graph_cache</c> entry, and
/// an unknown value is one clear line.</summary>
public sealed class HessianGraphCacheTests
{
    [Theory]
    [InlineData("--density")]
    [InlineData("--trace")]
    public void KeptGraphsChangeNoNumber(string stage)
    {
        using var temp = new TempDirectory();
        var auto = Record(temp, [.. Tiny, stage, "--batch-size", "16"]);
        var off = Record(temp, [.. Tiny, stage, "--batch-size", "16", "--graph-cache", "off"]);
        Assert.Equal("auto", (string)auto["graph_cache"]!);
        Assert.Equal("off", (string)off["graph_cache"]!);
        string Numbers(System.Text.Json.Nodes.JsonObject r)
        {
            var c = Comparable(r);
            c.Remove("graph_cache");
            return c.ToJsonString();
        }
        Assert.Equal(Numbers(off), Numbers(auto));
    }

    [Fact]
    public void AnUnknownValueIsOneLine() =>
        CliRunner.Run([.. Tiny, "--graph-cache", "sometimes"]).AssertRejectedInOneLine("--graph-cache");
}
