using System.Text.Json.Nodes;
using Curvature.Cli;
using static Curvature.Tests.Cli.HessianCli;

namespace Curvature.Tests.Cli;

/// <summary><c>curvature hessian</c> on the tiny 70-parameter mixture MLP with <c>--density --exact</c>: the same
/// command twice with <c>--json</c> (the file is read and removed between the runs, so the command line is
/// identical), then once with <c>--out</c> for the record and figures in a directory.</summary>
public sealed class TinyExactRuns : IDisposable
{
    public static readonly string[] Args = [.. TinyMixture, "--density", "--exact"];

    public TinyExactRuns()
    {
        Temp = new TempDirectory();
        JsonFile = Temp.Combine("record.json");
        OutDirectory = Temp.Combine("out");
        First = CliRunner.Run([.. Args, "--json", JsonFile]);
        if (First.ExitCode == ExitCodes.Ok)
        {
            FirstRecord = Read(JsonFile);
            File.Delete(JsonFile);
        }
        Second = CliRunner.Run([.. Args, "--json", JsonFile]);
        if (Second.ExitCode == ExitCodes.Ok) SecondRecord = Read(JsonFile);
        OutRun = CliRunner.Run([.. Args, "--out", OutDirectory]);
    }

    public TempDirectory Temp { get; }
    public string JsonFile { get; }
    public string OutDirectory { get; }
    public CliOutcome First { get; }
    public CliOutcome Second { get; }
    public CliOutcome OutRun { get; }
    public JsonObject? FirstRecord { get; }
    public JsonObject? SecondRecord { get; }

    /// <summary>The record of the first run (asserting that it succeeded).</summary>
    public JsonObject Record
    {
        get
        {
            Assert.True(First.ExitCode == ExitCodes.Ok, First.ToString());
            return FirstRecord!;
        }
    }

    public JsonObject OutRecord() => Read(Path.Combine(OutDirectory, "hessian.json"));

    public void Dispose() => Temp.Dispose();
}

public sealed class HessianRecordTests(TinyExactRuns runs) : IClassFixture<TinyExactRuns>
{
    /// <summary>The issue's acceptance level for Lanczos top eigenvalues against the dense eigendecomposition.</summary>
    const double ExactAgreement = 1e-8;

    /// <summary>Round-off allowed where the record's figures are checked against the spectrum's interval or
    /// against each other after sums of many terms, relative to ‖H‖ (or Σ|λ|): float64 Lanczos with full
    /// reorthogonalisation and a dense eigensolver are accurate to ~m·ε·‖H‖ and ~n·ε·‖H‖ (≈ 1e-14 here), so
    /// 1e-12 is still round-off, yet far below every eigenvalue gap of this spectrum (≥ 1e-3·‖H‖).</summary>
    const double SpectrumRoundOff = 1e-12;

    static readonly string[] TopLevelFields =
    [
        "kind", "run", "config", "model_has_batch_statistics", "gradient_batch_size", "graph_cache", "cluster", "krylov", "operator", "batch_norm_mode", "num_params", "loss", "gradient_norm",
        "top_eigenvalues", "residuals", "converged", "lambda1_over_lambdak", "gradient_overlap_topk", "gradient_overlap_topk_mini_batch",
        "gradient_overlap_topk_mini_batch_stderr", "gradient_curvature", "trace", "trace_stderr", "trace_method", "abs_mass_topk_share",
        "negative_mass", "negative_mass_share", "density", "linear_density", "slq_nodes", "slq_weights", "exact", "exact_eigenvalues",
        "hvp_count", "wall_seconds", "slq_probe_block",
    ];

    static readonly string[] ConfigFields =
    [
        "model", "hidden", "channels", "kernels", "strides", "padding", "global_pool", "depth", "activation", "norm", "classes", "init_scale",
        "weights", "dataset", "data", "split", "samples", "batch_size", "standardize", "population_samples", "dtype", "loss", "seed", "data_sha256",
        "weights_sha256",
    ];

    static readonly string[] ExactFields =
    [
        "exact_eigenvalues", "top_relative_errors", "exact_trace", "trace_error", "trace_error_in_stderrs", "exact_gradient_overlap_topk",
        "exact_abs_mass_topk_share", "exact_negative_mass", "asymmetry",
    ];

