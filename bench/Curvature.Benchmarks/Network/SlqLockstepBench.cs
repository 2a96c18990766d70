using System.Diagnostics;
using System.Globalization;
using Curvature.Data;
using Curvature.Estimators;
using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Benchmarks.Network;

/// <summary>One SLQ run of the lockstep benchmark (times in ms).</summary>
/// <param name="Model">Workload name.</param>
/// <param name="Parameters">n.</param>
/// <param name="Batch">Images in the analysis batch.</param>
/// <param name="DType">Precision of the products.</param>
/// <param name="Block">Probes in lockstep (<see cref="SlqOptions.ProbeBlock"/>).</param>
/// <param name="Wall">End-to-end SLQ time over the repetitions (minimum and median).</param>
/// <param name="Products">Operator–vector products of one run (a block of k counts k).</param>
/// <param name="BlockProducts">Calls to Multiply of one run (one per lockstep step).</param>
/// <param name="Gradient">Time of one full-batch gradient (the unit of issue 5's targets).</param>
/// <param name="Hvp">Time of one bare Hessian–vector product outside SLQ (so SLQ's time per product can be read against it).</param>
/// <param name="SameAsBlockOne">Whether every Ritz value and weight equals the block-1 run's bit for bit.</param>
/// <param name="LiveTensors">Tensors left alive by the run (must be 0).</param>
public sealed record SlqLockstepResult(string Model, long Parameters, int Batch, string DType, int Block, Timing Wall, long Products, long BlockProducts,
                                       Timing Gradient, Timing Hvp, bool SameAsBlockOne, long LiveTensors)
{
    /// <summary>Wall time per vector product (minimum), ms.</summary>
    public double PerProduct => Wall.Min / Products;

    /// <summary>Wall time per lockstep step (one block product and its recurrences' updates; minimum), ms.</summary>
    public double PerStep => Wall.Min / BlockProducts;
}

/// <summary>
/// The <c>slq-lockstep</c> verb (issue 5, block products in SLQ): SLQ end to end on the network Hessian (BatchNorm in
/// train mode, one batch of B Fashion-MNIST test images) with the probes run 1, 2 and 4 at a time, everything else
/// equal — the same probes, the same steps, full reorthogonalization. Reports wall time, products, time per product,
/// the speed-up over block 1, and the cost of each extra vector in a lockstep step: (τ_b − τ_1)/(b − 1) with τ_b the time
/// of one step of width b, as a fraction of τ_1 and of one gradient; and the live tensors after each run.
/// A Stopwatch harness like <see cref="NetworkBench"/>: each run is seconds long and its products dominate.
/// </summary>
public static class SlqLockstepBench
{
    const ulong ModelSeed = 5;
    const ulong ProbeSeed = 505;
    static bool NoGraphCache;

