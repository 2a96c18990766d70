using System.Diagnostics;
using System.Globalization;
using Curvature.Data;
using Curvature.Estimators;
using Curvature.Models;
using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Benchmarks.Network;

/// <summary>
/// The <c>precision</c> verb (issue 5, precision policy, measurement only): on exact-mode-sized networks (≤ ~5,000
/// parameters, BatchNorm in train mode, 1,000 Fashion-MNIST test images in one batch) the same weights are analysed
/// with float32 products and with float64 products — the Krylov basis and tridiagonal work are float64 in both, as the
/// estimators already do — and compared with the dense float64 spectrum (the float64 operator materialised column by
/// column, symmetrised, eigh): top-10 eigenvalues, the SLQ trace (10 probes × 90 steps, the same probes for both
/// dtypes), f₁₀ = ‖P₁₀ g‖²/‖g‖² for the full-batch gradient g, and the time of each.
/// </summary>
public static class PrecisionPolicy
{
    const ulong ModelSeed = 7;
    const ulong EstimatorSeed = 77;
    const int Samples = 1000;
    const int K = 10;

    /// <summary>Tolerance of the top-10 solver for both dtypes: float32 products carry round-off ~1e-7·‖A‖ per entry,
    /// so the default 1e-8 (Tolerances.RitzResidualRelative) is unreachable with them (docs/BENCHMARKS.md §3); 1e-5
    /// is reachable by both and far below the differences being measured.</summary>
    const double RitzTolerance = 1e-5;

    /// <summary>The models: an MLP 784-4-10 (3,190 parameters with BatchNorm) and a tiny CNN (4,290).</summary>
    static IReadOnlyList<(string Name, long[] Shape, Func<ScalarType, nn.Module<Tensor, Tensor>> Build)> Models()
    {
        var mlp = new MlpSpec(784, [4], 10, Activation.Tanh, NormKind.Batch);
        var cnn = new CnnSpec(1, 28, 28, [4, 8], [3, 3], [2, 2], [1, 1], 10, Activation.Relu, NormKind.Batch);
        return [($"MLP 784-4-10 tanh BN (P={mlp.ParameterCount})", [784], d => mlp.Build(d, ModelSeed)),
                ($"CNN 4-8 s2 relu BN (P={cnn.ParameterCount})", [1, 28, 28], d => cnn.Build(d, ModelSeed))];
    }

    /// <summary>Runs the verb; <c>--out FILE.csv</c> (default BenchmarkDotNet.Artifacts/precision.csv), <c>--models mlp,cnn</c>.</summary>
    public static int Run(string[] args, TextWriter o)
    {
        int i = Array.IndexOf(args, "--out");
        string output = i >= 0 && i + 1 < args.Length ? args[i + 1] : Path.Combine("BenchmarkDotNet.Artifacts", "precision.csv");
        int m = Array.IndexOf(args, "--models");
        var only = m >= 0 && m + 1 < args.Length ? args[m + 1].Split(',') : ["mlp", "cnn"];
        o.WriteLine($"torch intra-op threads: {get_num_threads()}, inter-op threads: {get_num_interop_threads()}");
        var rows = new List<string> { "model,quantity,exact,float64_products,float32_products,rel_err_f64,rel_err_f32,rel_diff_f32_vs_f64" };
        long leaked = 0;
        foreach (var model in Models().Where(x => only.Any(n => x.Name.StartsWith(n, StringComparison.OrdinalIgnoreCase))))
        {
            long before = Live.Count;
            Analyse(model.Name, model.Shape, model.Build, o, rows);
            long now = Live.Count - before;
            o.WriteLine($"live tensors after {model.Name}: {now}");
            leaked += now;
        }
        var dir = Path.GetDirectoryName(output);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        File.WriteAllLines(output, rows);
        o.WriteLine($"CSV: {output}");
        return leaked == 0 ? 0 : 1;
    }

