using System.Globalization;
using Curvature.Data;
using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Benchmarks.Network;

/// <summary>One row of the network benchmark (times in ms: minimum and median).</summary>
public sealed record NetworkCaseResult(string Model, long Parameters, int Batch, string DType, int Repetitions,
    Timing Gradient, Timing Hvp, Timing Ggn, IReadOnlyDictionary<int, Timing> Blocks, double PeakRssMb, long LiveTensors,
    Timing Forward, Timing PlainBackward, Timing GraphBackward, Timing HvpKept, Timing GgnKept, Timing Block8Kept)
{
    /// <summary>HVP on the kept graph (inside a product session, after the first product) / gradient.</summary>
    public double HvpKeptRatio => HvpKept.Min / Gradient.Min;
    /// <summary>GGN product on the kept graph / gradient.</summary>
    public double GgnKeptRatio => GgnKept.Min / Gradient.Min;
    /// <summary>Extra vector of a block on the kept graph, (T_8 − T_1)/7 over one gradient.</summary>
    public double ExtraPerVectorKept => (Block8Kept.Min - HvpKept.Min) / 7 / Gradient.Min;
    /// <summary>HVP / gradient (minima).</summary>
    public double HvpRatio => Hvp.Min / Gradient.Min;
    /// <summary>GGN product / gradient (minima).</summary>
    public double GgnRatio => Ggn.Min / Gradient.Min;
    /// <summary>(T_k − T_1)/(k − 1) over one gradient, from the minima; T_1 is the block of one column.</summary>
    public double ExtraPerVector(int k) => (Blocks[k].Min - Blocks[1].Min) / (k - 1) / Gradient.Min;
}

/// <summary>
/// The <c>network</c> verb: gradient, Hessian–vector product, GGN product and block products of k = 1, 2, 4, 8
/// columns for MLP, CNN and ResNet-8 in BatchNorm train mode, one batch of B Fashion-MNIST test images, float32 and
/// float64. A Stopwatch harness (not BenchmarkDotNet): each case is a whole workload of 10 ms – seconds, a single
/// invocation per measurement is what BenchmarkDotNet's Monitoring strategy would do anyway, and the derived figures
/// (ratios, per-extra-vector cost, peak RSS, live tensors) need all timings of one case in one place.
/// </summary>
public static class NetworkBench
{
    const ulong ModelSeed = 5;
    const ulong VectorSeed = 55;
    static readonly int[] BlockSizes = [1, 2, 4, 8];

    /// <summary>Runs the verb. Options: --quick (batch 256 only, 5 repetitions), --reps N (default 5),
    /// --warmup N (default 2), --models mlp,cnn,resnet (or nonorm: the controls without BatchNorm), --dtypes f32,f64, --batches 256,1000, --out FILE.csv.</summary>
    public static int Run(string[] args, TextWriter o)
    {
        bool quick = args.Contains("--quick");
        int reps = int.Parse(VerbArguments.Option(args, "--reps") ?? "5", CultureInfo.InvariantCulture);
        int warmup = int.Parse(VerbArguments.Option(args, "--warmup") ?? "2", CultureInfo.InvariantCulture);
        if (reps < 5) throw new ArgumentException("at least 5 repetitions (the machine may be shared; the minimum needs several draws)");
        var models = (VerbArguments.Option(args, "--models") ?? "mlp,cnn,resnet").Split(',');   // "nonorm": the controls without BatchNorm
        var dtypes = (VerbArguments.Option(args, "--dtypes") ?? "f32,f64").Split(',').Select(d => d == "f64" ? ScalarType.Float64 : ScalarType.Float32).ToArray();
        var batches = (VerbArguments.Option(args, "--batches") ?? (quick ? "256" : "256,1000")).Split(',').Select(int.Parse).ToArray();
        string output = VerbArguments.Option(args, "--out") ?? Path.Combine("BenchmarkDotNet.Artifacts", "network.csv");

        o.WriteLine($"torch intra-op threads: {get_num_threads()}, inter-op threads: {get_num_interop_threads()}, cores: {Environment.ProcessorCount}");
        o.WriteLine($"warm-up {warmup}, repetitions {reps}; times in ms as minimum (median)");
        using var images = FashionMnist.LoadDefault(FashionMnist.TestSplit, batches.Max(), ScalarType.Float64);
        var results = new List<NetworkCaseResult>();
        foreach (var workload in NetworkWorkloads.All().Where(w => models.Any(m => w.Name.StartsWith(m, StringComparison.OrdinalIgnoreCase))))
            foreach (int batch in batches)
                foreach (var dtype in dtypes)
                {
                    var r = RunCase(workload, batch, dtype, warmup, reps);
                    results.Add(r);
                    o.WriteLine(Line(r));
                    o.Flush();
                }
        o.WriteLine();
        PrintTables(results, o);
        WriteCsv(results, output);
        o.WriteLine($"CSV: {output}");
        return results.Any(r => r.LiveTensors != 0) ? 1 : 0;
    }

