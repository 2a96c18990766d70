using System.Text;
using System.Text.Json.Nodes;
using Curvature.Cli;

namespace Curvature.Tests.Cli;

/// <summary>Shared pieces of the <c>curvature hessian</c> tests: tiny configurations (HVPs are expensive and the
/// machine is shared), runs that return the JSON record, and record readers.</summary>
internal static class HessianCli
{
    /// <summary>A tiny MLP 784-4-10 (3,190 parameters) on the first 64 embedded Fashion-MNIST images, top 3, and a
    /// 3-probe × 10-step SLQ when asked: each run costs a few dozen products of a very small network.</summary>
    public static readonly string[] Tiny = ["hessian", "--hidden", "4", "--samples", "64", "--top", "3", "--lanczos-steps", "10", "--probes", "3"];

    /// <summary>A tiny MLP 4-4-10 on a 4-dimensional Gaussian mixture: n = (4+1)·4 + (4+1)·10 = 70 parameters, small
    /// enough that exact mode materialises the matrix with 70 products.</summary>
    public static readonly string[] TinyMixture = ["hessian", "--dataset", "gaussian-mixture", "--mixture-dims", "4", "--hidden", "4", "--samples", "64",
                                                   "--top", "3", "--lanczos-steps", "10", "--probes", "3"];

    /// <summary>Parameters of <see cref="TinyMixture"/>'s MLP by the closed form Σ (d_in + 1)·d_out.</summary>
    public const int TinyMixtureParameters = (4 + 1) * 4 + (4 + 1) * 10;

    /// <summary>Relative tolerance for figures that are simple float64 formulas of other figures in the record: a
    /// handful of ulps (2.2e-16) from the order of operations. JSON round-trips doubles exactly, so anything larger
    /// is a wrong formula, not round-off.</summary>
    public const double FormulaRoundOff = 1e-14;

    /// <summary>Runs the verb with <c>--json</c> into <paramref name="temp"/>; asserts success and returns the record.</summary>
    public static JsonObject Record(TempDirectory temp, params string[] args)
    {
        string json = temp.Combine($"record-{Guid.NewGuid():N}.json");
        var outcome = CliRunner.Run([.. args, "--json", json]);
        Assert.True(outcome.ExitCode == ExitCodes.Ok, outcome.ToString());
        Assert.Equal("", outcome.Stderr);
        return Read(json);
    }

    public static JsonObject Read(string file) => JsonNode.Parse(File.ReadAllText(file))!.AsObject();

    public static double[] Doubles(JsonNode? node) => node!.AsArray().Select(e => (double)e!).ToArray();

    public static double[][] Matrix(JsonNode? node) => node!.AsArray().Select(Doubles).ToArray();

    /// <summary>The record without what legitimately differs between two runs of the same computation: the start
    /// time, the command line (output paths) and the wall time.</summary>
    public static JsonObject Comparable(JsonObject record)
    {
        var copy = record.DeepClone().AsObject();
        copy["run"]!.AsObject().Remove("started_utc");
        copy["run"]!.AsObject().Remove("command");
        copy.Remove("wall_seconds");
        return copy;
    }

    public static void AssertClose(double expected, double actual, double relative, string what) =>
        Assert.True(Math.Abs(actual - expected) <= relative * Math.Abs(expected), $"{what}: expected {expected:R}, got {actual:R}");

    public static void AssertDescending(double[] values, string what)
    {
        for (int i = 1; i < values.Length; i++)
            Assert.True(values[i] <= values[i - 1], $"{what} not descending at {i}: {values[i - 1]:R}, {values[i]:R}");
    }

    static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    // The last chunk of every PNG: length 0, type IEND, CRC ae 42 60 82 (PNG spec §11.2.5) — a truncated file lacks it.
    static readonly byte[] PngEnd = [0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82];

    /// <summary>Asserts that <paramref name="directory"/> holds exactly hessian.json and each figure as a complete PNG
    /// and SVG.</summary>
    public static void AssertFigures(string directory, params string[] figures)
    {
        var expected = figures.SelectMany(f => new[] { f + ".png", f + ".svg" }).Append("hessian.json").Order();
        Assert.Equal(expected, TempDirectory.FilesUnder(directory).Select(f => Path.GetRelativePath(directory, f)).Order());
        foreach (var figure in figures)
        {
            var png = File.ReadAllBytes(Path.Combine(directory, figure + ".png"));
            Assert.True(png.AsSpan().StartsWith(PngSignature), $"{figure}.png lacks the PNG signature");
            Assert.True(png.AsSpan().EndsWith(PngEnd), $"{figure}.png does not end with the IEND chunk");
            Assert.True(png.Length > PngSignature.Length + PngEnd.Length, $"{figure}.png is empty");
            var svg = File.ReadAllText(Path.Combine(directory, figure + ".svg"), Encoding.UTF8).Trim();
            Assert.Contains("<svg", svg);
            Assert.EndsWith("</svg>", svg);
            Assert.True(svg.Length > 1000, $"{figure}.svg holds only {svg.Length} characters");
        }
    }
}