    [Fact]
    public void RunsSucceedAndSayWhatTheyWrote()
    {
        foreach (var run in new[] { runs.First, runs.Second, runs.OutRun })
        {
            Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
            Assert.Equal("", run.Stderr);
            Assert.Contains("hessian of the mean cross-entropy loss", run.Stdout);
            Assert.Contains("Exact mode:", run.Stdout);
        }
        Assert.Contains($"Wrote 1 files to {runs.Temp.Path}", runs.Second.Stdout);
        Assert.Contains($"Wrote 7 files to {runs.OutDirectory}", runs.OutRun.Stdout);
    }

    [Fact]
    public void RecordHasEveryField()
    {
        var record = runs.Record;
        Assert.Equal(TopLevelFields.Order(), record.Select(p => p.Key).Order());
        Assert.Null(record["cluster"]);   // a single-process run: the entry is there, and empty
        Assert.Equal(ConfigFields.Order(), record["config"]!.AsObject().Select(p => p.Key).Order());
        Assert.Equal(ExactFields.Order(), record["exact"]!.AsObject().Select(p => p.Key).Order());
        foreach (var density in new[] { "density", "linear_density" })
            foreach (var field in new[] { "grid", "values", "sigma", "smoothing", "log_scale", "epsilon" })
                Assert.True(record[density]!.AsObject().ContainsKey(field), $"missing {density}.{field}");
        Assert.Equal("curvature.hessian", (string?)record["kind"]);
        Assert.Equal("hessian", (string?)record["operator"]);
        Assert.Equal("train", (string?)record["batch_norm_mode"]);
        Assert.False((bool)record["model_has_batch_statistics"]!);
        Assert.True((double)record["wall_seconds"]! > 0);
        Assert.StartsWith("curvature hessian --dataset gaussian-mixture", (string?)record["run"]!["command"]);
    }

    [Fact]
    public void ConfigEchoesTheOptions()
    {
        var config = runs.Record["config"]!;
        Assert.Equal(("mlp", "gaussian-mixture", "synthetic", "none", "tanh", "float64", "cross-entropy", "none"),
            ((string?)config["model"], (string?)config["dataset"], (string?)config["split"], (string?)config["norm"], (string?)config["activation"],
             (string?)config["dtype"], (string?)config["loss"], (string?)config["standardize"]));
        Assert.Equal((64, 64, 10, 0UL, 0), ((int)config["samples"]!, (int)config["batch_size"]!, (int)config["classes"]!, (ulong)config["seed"]!,
                                            (int)config["population_samples"]!));
        Assert.Equal([4], Doubles(config["hidden"]));
        Assert.Null(config["weights"]);
        Assert.Null(config["data"]);
        Assert.Matches("^[0-9a-f]{64}$", (string?)config["data_sha256"]);
    }

    [Fact]
    public void NumParamsIsTheClosedForm() => Assert.Equal(TinyMixtureParameters, (int)runs.Record["num_params"]!);

    [Fact]
    public void TopEigenvaluesMatchTheDenseSpectrum()
    {
        var r = runs.Record;
        var top = Doubles(r["top_eigenvalues"]);
        var exact = Doubles(r["exact_eigenvalues"]);
        Assert.Equal(3, top.Length);
        Assert.Equal(TinyMixtureParameters, exact.Length);
        Assert.Equal(exact, Doubles(r["exact"]!["exact_eigenvalues"]));
        AssertDescending(top, "top_eigenvalues");
        AssertDescending(exact, "exact_eigenvalues");
        var errors = Doubles(r["exact"]!["top_relative_errors"]);
        for (int i = 0; i < top.Length; i++)
        {
            AssertClose(exact[i], top[i], ExactAgreement, $"λ{i + 1} against the dense eigendecomposition");
            Assert.Equal(Math.Abs(top[i] - exact[i]) / Math.Abs(exact[i]), errors[i]);   // the same float64 formula
        }

        // Every pair converged to the default residual level, measured against ‖H‖ = max|λ| of the dense spectrum.
        double norm = exact.Max(Math.Abs);
        var residuals = Doubles(r["residuals"]);
        Assert.Equal(top.Length, residuals.Length);
        Assert.All(r["converged"]!.AsArray(), c => Assert.True((bool)c!));
        Assert.All(residuals, res => Assert.InRange(res, 0, Tolerances.RitzResidualRelative * norm));
        AssertClose(top[0] / top[^1], (double)r["lambda1_over_lambdak"]!, FormulaRoundOff, "λ1/λK");
        Assert.True((double)r["exact"]!["asymmetry"]! < Tolerances.SymmetryRelative);
    }