    /// <summary>Runs the verb. Options: --models mlp,cnn (default), --batches 256,1000, --dtypes f32 (or f32,f64),
    /// --probes 4, --steps 30, --blocks 1,2,4, --reps 3 (timed runs per width; the minimum is the figure), --quick (MLP,
    /// batch 256, 4 probes × 10 steps, one repetition: a check that the verb works, not a measurement), --no-graph-cache
    /// (products rebuild the graph: the setting where lockstep shares the forward and first backward), --out FILE.csv.</summary>
    public static int Run(string[] args, TextWriter o)
    {
        bool quick = args.Contains("--quick");
        NoGraphCache = args.Contains("--no-graph-cache");
        var models = (VerbArguments.Option(args, "--models") ?? (quick ? "mlp" : "mlp,cnn")).Split(',');
        var batches = (VerbArguments.Option(args, "--batches") ?? (quick ? "256" : "256,1000")).Split(',').Select(int.Parse).ToArray();
        var dtypes = (VerbArguments.Option(args, "--dtypes") ?? "f32").Split(',').Select(d => d == "f64" ? ScalarType.Float64 : ScalarType.Float32).ToArray();
        int probes = int.Parse(VerbArguments.Option(args, "--probes") ?? "4", CultureInfo.InvariantCulture);
        int steps = int.Parse(VerbArguments.Option(args, "--steps") ?? (quick ? "10" : "30"), CultureInfo.InvariantCulture);
        var blocks = (VerbArguments.Option(args, "--blocks") ?? "1,2,4").Split(',').Select(int.Parse).ToArray();
        int reps = int.Parse(VerbArguments.Option(args, "--reps") ?? (quick ? "1" : "3"), CultureInfo.InvariantCulture);
        string output = VerbArguments.Option(args, "--out") ?? Path.Combine("BenchmarkDotNet.Artifacts", "slq-lockstep.csv");
        if (!blocks.Contains(1)) throw new ArgumentException("--blocks must include 1: the reference every other width is compared with");
        if (blocks.Any(b => b < 1 || b > probes)) throw new ArgumentException($"every block must be between 1 and --probes ({probes})");
        if (reps < 1) throw new ArgumentException("--reps must be at least 1");

        o.WriteLine($"torch intra-op threads: {get_num_threads()}, inter-op threads: {get_num_interop_threads()}, cores: {Environment.ProcessorCount}");
        o.WriteLine(NoGraphCache ? "graph cache: off (every product rebuilds its graph)" : "graph cache: automatic (SLQ keeps each batch's graph for all its products)");
        o.WriteLine($"SLQ {probes} probes × {steps} steps, full reorthogonalization, blocks {string.Join(",", blocks)}, {reps} timed run(s) per width; ms as minimum (median)");
        var results = new List<SlqLockstepResult>();
        foreach (var workload in NetworkWorkloads.All().Where(w => models.Any(m => w.Name.StartsWith(m, StringComparison.OrdinalIgnoreCase))))
            foreach (int batch in batches)
                foreach (var dtype in dtypes)
                    foreach (var r in RunCase(workload, batch, dtype, probes, steps, blocks, reps))
                    {
                        results.Add(r);
                        o.WriteLine($"{r.Model}, B={r.Batch}, {r.DType}, block {r.Block}: SLQ {r.Wall} ms, {r.Products} products in {r.BlockProducts} steps, "
                                    + $"{r.PerProduct:F2} ms/product (bare HVP {r.Hvp}, gradient {r.Gradient}), same as block 1: {r.SameAsBlockOne}, live {r.LiveTensors}");
                        o.Flush();
                    }
        o.WriteLine();
        PrintTable(results, o);
        WriteCsv(results, output);
        o.WriteLine($"CSV: {output}");
        return results.Any(r => r.LiveTensors != 0) ? 1 : 0;
    }

    static List<SlqLockstepResult> RunCase(NetworkWorkload workload, int batch, ScalarType dtype, int probes, int steps, int[] blocks, int reps)
    {
        using var scope = NewDisposeScope();
        using var images = FashionMnist.LoadDefault(FashionMnist.TestSplit, batch, dtype);
        var inputs = images.Images.reshape([batch, .. workload.SampleShape]);
        using var data = new NetworkData(inputs, images.Labels);
        using var model = workload.Build(dtype, ModelSeed);
        // --no-graph-cache: every product rebuilds its batch's graph (what lockstep shares); by default SLQ's product session
        // keeps it, and lockstep can only share what is left.
        using var hessian = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train, verifyDeterminism: false)
        { GraphCacheBudget = NoGraphCache ? 0 : null };
        string dtypeName = dtype == ScalarType.Float32 ? "float32" : "float64";
        var gradient = Timing.Measure(() => { var (_, g) = hessian.LossAndGradient(); g.Dispose(); }, 1, 5);
        Timing hvp;
        using (var generator = new Generator(ProbeSeed))
        using (var vector = randn(hessian.Size, dtype: ScalarType.Float64, generator: generator))
            hvp = Timing.Measure(() => hessian.Multiply(vector).Dispose(), 1, 5);