    static NetworkCaseResult RunCase(NetworkWorkload workload, int batch, ScalarType dtype, int warmup, int reps)
    {
        using var scope = NewDisposeScope();
        using var images = FashionMnist.LoadDefault(FashionMnist.TestSplit, batch, dtype);
        var inputs = images.Images.reshape([batch, .. workload.SampleShape]);
        using var data = new NetworkData(inputs, images.Labels);
        var model = workload.Build(dtype, ModelSeed);
        using var hessian = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train, verifyDeterminism: false);
        using var ggn = new GaussNewtonOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train, verifyDeterminism: false);
        using var generator = new Generator(VectorSeed);
        // float64 vectors, as the estimators pass them (Multiply casts to the model's dtype: O(P), negligible).
        var block = randn(hessian.Size, BlockSizes.Max(), dtype: ScalarType.Float64, generator: generator);
        var vector = block[.., 0].contiguous();
        var columns = BlockSizes.ToDictionary(k => k, k => block[.., TensorIndex.Slice(0, k)].contiguous());

        GC.Collect();
        long live = Live.Count;
        var sampler = new RssSampler();
        var gradient = Timing.Measure(() => { var (_, g) = hessian.LossAndGradient(); g.Dispose(); }, warmup, reps);
        var hvp = Timing.Measure(() => hessian.Multiply(vector).Dispose(), warmup, reps);
        var gn = Timing.Measure(() => ggn.Multiply(vector).Dispose(), warmup, reps);
        var blocks = new Dictionary<int, Timing>();
        foreach (int k in BlockSizes)
            blocks[k] = Timing.Measure(() => hessian.Multiply(columns[k]).Dispose(), warmup, reps);
        // Inside a product session the graph is built by the first product (a warm-up) and kept: each product is then the
        // vector-dependent backward passes only.
        Timing hvpKept, gnKept, block8Kept;
        using (ProductSession.Begin(hessian))
        {
            hvpKept = Timing.Measure(() => hessian.Multiply(vector).Dispose(), Math.Max(1, warmup), reps);
            block8Kept = Timing.Measure(() => hessian.Multiply(columns[8]).Dispose(), warmup, reps);
        }
        using (ProductSession.Begin(ggn))
            gnKept = Timing.Measure(() => ggn.Multiply(vector).Dispose(), Math.Max(1, warmup), reps);
        // Cost structure of one HVP, on the same model in train mode (bench code, the same calls as HessianOperator):
        // forward alone; forward + plain backward (a bare gradient, without the operator's flattening to float64); forward +
        // first backward with create_graph (the part a block shares). The second backward is HVP minus the last.
        var x = data.Inputs.to_type(dtype);
        var parameters = hessian.Parameters.Tensors.ToList();
        model.train();
        Timing forward, plain, graph;
        using (enable_grad())
        {
            forward = Timing.Measure(() => { using var s = NewDisposeScope(); Losses.Mean(LossKind.CrossEntropy, model.call(x), data.Targets).to_type(ScalarType.Float64).item<double>(); }, warmup, reps);
            plain = Timing.Measure(() =>
            {
                using var s = NewDisposeScope();
                var loss = Losses.Mean(LossKind.CrossEntropy, model.call(x), data.Targets);
                autograd.grad([loss], parameters, allow_unused: true);
            }, warmup, reps);
            graph = Timing.Measure(() =>
            {
                using var s = NewDisposeScope();
                var loss = Losses.Mean(LossKind.CrossEntropy, model.call(x), data.Targets);
                autograd.grad([loss], parameters, create_graph: true, retain_graph: true, allow_unused: true);
            }, warmup, reps);
        }
        x.Dispose();
        sampler.Dispose();
        long leaked = Live.Count - live;
        model.Dispose();
        return new NetworkCaseResult(workload.Name, hessian.Size, batch, dtype == ScalarType.Float32 ? "float32" : "float64", reps,
                                     gradient, hvp, gn, blocks, sampler.PeakDeltaMb, leaked, forward, plain, graph, hvpKept, gnKept, block8Kept);
    }

    static string Line(NetworkCaseResult r) =>
        $"{r.Model}, B={r.Batch}, {r.DType}: grad {r.Gradient}, HVP {r.Hvp} ({r.HvpRatio:F2}x), GGN {r.Ggn} ({r.GgnRatio:F2}x), "
        + string.Join(", ", BlockSizes.Select(k => $"k={k} {r.Blocks[k]}")) + $", peak ΔRSS {r.PeakRssMb:F0} MB, live {r.LiveTensors}";

    static void PrintTables(List<NetworkCaseResult> results, TextWriter o)
    {
        o.WriteLine("| model | P | B | dtype | gradient (ms) | HVP (ms) | HVP/grad | GGN (ms) | GGN/grad | peak ΔRSS (MB) | live tensors |");
        o.WriteLine("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
            o.WriteLine($"| {r.Model} | {r.Parameters:N0} | {r.Batch} | {r.DType} | {r.Gradient} | {r.Hvp} | {r.HvpRatio:F2} | {r.Ggn} | {r.GgnRatio:F2} | {r.PeakRssMb:F0} | {r.LiveTensors} |");
        o.WriteLine();
        o.WriteLine("| model | B | dtype | k=1 (ms) | k=2 (ms) | k=4 (ms) | k=8 (ms) | extra vector / grad, k=2 | k=4 | k=8 | block k=8 per vector / HVP |");
        o.WriteLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
            o.WriteLine($"| {r.Model} | {r.Batch} | {r.DType} | {r.Blocks[1]} | {r.Blocks[2]} | {r.Blocks[4]} | {r.Blocks[8]} | "
                        + $"{r.ExtraPerVector(2):F2} | {r.ExtraPerVector(4):F2} | {r.ExtraPerVector(8):F2} | {r.Blocks[8].Min / 8 / r.Hvp.Min:F2} |");
        o.WriteLine();
        o.WriteLine("| model | B | dtype | gradient (ms) | HVP, graph kept (ms) | HVP kept/grad | GGN, graph kept (ms) | GGN kept/grad | k=8 block, kept (ms) | extra vector / grad, kept |");
        o.WriteLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
            o.WriteLine($"| {r.Model} | {r.Batch} | {r.DType} | {r.Gradient} | {r.HvpKept} | {r.HvpKeptRatio:F2} | {r.GgnKept} | {r.GgnKeptRatio:F2} | {r.Block8Kept} | {r.ExtraPerVectorKept:F2} |");
        o.WriteLine();
        o.WriteLine("| model | B | dtype | forward (ms) | fwd + backward (ms) | fwd + backward, create_graph (ms) | second backward = HVP − that (ms) | second backward / plain backward |");
        o.WriteLine("|---|---:|---|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            double plainBackward = r.PlainBackward.Min - r.Forward.Min, second = r.Hvp.Min - r.GraphBackward.Min;
            o.WriteLine($"| {r.Model} | {r.Batch} | {r.DType} | {r.Forward} | {r.PlainBackward} | {r.GraphBackward} | {second:F1} | {second / plainBackward:F2} |");
        }
    }

    static void WriteCsv(List<NetworkCaseResult> results, string path)
    {
        var dir = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        var inv = CultureInfo.InvariantCulture;
        using var w = new StreamWriter(path);
        w.WriteLine("model,parameters,batch,dtype,repetitions,grad_min_ms,grad_median_ms,hvp_min_ms,hvp_median_ms,hvp_over_grad,ggn_min_ms,ggn_median_ms,ggn_over_grad,"
                    + string.Join(",", BlockSizes.Select(k => $"block{k}_min_ms,block{k}_median_ms")) + ",extra_per_vector_k2,extra_per_vector_k4,extra_per_vector_k8,peak_rss_delta_mb,live_tensors,threads,forward_min_ms,fwd_bwd_min_ms,fwd_bwd_create_graph_min_ms,hvp_kept_min_ms,hvp_kept_over_grad,ggn_kept_min_ms,ggn_kept_over_grad,block8_kept_min_ms,extra_per_vector_kept");
        foreach (var r in results)
            w.WriteLine(string.Join(",", new object[] { $"\"{r.Model}\"", r.Parameters, r.Batch, r.DType, r.Repetitions,
                r.Gradient.Min, r.Gradient.Median, r.Hvp.Min, r.Hvp.Median, r.HvpRatio, r.Ggn.Min, r.Ggn.Median, r.GgnRatio }
                .Concat(BlockSizes.SelectMany(k => new object[] { r.Blocks[k].Min, r.Blocks[k].Median }))
                .Concat([r.ExtraPerVector(2), r.ExtraPerVector(4), r.ExtraPerVector(8), r.PeakRssMb, r.LiveTensors, get_num_threads(), r.Forward.Min, r.PlainBackward.Min, r.GraphBackward.Min,
                        r.HvpKept.Min, r.HvpKeptRatio, r.GgnKept.Min, r.GgnKeptRatio, r.Block8Kept.Min, r.ExtraPerVectorKept])
                .Select(v => Convert.ToString(v, inv))));
    }
}