    [Fact]
    public void GradientFiguresAgreeWithTheDenseSpectrum()
    {
        var r = runs.Record;
        var top = Doubles(r["top_eigenvalues"]);
        var exact = Doubles(r["exact_eigenvalues"]);
        double norm = exact.Max(Math.Abs);

        // f_K against f_K with the dense top-K eigenvectors: |gᵀ(P − P̂)g|/‖g‖² ≤ ‖P − P̂‖ = ‖sin Θ‖ ≤ ‖R‖/δ (Davis &
        // Kahan 1970), R the Ritz block residual (plus the dense solver's own n·ε·‖H‖), δ = θ_K − λ_{K+1}.
        double blockResidual = Math.Sqrt(Doubles(r["residuals"]).Sum(x => x * x)) + exact.Length * double.Epsilon * norm;
        double gap = top[^1] - exact[top.Length];
        Assert.True(gap > 0, $"θ_K = {top[^1]} is not above λ_(K+1) = {exact[top.Length]}");
        double overlap = (double)r["gradient_overlap_topk"]!;
        Assert.InRange(overlap, 0, 1);
        Assert.InRange(Math.Abs(overlap - (double)r["exact"]!["exact_gradient_overlap_topk"]!), 0, blockResidual / gap);

        // One batch: the mini-batch mean is the full-batch figure, with no standard error.
        Assert.Equal(overlap, (double)r["gradient_overlap_topk_mini_batch"]!);
        Assert.Null(r["gradient_overlap_topk_mini_batch_stderr"]);

        // gᵀHg/‖g‖² is a Rayleigh quotient: inside [λmin, λmax].
        Assert.InRange((double)r["gradient_curvature"]!, exact[^1] - SpectrumRoundOff * norm, exact[0] + SpectrumRoundOff * norm);
        Assert.True((double)r["loss"]! > 0);
        Assert.True((double)r["gradient_norm"]! > 0);
    }

    [Fact]
    public void SlqFiguresFollowFromTheRawQuadrature()
    {
        var r = runs.Record;
        var nodes = Matrix(r["slq_nodes"]);
        var weights = Matrix(r["slq_weights"]);
        var exact = Doubles(r["exact_eigenvalues"]);
        double norm = exact.Max(Math.Abs);
        int n = exact.Length;

        // 3 probes × 10 steps; Gauss weights of each probe sum to 1; Ritz values lie inside the spectrum.
        Assert.Equal(3, nodes.Length);
        Assert.Equal(3, weights.Length);
        for (int l = 0; l < nodes.Length; l++)
        {
            Assert.Equal(10, nodes[l].Length);
            Assert.Equal(10, weights[l].Length);
            Assert.InRange(weights[l].Sum(), 1 - SpectrumRoundOff, 1 + SpectrumRoundOff);
            Assert.All(weights[l], w => Assert.True(w >= 0));
            Assert.All(nodes[l], x => Assert.InRange(x, exact[^1] - SpectrumRoundOff * norm, exact[0] + SpectrumRoundOff * norm));
        }

        // tr f(H) ≈ mean over probes of n Σ τ f(θ), with the sample standard error over probes.
        (double Mean, double Stderr) Moment(Func<double, double> f)
        {
            var samples = nodes.Select((row, l) => n * row.Select((x, i) => weights[l][i] * f(x)).Sum()).ToArray();
            double mean = samples.Average();
            double variance = samples.Sum(s => (s - mean) * (s - mean)) / (samples.Length - 1);
            return (mean, Math.Sqrt(variance / samples.Length));
        }
        var trace = Moment(x => x);
        double nuclear = Moment(Math.Abs).Mean;
        double negative = Moment(x => x < 0 ? -x : 0).Mean;
        double scale = SpectrumRoundOff * nuclear;   // sums of terms of both signs: compare against Σ|λ|
        Assert.InRange((double)r["trace"]! - trace.Mean, -scale, scale);
        Assert.InRange((double)r["trace_stderr"]! - trace.Stderr, -scale, scale);
        Assert.InRange((double)r["negative_mass"]! - negative, -scale, scale);
        AssertClose(negative / nuclear, (double)r["negative_mass_share"]!, SpectrumRoundOff, "negative mass share");
        AssertClose(Doubles(r["top_eigenvalues"]).Sum(Math.Abs) / nuclear, (double)r["abs_mass_topk_share"]!, SpectrumRoundOff, "Σ_top|λ| / Σ|λ|");
        Assert.StartsWith("SLQ (3 Rademacher probes × 10 Lanczos steps)", (string?)r["trace_method"]);

        // Products: n to materialise, 3·10 for SLQ, one for gᵀHg, plus the top-eigenpair Lanczos.
        Assert.True((long)r["hvp_count"]! > n + 3 * 10 + 1, $"hvp_count {r["hvp_count"]}");
    }

