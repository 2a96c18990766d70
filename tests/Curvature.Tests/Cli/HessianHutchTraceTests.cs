using static Curvature.Tests.Cli.HessianCli;

namespace Curvature.Tests.Cli;

/// <summary><c>curvature hessian --trace</c> without <c>--density</c>: the trace comes from Hutch++ with the
/// <c>--trace-products</c> budget (30 by default), recorded with its method and a finite standard error, and costs exactly
/// that many extra products; a budget below 4 is refused. On the tiny 70-parameter mixture MLP.</summary>
public sealed class HessianHutchTraceTests
{
    [Fact]
    public void TraceWithoutDensityIsHutchPlusPlusWithItsBudget()
    {
        using var temp = new TempDirectory();
        var plain = Record(temp, TinyMixture);
        var traced = Record(temp, [.. TinyMixture, "--trace"]);
        var twelve = Record(temp, [.. TinyMixture, "--trace", "--trace-products", "12"]);

        Assert.Equal("not computed", (string?)plain["trace_method"]);
        Assert.Equal("Hutch++ (30 products)", (string?)traced["trace_method"]);
        Assert.Equal("Hutch++ (12 products)", (string?)twelve["trace_method"]);
        foreach (var r in new[] { traced, twelve })
        {
            double trace = (double)r["trace"]!, stderr = (double)r["trace_stderr"]!;
            Assert.True(double.IsFinite(trace), $"trace {trace}");
            Assert.True(double.IsFinite(stderr) && stderr > 0, $"trace stderr {stderr}");
            Assert.Null(r["density"]);   // no SLQ was run
        }
        // Same seed, so the same top-eigenpair and gradient products; the trace adds exactly its budget.
        long products = (long)plain["hvp_count"]!;
        Assert.Equal(products + 30, (long)traced["hvp_count"]!);
        Assert.Equal(products + 12, (long)twelve["hvp_count"]!);
    }

    [Fact]
    public void ExactModeScoresTheHutchPlusPlusTrace()
    {
        using var temp = new TempDirectory();
        var r = Record(temp, [.. TinyMixture, "--trace", "--exact"]);
        Assert.Equal("Hutch++ (30 products)", (string?)r["trace_method"]);
        var e = r["exact"]!;
        double trace = (double)r["trace"]!, stderr = (double)r["trace_stderr"]!, exact = (double)e["exact_trace"]!;
        Assert.Equal(trace - exact, (double)e["trace_error"]!);   // one subtraction
        AssertClose((trace - exact) / stderr, (double)e["trace_error_in_stderrs"]!, FormulaRoundOff, "trace error in SE");
    }

    [Theory]
    [InlineData("--trace-products must be at least 4", "3")]
    [InlineData("--trace-products must be a positive number", "0")]
    public void TooSmallABudgetIsRefusedInOneLine(string named, string products)
    {
        using var temp = new TempDirectory();
        string outDir = temp.Combine("out"), json = temp.Combine("record.json");
        var outcome = CliRunner.Run([.. TinyMixture, "--trace", "--trace-products", products, "--out", outDir, "--json", json]);
        outcome.AssertRejectedInOneLine(named);
        Assert.Empty(TempDirectory.FilesUnder(temp.Path));
        Assert.False(Directory.Exists(outDir));
    }
}
