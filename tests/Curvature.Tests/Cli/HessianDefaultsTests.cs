using System.Diagnostics;
using System.Text.Json.Nodes;
using Curvature.Cli;
using Xunit.Abstractions;
using static Curvature.Tests.Cli.HessianCli;

namespace Curvature.Tests.Cli;

/// <summary>The one run of <c>curvature hessian</c> with its analysis defaults (MLP 784-64-32-10, tanh, no norm, on the
/// first 1,000 embedded Fashion-MNIST test images, float64, top 10); only <c>--out</c> is given, since the default
/// output folder is relative to the working directory the parallel tests share.</summary>
public sealed class DefaultHessianRun : IDisposable
{
    public DefaultHessianRun()
    {
        Temp = new TempDirectory();
        OutDirectory = Temp.Combine("out");
        var clock = Stopwatch.StartNew();
        Run = CliRunner.Run("hessian", "--out", OutDirectory);
        Elapsed = clock.Elapsed;
    }

    public TempDirectory Temp { get; }
    public string OutDirectory { get; }
    public CliOutcome Run { get; }
    public TimeSpan Elapsed { get; }

    public JsonObject Record() => Read(Path.Combine(OutDirectory, "hessian.json"));

    public void Dispose() => Temp.Dispose();
}

/// <summary>Runs alone (no other test in parallel), so its wall time measures the verb on the machine's cores, as
/// the acceptance item states it, not the verb competing with the rest of the suite.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HessianTimingCollection
{
    public const string Name = "hessian default run (timed, alone)";
}

[Collection(HessianTimingCollection.Name)]
public sealed class HessianDefaultsTests(DefaultHessianRun run, ITestOutputHelper output) : IClassFixture<DefaultHessianRun>
{
    /// <summary>Issue 3, Acceptance: "curvature hessian on a small MLP with the embedded data finishes in under a
    /// minute on 2 cores". Measured at about 2.6 s alone on 2 idle cores (about 40 s when the shared machine was
    /// loaded 4×), so the limit is the acceptance figure itself.</summary>
    static readonly TimeSpan AcceptanceLimit = TimeSpan.FromSeconds(60);

    /// <summary>784-64-32-10 by the closed form Σ (d_in + 1)·d_out.</summary>
    const int DefaultParameters = (784 + 1) * 64 + (64 + 1) * 32 + (32 + 1) * 10;

    [Fact]
    public void DefaultRunFinishesInUnderAMinute()
    {
        output.WriteLine($"curvature hessian (defaults) took {run.Elapsed.TotalSeconds:F1} s wall; the probe itself {(double?)run.Record()["wall_seconds"]:F1} s");
        Assert.True(run.Run.ExitCode == ExitCodes.Ok, run.Run.ToString());
        Assert.Equal("", run.Run.Stderr);
        Assert.True(run.Elapsed < AcceptanceLimit, $"the default run took {run.Elapsed.TotalSeconds:F1} s");
        Assert.Contains($"Wrote 3 files to {run.OutDirectory}", run.Run.Stdout);
    }

    [Fact]
    public void ConfigEchoesTheDefaults()
    {
        var c = run.Record()["config"]!;
        Assert.Equal(("mlp", "tanh", "none", "fashion-mnist", "test", "none", "float64", "cross-entropy"),
            ((string?)c["model"], (string?)c["activation"], (string?)c["norm"], (string?)c["dataset"], (string?)c["split"], (string?)c["standardize"],
             (string?)c["dtype"], (string?)c["loss"]));
        Assert.Equal([64, 32], Doubles(c["hidden"]));
        Assert.Equal((10, 1000, 1000, 0UL, 1.0), ((int)c["classes"]!, (int)c["samples"]!, (int)c["batch_size"]!, (ulong)c["seed"]!, (double)c["init_scale"]!));
        Assert.Null(c["weights"]);
        Assert.Null(c["data"]);
    }

    [Fact]
    public void RecordHoldsTheDefaultMeasurements()
    {
        var r = run.Record();
        Assert.Equal(DefaultParameters, (int)r["num_params"]!);
        Assert.Equal(("hessian", "train"), ((string?)r["operator"], (string?)r["batch_norm_mode"]));
        var top = Doubles(r["top_eigenvalues"]);
        Assert.Equal(10, top.Length);
        AssertDescending(top, "top_eigenvalues");
        Assert.All(r["converged"]!.AsArray(), c => Assert.True((bool)c!));
        Assert.True(top[^1] > 0, "λ10 ≤ 0: λ1/λK is undefined");   // seed 0: λ10 ≈ 1.4
        AssertClose(top[0] / top[^1], (double)r["lambda1_over_lambdak"]!, FormulaRoundOff, "λ1/λK");
        Assert.InRange((double)r["gradient_overlap_topk"]!, 0, 1);
        // No --density, --trace or --exact: those figures are absent (null), not zero.
        foreach (var field in new[] { "trace", "trace_stderr", "density", "linear_density", "slq_nodes", "slq_weights", "exact", "exact_eigenvalues",
                                      "abs_mass_topk_share", "negative_mass" })
            Assert.Null(r[field]);
        AssertFigures(run.OutDirectory, "top-eigenvalues");
    }
}