    [Fact]
    public void ExactErrorsAreTheirFormulas()
    {
        var r = runs.Record;
        var e = r["exact"]!;
        var exact = Doubles(r["exact_eigenvalues"]);
        double absTotal = exact.Sum(Math.Abs);
        double exactTrace = (double)e["exact_trace"]!;
        Assert.InRange(exactTrace - exact.Sum(), -SpectrumRoundOff * absTotal, SpectrumRoundOff * absTotal);
        Assert.Equal((double)r["trace"]! - exactTrace, (double)e["trace_error"]!);   // one subtraction
        AssertClose((double)e["trace_error"]! / (double)r["trace_stderr"]!, (double)e["trace_error_in_stderrs"]!, FormulaRoundOff, "trace error in SE");
        AssertClose(exact.Where(x => x < 0).Sum(x => -x), (double)e["exact_negative_mass"]!, FormulaRoundOff, "exact negative mass");
        AssertClose(exact.Take(3).Sum(Math.Abs) / absTotal, (double)e["exact_abs_mass_topk_share"]!, FormulaRoundOff, "exact |λ| share");
    }

    [Fact]
    public void DensitiesAreGridsWithNonNegativeValues()
    {
        var r = runs.Record;
        foreach (var (name, log) in new[] { ("density", true), ("linear_density", false) })
        {
            var d = r[name]!;
            var grid = Doubles(d["grid"]);
            var values = Doubles(d["values"]);
            Assert.Equal(grid.Length, values.Length);
            Assert.True(grid.Length >= 2);
            for (int i = 1; i < grid.Length; i++) Assert.True(grid[i] > grid[i - 1], $"{name}.grid not increasing at {i}");
            Assert.All(values, v => Assert.True(v >= 0 && double.IsFinite(v), $"{name} value {v}"));
            Assert.Contains(values, v => v > 0);
            Assert.Equal(log, (bool)d["log_scale"]!);
            Assert.True((double)d["sigma"]! > 0);
        }
        // The linear grid covers the spectrum the SLQ nodes saw.
        var linear = Doubles(r["linear_density"]!["grid"]);
        var nodes = Matrix(r["slq_nodes"]).SelectMany(x => x).ToArray();
        Assert.True(linear[0] <= nodes.Min() && linear[^1] >= nodes.Max());
    }

    [Fact]
    public void SameCommandAndSeedGiveTheSameNumbers()
    {
        Assert.True(runs.Second.ExitCode == ExitCodes.Ok, runs.Second.ToString());
        Assert.Equal((string?)runs.Record["run"]!["command"], (string?)runs.SecondRecord!["run"]!["command"]);
        Assert.True(JsonNode.DeepEquals(Comparable(runs.Record), Comparable(runs.SecondRecord)), "two identical runs wrote different numbers");
    }

    [Fact]
    public void OutDirectoryHoldsTheSameRecordAndEveryFigure()
    {
        Assert.True(runs.OutRun.ExitCode == ExitCodes.Ok, runs.OutRun.ToString());
        AssertFigures(runs.OutDirectory, "top-eigenvalues", "density", "density-log");
        Assert.True(JsonNode.DeepEquals(Comparable(runs.Record), Comparable(runs.OutRecord())), "the --out record differs from the --json record");
        // Only the record (the second --json run's) and the --out directory are in the temporary folder.
        string[] expected = [runs.JsonFile, .. TempDirectory.FilesUnder(runs.OutDirectory)];
        Assert.Equal(expected.Order(), TempDirectory.FilesUnder(runs.Temp.Path).Order());
    }
}