        var results = new List<SlqLockstepResult>();
        string? reference = null;
        foreach (int block in blocks.OrderBy(b => b))
        {
            var options = new SlqOptions(probes, steps, ProbeBlock: block);
            // Warm-up: one block product of this width (allocator and autograd caches), outside the timing.
            using (var warm = NewDisposeScope())
            {
                using var g = new Generator(ProbeSeed);
                hessian.Multiply(RandomVectors.Draw(hessian.Size, block, ProbeDistribution.Rademacher, g));
            }
            var times = new double[reps];
            var counter = new CountingBlocks(hessian);
            SlqResult? last = null;
            long leaked = 0;
            for (int rep = 0; rep < reps; rep++)
            {
                counter.Reset();
                long before = Live.Count;
                var watch = Stopwatch.StartNew();
                using (var generator = new Generator(ProbeSeed))
                    last = StochasticLanczosQuadrature.Run(counter, options, generator);
                times[rep] = watch.Elapsed.TotalMilliseconds;
                leaked = Math.Max(leaked, Live.Count - before);
            }
            string bits = Bits(last!);
            reference ??= bits;
            Array.Sort(times);
            var wall = new Timing(times[0], reps % 2 == 1 ? times[reps / 2] : 0.5 * (times[reps / 2 - 1] + times[reps / 2]), reps);
            results.Add(new SlqLockstepResult(workload.Name, hessian.Size, batch, dtypeName, block, wall, counter.Columns, counter.Calls, gradient, hvp,
                                              bits == reference, leaked));
        }
        return results;
    }

    static string Bits(SlqResult r) =>
        string.Join("|", r.Nodes.Concat(r.Weights).Select(row => string.Join(",", row.Select(v => BitConverter.DoubleToInt64Bits(v).ToString("x16")))));

    static void PrintTable(List<SlqLockstepResult> results, TextWriter o)
    {
        o.WriteLine("| model | P | B | dtype | block | SLQ (ms) | products | steps | ms / product | bare HVP (ms) | speed-up vs block 1 | extra vector / single step | extra vector / gradient | = block 1 | live tensors |");
        o.WriteLine("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|");
        foreach (var r in results)
        {
            var one = results.First(x => x.Model == r.Model && x.Batch == r.Batch && x.DType == r.DType && x.Block == 1);
            double speedUp = one.PerProduct / r.PerProduct;
            string extraStep = r.Block == 1 ? "—" : $"{ExtraVector(r, one) / one.PerStep:F2}";
            string extraGradient = r.Block == 1 ? "—" : $"{ExtraVector(r, one) / r.Gradient.Min:F2}";
            o.WriteLine($"| {r.Model} | {r.Parameters:N0} | {r.Batch} | {r.DType} | {r.Block} | {r.Wall} | {r.Products} | {r.BlockProducts} | {r.PerProduct:F2} | {r.Hvp.Min:F2} | "
                        + $"{speedUp:F2} | {extraStep} | {extraGradient} | {(r.SameAsBlockOne ? "yes" : "no")} | {r.LiveTensors} |");
        }
    }

    /// <summary>(τ_b − τ_1)/(b − 1): what each column beyond the first adds to a lockstep step, ms.</summary>
    static double ExtraVector(SlqLockstepResult r, SlqLockstepResult one) => (r.PerStep - one.PerStep) / (r.Block - 1);

    static void WriteCsv(List<SlqLockstepResult> results, string path)
    {
        var dir = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        var inv = CultureInfo.InvariantCulture;
        using var w = new StreamWriter(path);
        w.WriteLine("model,parameters,batch,dtype,block,repetitions,slq_min_ms,slq_median_ms,products,steps,ms_per_product,speed_up_vs_block1,extra_vector_over_step,extra_vector_over_gradient,gradient_min_ms,hvp_min_ms,same_as_block1,live_tensors,threads");
        foreach (var r in results)
        {
            var one = results.First(x => x.Model == r.Model && x.Batch == r.Batch && x.DType == r.DType && x.Block == 1);
            double extra = r.Block == 1 ? double.NaN : ExtraVector(r, one);
            w.WriteLine(string.Join(",", new object[] { $"\"{r.Model}\"", r.Parameters, r.Batch, r.DType, r.Block, r.Wall.Repetitions, r.Wall.Min, r.Wall.Median,
                r.Products, r.BlockProducts, r.PerProduct, one.PerProduct / r.PerProduct, extra / one.PerStep, extra / r.Gradient.Min, r.Gradient.Min, r.Hvp.Min,
                r.SameAsBlockOne, r.LiveTensors, get_num_threads() }.Select(v => Convert.ToString(v, inv))));
        }
    }

    /// <summary>Passes products through and counts calls (lockstep steps) and columns (products).</summary>
    sealed class CountingBlocks(ILinearOperator inner) : ILinearOperator
    {
        public long Calls { get; private set; }
        public long Columns { get; private set; }
        public long Size => inner.Size;
        public ScalarType DType => inner.DType;

        public void Reset() => (Calls, Columns) = (0, 0);

        public Tensor Multiply(Tensor x)
        {
            Calls++;
            Columns += x.dim() == 1 ? 1 : x.shape[1];
            return inner.Multiply(x);
        }
    }
}