    static void Analyse(string name, long[] shape, Func<ScalarType, nn.Module<Tensor, Tensor>> build, TextWriter o, List<string> rows)
    {
        using var scope = NewDisposeScope();
        using var images = FashionMnist.LoadDefault(FashionMnist.TestSplit, Samples, ScalarType.Float64);
        using var data = new NetworkData(images.Images.reshape([Samples, .. shape]), images.Labels);
        using var model64 = build(ScalarType.Float64);
        using var model32 = build(ScalarType.Float32);
        // Identical weights: the float32 model is the float64 one rounded (parameters and BatchNorm buffers).
        using (no_grad())
        {
            var p64 = model64.parameters().ToList();
            var p32 = model32.parameters().ToList();
            for (int j = 0; j < p64.Count; j++) p32[j].copy_(p64[j]);
            var b64 = model64.buffers().ToList();
            var b32 = model32.buffers().ToList();
            for (int j = 0; j < b64.Count; j++) b32[j].copy_(b64[j]);
        }
        using var op64 = new HessianOperator(model64, LossKind.CrossEntropy, data, BatchNormMode.Train);
        using var op32 = new HessianOperator(model32, LossKind.CrossEntropy, data, BatchNormMode.Train);
        o.WriteLine($"== {name}, {Samples} images, BatchNorm train, one batch");

        var watch = Stopwatch.StartNew();
        var dense = op64.ToDense();
        double denseProducts = watch.Elapsed.TotalSeconds;
        dense = dense.add(dense.T).mul_(0.5);
        var (values, vectors) = linalg.eigh(dense);
        double denseTotal = watch.Elapsed.TotalSeconds;
        double[] all = values.data<double>().ToArray();
        double lambdaMax = all.Max(Math.Abs);
        double[] exactTop = all.Reverse().Take(K).ToArray();
        double exactTrace = all.Sum();
        var (_, g) = op64.LossAndGradient();
        var topVectors = vectors[.., TensorIndex.Slice(-K, null)];
        double exactF = F(topVectors, g);
        // Round-off of float32 products over the whole spectrum: the float32 operator materialised the same way.
        var raw32 = op32.ToDense();
        double asymmetry32 = raw32.sub(raw32.T).abs().max().item<double>() / Math.Abs(all.Max(Math.Abs));
        var dense32 = raw32.add(raw32.T).mul_(0.5);
        double[] all32 = linalg.eigvalsh(dense32).data<double>().ToArray();
        double spectrumError = all.Zip(all32).Max(p => Math.Abs(p.First - p.Second)) / lambdaMax;
        o.WriteLine($"dense float64: {denseProducts:F1} s products + {denseTotal - denseProducts:F1} s eigh; λ₁ = {exactTop[0]:G6}, λ_min = {all[0]:G4}, trace = {exactTrace:G6}, f10 = {exactF:G6}");
        o.WriteLine($"float32 dense: max |λ_i(32) − λ_i(64)| / λ₁ = {spectrumError:E2}; max |H32 − H32ᵀ| / λ₁ = {asymmetry32:E2}");

        var results = new Dictionary<string, (double[] Top, double Trace, double TraceSe, double F, double TopSeconds, double SlqSeconds, int TopProducts, bool Converged, Timing Product)>();
        foreach (var (label, op) in new[] { ("float64", (NetworkOperator)op64), ("float32", op32) })
        {
            using var inner = NewDisposeScope();
            using var generator = new Generator(EstimatorSeed);
            var v = randn(op.Size, dtype: ScalarType.Float64, generator: generator);
            var product = Timing.Measure(() => op.Multiply(v).Dispose(), 2, 5);
            watch.Restart();
            using var top = TopEigenpairs.Compute(op, K, EigenvalueOrder.LargestAlgebraic, generator, RitzTolerance);
            double topSeconds = watch.Elapsed.TotalSeconds;
            double f = F(top.Vectors!, g);
            watch.Restart();
            var slq = StochasticLanczosQuadrature.Run(op, new SlqOptions(10, 90), new Generator(EstimatorSeed + 1));
            double slqSeconds = watch.Elapsed.TotalSeconds;
            results[label] = (top.Values, slq.Trace.Estimate, slq.Trace.StandardError, f, topSeconds, slqSeconds, top.Products, top.AllConverged, product);
        }
        var r64 = results["float64"];
        var r32 = results["float32"];
        o.WriteLine("| quantity | exact (dense f64) | f64 products | f32 products | rel. err f64 | rel. err f32 | |f32 − f64| / |exact| |");
        o.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        void Row(string q, double exact, double a, double b)
        {
            double e64 = Math.Abs(a - exact) / Math.Abs(exact), e32 = Math.Abs(b - exact) / Math.Abs(exact), d = Math.Abs(b - a) / Math.Abs(exact);
            o.WriteLine($"| {q} | {exact:G6} | {a:G6} | {b:G6} | {e64:E1} | {e32:E1} | {d:E1} |");
            rows.Add(string.Join(",", new object[] { $"\"{name}\"", q, exact, a, b, e64, e32, d }.Select(x => Convert.ToString(x, CultureInfo.InvariantCulture))));
        }
        for (int j = 0; j < K; j++) Row($"λ{j + 1}", exactTop[j], r64.Top[j], r32.Top[j]);
        Row("trace (SLQ 10x90)", exactTrace, r64.Trace, r32.Trace);
        Row("f10", exactF, r64.F, r32.F);
        double maxTop64 = Enumerable.Range(0, K).Max(j => Math.Abs(r64.Top[j] - exactTop[j]) / Math.Abs(exactTop[j]));
        double maxTop32 = Enumerable.Range(0, K).Max(j => Math.Abs(r32.Top[j] - exactTop[j]) / Math.Abs(exactTop[j]));
        o.WriteLine($"top-10 max relative error: f64 {maxTop64:E2}, f32 {maxTop32:E2}; SLQ trace standard error (f64 run) {r64.TraceSe:G4} = {r64.TraceSe / Math.Abs(exactTrace):E1} relative");
        o.WriteLine("| | f64 products | f32 products | f64 / f32 |");
        o.WriteLine("|---|---:|---:|---:|");
        o.WriteLine($"| one HVP, min (median), ms | {r64.Product} | {r32.Product} | {r64.Product.Min / r32.Product.Min:F2} |");
        o.WriteLine($"| top-10 to {RitzTolerance:G1}: s (products, converged) | {r64.TopSeconds:F2} ({r64.TopProducts}, {r64.Converged}) | {r32.TopSeconds:F2} ({r32.TopProducts}, {r32.Converged}) | {r64.TopSeconds / r32.TopSeconds:F2} |");
        o.WriteLine($"| SLQ 10 × 90, s | {r64.SlqSeconds:F2} | {r32.SlqSeconds:F2} | {r64.SlqSeconds / r32.SlqSeconds:F2} |");
        rows.Add($"\"{name}\",hvp_ms_min,,{r64.Product.Min.ToString(CultureInfo.InvariantCulture)},{r32.Product.Min.ToString(CultureInfo.InvariantCulture)},,,");
        rows.Add($"\"{name}\",top10_seconds,,{r64.TopSeconds.ToString(CultureInfo.InvariantCulture)},{r32.TopSeconds.ToString(CultureInfo.InvariantCulture)},,,");
        rows.Add($"\"{name}\",slq_seconds,,{r64.SlqSeconds.ToString(CultureInfo.InvariantCulture)},{r32.SlqSeconds.ToString(CultureInfo.InvariantCulture)},,,");
        rows.Add($"\"{name}\",float32_dense_spectrum_max_abs_err_over_lambda1,,,{spectrumError.ToString(CultureInfo.InvariantCulture)},,,");
    }

    /// <summary>‖Vᵀg‖²/‖g‖² for orthonormal columns V.</summary>
    static double F(Tensor v, Tensor g)
    {
        using var scope = NewDisposeScope();
        var projection = v.T.matmul(g);
        return projection.dot(projection).item<double>() / g.dot(g).item<double>();
    }
}
