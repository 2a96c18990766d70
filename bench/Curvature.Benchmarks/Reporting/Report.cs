using System.Globalization;
using System.Text.Json;

namespace Curvature.Benchmarks.Reporting;

/// <summary>
/// Turns BenchmarkDotNet's brief JSON results (one file per benchmark class) into the derived tables of
/// docs/BENCHMARKS.md: Lanczos overhead per step and as a fraction, per-vector cost of block products, overhead of
/// SLQ and the trace estimators over their products, managed allocations, and the labelled estimate of the Lanczos
/// overhead next to a network HVP.
/// </summary>
public static class Report
{
    sealed record Row(string Type, string Method, Dictionary<string, string> Params, double MeanNs, double MinNs, long Allocated)
    {
        public string P(string key) => Params.TryGetValue(key, out var v) ? v : "";
        /// <summary>The minimum over the measured iterations: on a shared machine other load only adds time, so the
        /// minimum is the better estimate of the cost of the work itself.</summary>
        public double Ms => MinNs / 1e6;
    }

    /// <summary>Target of issue 5: Lanczos overhead ≤ 5 % of the total at m = 90.</summary>
    const double OverheadTarget = 0.05;

    /// <summary>Published cost of a reverse-over-reverse HVP in gradients: ~2 (arithmetic floor) to 5–8 (eager
    /// double backward) — the range quoted in issue 5.</summary>
    static readonly double[] HvpInGradients = [2, 5, 8];

    public static int Print(string dir, TextWriter o)
    {
        if (!Directory.Exists(dir)) { Console.Error.WriteLine($"no results directory '{dir}'"); return 1; }
        var rows = Directory.GetFiles(dir, "*-report-brief.json").SelectMany(Load).ToList();
        if (rows.Count == 0) { Console.Error.WriteLine($"no *-report-brief.json in '{dir}'"); return 1; }

        var lanczos = Lanczos(rows, o);
        Covariance(rows, o);
        Spectrum(rows, o);
        Trace(rows, o);
        var gradients = Gradients(rows, o);
        Estimate(lanczos, gradients, o);
        Memory(rows, o);
        return 0;
    }

    static IEnumerable<Row> Load(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        foreach (var b in doc.RootElement.GetProperty("Benchmarks").EnumerateArray())
        {
            var ps = new Dictionary<string, string>();
            foreach (var kv in (b.GetProperty("Parameters").GetString() ?? "").Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = kv.IndexOf('=');
                if (eq > 0) ps[kv[..eq]] = kv[(eq + 1)..];
            }
            if (!b.TryGetProperty("Statistics", out var s) || s.ValueKind != JsonValueKind.Object) continue;
            long alloc = b.TryGetProperty("Memory", out var m) && m.ValueKind == JsonValueKind.Object
                ? m.GetProperty("BytesAllocatedPerOperation").GetInt64() : -1;
            yield return new Row(b.GetProperty("Type").GetString()!, b.GetProperty("Method").GetString()!, ps,
                                 s.GetProperty("Mean").GetDouble(), s.GetProperty("Min").GetDouble(), alloc);
        }
    }

    static string F(double x, int digits = 1) => x.ToString("F" + digits, CultureInfo.InvariantCulture);
    static string Pct(double x) => (100 * x).ToString("F1", CultureInfo.InvariantCulture) + " %";
    static string Ms(Row r) => $"{F(r.Ms, r.Ms < 10 ? 2 : 1)} ({F(r.MeanNs / 1e6, r.Ms < 10 ? 2 : 1)})";

    /// <summary>Per (operator, m): per-step overhead of each mode in ms. Returns (operator, m, mode) → ms/step.</summary>
    static Dictionary<(string Op, int M, string Mode), double> Lanczos(List<Row> rows, TextWriter o)
    {
        var result = new Dictionary<(string, int, string), double>();
        var lz = rows.Where(r => r.Type == "LanczosOverheadBenchmarks").ToList();
        if (lz.Count == 0) return result;
        o.WriteLine("### Lanczos overhead (derived)");
        o.WriteLine();
        o.WriteLine("Times: minimum (mean) over the measured iterations, ms; derived figures use the minimum. T = time of m steps; overhead/step = (T_mode − T_products)/m; fraction = 1 − T_products/T_mode;");
        o.WriteLine("Full GB/s = bytes the 4 basis reads per step must move, Σ 4·8·n·(j+1), over (T_full − T_none).");
        o.WriteLine();
        o.WriteLine("| operator | m | products | Full | Selective | None | Full: ms/step | Full: fraction | Selective: ms/step | Selective: fraction | None: ms/step | None: fraction | Full GB/s |");
        o.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var g in lz.GroupBy(r => (Op: r.P("Operator"), M: int.Parse(r.P("Steps"), CultureInfo.InvariantCulture)))
                            .OrderBy(g => Size(g.Key.Op)).ThenBy(g => g.Key.M))
        {
            var by = g.ToDictionary(r => r.Method);
            if (!by.TryGetValue("Products", out var p)) continue;
            var cells = new List<string> { g.Key.Op, g.Key.M.ToString(CultureInfo.InvariantCulture), Ms(p) };
            foreach (var mode in new[] { "Full", "Selective", "None" })
                cells.Add(by.TryGetValue(mode, out var r) ? Ms(r) : "–");
            foreach (var mode in new[] { "Full", "Selective", "None" })
            {
                if (!by.TryGetValue(mode, out var r)) { cells.Add("–"); cells.Add("–"); continue; }
                double perStep = (r.Ms - p.Ms) / g.Key.M;
                result[(g.Key.Op, g.Key.M, mode)] = perStep;
                cells.Add(F(perStep, 3));
                cells.Add(Pct(1 - p.Ms / r.Ms));
            }
            if (by.TryGetValue("Full", out var full) && by.TryGetValue("None", out var none) && full.Ms > none.Ms)
            {
                double n = Size(g.Key.Op), m = g.Key.M;
                double bytes = 4.0 * 8 * n * m * (m + 1) / 2;
                cells.Add(F(bytes / ((full.Ms - none.Ms) / 1e3) / 1e9));
            }
            else cells.Add("–");
            o.WriteLine("| " + string.Join(" | ", cells) + " |");
        }
        o.WriteLine();
        return result;
    }

    static void Covariance(List<Row> rows, TextWriter o)
    {
        var cv = rows.Where(r => r.Type == "CovarianceProductBenchmarks").ToList();
        if (cv.Count == 0) return;
        o.WriteLine("### CovarianceOperator products, p × N = 10000 × 784 (derived)");
        o.WriteLine();
        o.WriteLine("| dtype | argument | time, min (mean), ms | per vector (ms) | per-vector speed-up vs [N] |");
        o.WriteLine("|---|---|---:|---:|---:|");
        foreach (var g in cv.GroupBy(r => r.P("DType")))
        {
            var vec = g.FirstOrDefault(r => r.Method == "Vector");
            if (vec is null) continue;
            o.WriteLine($"| {g.Key} | vector [N] | {Ms(vec)} | {F(vec.Ms, 2)} | 1.00 |");
            foreach (var b in g.Where(r => r.Method == "Block").OrderBy(r => int.Parse(r.P("k"), CultureInfo.InvariantCulture)))
            {
                int k = int.Parse(b.P("k"), CultureInfo.InvariantCulture);
                o.WriteLine($"| {g.Key} | block [N, {k}] | {Ms(b)} | {F(b.Ms / k, 2)} | {F(vec.Ms / (b.Ms / k), 2)} |");
            }
        }
        o.WriteLine();
    }

    static void Spectrum(List<Row> rows, TextWriter o)
    {
        var sp = rows.Where(r => r.Type == "SpectrumBenchmarks").ToList();
        if (sp.Count == 0) return;
        o.WriteLine("### SLQ and top-10 on the 784 × 784 covariance (derived)");
        o.WriteLine();
        o.WriteLine("| dtype | 900 products (ms) | SLQ 10 × 90 (ms) | SLQ not in products | Top-10 (ms) |");
        o.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var g in sp.GroupBy(r => r.P("DType")))
        {
            var by = g.ToDictionary(r => r.Method);
            if (!by.TryGetValue("Products900", out var p) || !by.TryGetValue("Slq", out var s) || !by.TryGetValue("Top10", out var t)) continue;
            o.WriteLine($"| {g.Key} | {Ms(p)} | {Ms(s)} | {Pct(1 - p.Ms / s.Ms)} | {Ms(t)} |");
        }
        o.WriteLine();
    }

    static void Trace(List<Row> rows, TextWriter o)
    {
        var tr = rows.Where(r => r.Type == "TraceBenchmarks").ToList();
        if (tr.Count == 0) return;
        o.WriteLine("### Hutchinson vs Hutch++ at equal budget (derived)");
        o.WriteLine();
        o.WriteLine("| matvecs | products alone (ms) | Hutchinson (ms) | Hutch++ (ms) | Hutchinson / products | Hutch++ / products | Hutch++ / Hutchinson |");
        o.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var g in tr.GroupBy(r => int.Parse(r.P("Matvecs"), CultureInfo.InvariantCulture)).OrderBy(g => g.Key))
        {
            var by = g.ToDictionary(r => r.Method);
            if (!by.TryGetValue("Products", out var p) || !by.TryGetValue("HutchinsonTrace", out var h) || !by.TryGetValue("HutchPlusPlusTrace", out var hpp)) continue;
            o.WriteLine($"| {g.Key} | {Ms(p)} | {Ms(h)} | {Ms(hpp)} | {F(h.Ms / p.Ms, 2)} | {F(hpp.Ms / p.Ms, 2)} | {F(hpp.Ms / h.Ms, 2)} |");
        }
        o.WriteLine();
    }

    /// <summary>Gradient time in ms per (layers, dtype).</summary>
    static Dictionary<(string Layers, string DType), double> Gradients(List<Row> rows, TextWriter o)
    {
        var result = new Dictionary<(string, string), double>();
        var gr = rows.Where(r => r.Type == "ReferenceGradientBenchmarks").ToList();
        if (gr.Count == 0) return result;
        o.WriteLine("### Reference: one full-batch MLP gradient on 10 000 inputs (not an HVP)");
        o.WriteLine();
        o.WriteLine("| layers | P | dtype | gradient, min (mean), ms |");
        o.WriteLine("|---|---:|---|---:|");
        foreach (var r in gr.OrderBy(r => ParameterCount(r.P("Layers"))).ThenBy(r => r.P("DType")))
        {
            result[(r.P("Layers"), r.P("DType"))] = r.Ms;
            o.WriteLine($"| {r.P("Layers")} | {ParameterCount(r.P("Layers")):N0} | {r.P("DType")} | {Ms(r)} |");
        }
        o.WriteLine();
        return result;
    }

    /// <summary>ESTIMATE: Lanczos (Full, m = 90) overhead fraction next to an HVP of 2, 5, 8 measured gradients,
    /// pairing n = 1e5 with the P ≈ 1e5 MLP and n = 1e6 with the P ≈ 1e6 one.</summary>
    static void Estimate(Dictionary<(string Op, int M, string Mode), double> lanczos,
                         Dictionary<(string Layers, string DType), double> gradients, TextWriter o)
    {
        if (lanczos.Count == 0 || gradients.Count == 0) return;
        o.WriteLine("### ESTIMATE: Lanczos overhead next to a network HVP at m = 90");
        o.WriteLine();
        o.WriteLine("overhead/step o from the Full (and Selective) rows at m = 90; HVP cost c = (2, 5, 8) × the measured gradient;");
        o.WriteLine($"fraction = o / (o + c); the target (issue 5) is ≤ {Pct(OverheadTarget)}, i.e. c ≥ {F((1 - OverheadTarget) / OverheadTarget, 0)}·o.");
        o.WriteLine();
        o.WriteLine("| n = P | mode | o (ms/step) | HVP needed for 5 % (ms) | model, dtype | gradient (ms) | fraction at HVP = 2 / 5 / 8 gradients |");
        o.WriteLine("|---|---|---:|---:|---|---:|---|");
        foreach (var (op, layers) in new[] { ("diag n=1e5", "784-128-10"), ("diag n=1e6", "784-1024-256-10") })
            foreach (var mode in new[] { "Full", "Selective" })
            {
                if (!lanczos.TryGetValue((op, 90, mode), out double ov)) continue;
                foreach (var dtype in new[] { "Float32", "Float64" })
                {
                    if (!gradients.TryGetValue((layers, dtype), out double g)) continue;
                    var fractions = HvpInGradients.Select(k => Pct(Math.Max(ov, 0) / (Math.Max(ov, 0) + k * g)));
                    o.WriteLine($"| {op[7..]} | {mode} | {F(ov, 3)} | {F(ov * (1 - OverheadTarget) / OverheadTarget, 1)} | {layers}, {dtype} | {F(g, 1)} | {string.Join(" / ", fractions)} |");
                }
            }
        o.WriteLine();
    }

    static void Memory(List<Row> rows, TextWriter o)
    {
        o.WriteLine("### Managed allocations per operation (MemoryDiagnoser; tensor memory is native and not counted)");
        o.WriteLine();
        o.WriteLine("| benchmark | method | parameters | allocated (KB) |");
        o.WriteLine("|---|---|---|---:|");
        foreach (var r in rows.OrderBy(r => r.Type)) // stable: BenchmarkDotNet's order within a class
            o.WriteLine($"| {r.Type} | {r.Method} | {string.Join(", ", r.Params.Select(kv => $"{kv.Key}={kv.Value}"))} | {(r.Allocated < 0 ? "–" : F(r.Allocated / 1024.0, 1))} |");
        o.WriteLine();
    }

    static double Size(string op)
    {
        int eq = op.IndexOf("n=", StringComparison.Ordinal);
        return eq < 0 ? double.NaN : double.Parse(op[(eq + 2)..], CultureInfo.InvariantCulture);
    }

    static long ParameterCount(string layers)
    {
        var w = layers.Split('-').Select(long.Parse).ToArray();
        long p = 0;
        for (int i = 0; i + 1 < w.Length; i++) p += w[i] * w[i + 1] + w[i + 1];
        return p;
    }
}
