using System.Diagnostics;
using System.Globalization;
using Curvature.Benchmarks.Network;
using Curvature.Checkpoints;
using Curvature.Data;
using Curvature.Distributed;
using Curvature.Models;
using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Benchmarks.Cluster;

/// <summary>
/// The <c>cluster</c> verb (issue 7): Hessian products on Orleans shards against the single-process operator, on this
/// machine (127.0.0.1). For each workload — N = 1,000 Fashion-MNIST test images, batch size 250 (4 batches), BatchNorm
/// in train mode — and each configuration (<see cref="ClusterConfig.All"/>) — the single-process <see cref="HessianOperator"/>
/// inside a product session (graphs kept, as every estimator runs it), called from the main thread and from thread-pool
/// threads; W = 0 workers (the coordinator's silo, in this process, hosts the shard); W = 1 and W = 2
/// <c>curvature worker</c> processes, S = max(W, 1) shards, and S = 2 on one worker; W = 2 with one libtorch thread
/// each — it times Multiply calls of block widths k = 1 and 8 after a warm-up call (connecting activated the shards;
/// the first product builds and keeps their graphs), and reads the vector bytes the coordinator moved
/// (<see cref="DistributedHessianOperator.BytesSent"/>, <see cref="DistributedHessianOperator.BytesReceived"/>) and
/// Orleans' own message bytes (<see cref="OrleansTraffic"/>). Last, the single-process products are timed in child
/// processes with MKL_CBWR=AUTO (what every cluster process runs with, <see cref="ReproducibleBlas"/>) and without.
/// A Stopwatch harness like <see cref="NetworkBench"/>: a call takes milliseconds to seconds.
/// </summary>
public static class ClusterBench
{
    const ulong ModelSeed = 5;
    const ulong VectorSeed = 77;
    const int Samples = 1000;
    const int BatchSize = 250;
    const int WideColumns = 8;
    /// <summary>Marks a child process's result lines (<c>--local-only</c>).</summary>
    const string ChildLine = "LOCAL";
    /// <summary>Above this median k = 1 call the k = 8 calls get no warm-up call of their own: the graphs are kept and the
    /// transport has run already, and an extra call would cost seconds (ResNet-8).</summary>
    const double NoWarmupAboveMs = 1000;

    /// <summary>Runs the verb. Options: --workloads mlp,mlp-bn,resnet; --configs local,pool,w0,w1,w1s2,w2,w2t1 (every
    /// workload; default: each workload's, <see cref="ClusterWorkloads.All"/>); --reps N and --reps8 N (timed k = 1 and
    /// k = 8 calls of every workload; default: each workload's); --cbwr-workloads (default mlp,mlp-bn; "none" skips the
    /// MKL_CBWR comparison) and --cbwr-pairs N (child processes per setting, default 2); --out FILE.csv; --quick (the
    /// small MLP, local, W = 0 and W = 2, 3 and 2 calls, no MKL_CBWR comparison: a check that the verb works, not a
    /// measurement). <c>--local-only</c> [<c>--no-cbwr</c>] is the child
    /// mode of the MKL_CBWR comparison.</summary>
    public static int Run(string[] args, TextWriter o)
    {
        // Before any tensor: MKL reads the variable once, when it initialises (as the CLI does for every cluster process).
        bool unreproducible = args.Contains("--no-cbwr");
        if (!unreproducible) ReproducibleBlas.Enable();
        else if (Environment.GetEnvironmentVariable(ReproducibleBlas.Variable) is { } set)
            throw new ArgumentException($"--no-cbwr: {ReproducibleBlas.Variable} is set ({set}) in this process's environment");

        bool quick = args.Contains("--quick");
        int? Int(string name, int? fallback) => VerbArguments.Option(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
        int? reps1 = Int("--reps", quick ? 3 : null), reps8 = Int("--reps8", quick ? 2 : null);
        if (reps1 < 1 || reps8 < 1) throw new ArgumentException("--reps and --reps8 must be at least 1");
        var configKeys = (VerbArguments.Option(args, "--configs") ?? (quick ? "local,w0,w2" : null))?.Split(',');
        if (configKeys is not null && configKeys.Any(k => ClusterConfig.All.All(c => c.Key != k)))
            throw new ArgumentException($"--configs: choose from {string.Join(", ", ClusterConfig.All.Select(c => c.Key))}");
        var workloadKeys = (VerbArguments.Option(args, "--workloads") ?? (quick ? "mlp" : "mlp,mlp-bn,resnet")).Split(',');
        var workloads = ClusterWorkloads.All(reps1, reps8, configKeys).Where(w => workloadKeys.Contains(w.Key)).ToArray();
        if (workloads.Length != workloadKeys.Length) throw new ArgumentException("--workloads: choose from mlp, mlp-bn, resnet");

        if (args.Contains("--local-only")) return RunChild(workloads, o);

        var cbwrKeys = (VerbArguments.Option(args, "--cbwr-workloads") ?? (quick ? "none" : "mlp,mlp-bn")).Split(',').Where(k => k != "none").ToArray();
        int cbwrPairs = Int("--cbwr-pairs", 2)!.Value;
        if (cbwrPairs < 1) throw new ArgumentException("--cbwr-pairs must be at least 1");
        string output = VerbArguments.Option(args, "--out") ?? Path.Combine("BenchmarkDotNet.Artifacts", "cluster.csv");

        o.WriteLine(MachineLine());
        o.WriteLine($"torch intra-op threads: {get_num_threads()}, inter-op threads: {get_num_interop_threads()}; {ReproducibleBlas.Variable}={Environment.GetEnvironmentVariable(ReproducibleBlas.Variable)} in this process and its workers");
        o.WriteLine($"N = {Samples} Fashion-MNIST test images, batch size {BatchSize}, Hessian, cross-entropy, BatchNorm train mode; ms as minimum (median) of the timed calls");
        foreach (var w in workloads)
            o.WriteLine($"{w.Name}: {w.Repetitions1} timed k=1 calls, {w.Repetitions8} k=8; configurations {string.Join(",", w.Configs)}");
        o.Flush();

        string runDirectory = Directory.CreateTempSubdirectory("curvature-clusterbench-").FullName;
        var rows = new List<ClusterRow>();
        var cbwr = new List<CbwrRow>();
        var traffic = new OrleansTraffic();
        var total = Stopwatch.StartNew();
        try
        {
            var files = workloads.ToDictionary(w => w.Key, w => RunFiles.Write(w, runDirectory));
            // The first product of the single-process operator is the reference each configuration's is compared with.
            var references = new Dictionary<string, double[]>();
            // In order: the main-thread rows before anything else in this process runs a product on another thread (once
            // a second thread has run libtorch's parallel regions, the main thread's products slow down too).
            foreach (var config in ClusterConfig.All)
            {
                var chosen = workloads.Where(w => w.Configs.Contains(config.Key)).ToArray();
                if (chosen.Length == 0) continue;
                if (config.IsLocal)
                {
                    foreach (var w in chosen)
                    {
                        var (local, first) = MeasureLocal(w, config, references.GetValueOrDefault(w.Key));
                        references.TryAdd(w.Key, first);
                        ReleaseMemory();
                        Report(o, local);
                        rows.AddRange(local);
                    }
                    continue;
                }
                var environment = config.OneThreadPerWorker ? new Dictionary<string, string> { ["OMP_NUM_THREADS"] = "1", ["MKL_NUM_THREADS"] = "1" } : null;
                // A cluster per workload: the workers' memory (graphs, and what the allocators keep after them) ends with
                // their processes, and the coordinator's is released (ReleaseMemory), so the processes of one run never
                // hold the memory of the workloads before it (three processes on 23.5 GiB ran out of memory otherwise).
                foreach (var w in chosen)
                {
                    var watch = Stopwatch.StartNew();
                    var cluster = LocalCluster.Start(runDirectory, config.Workers, environment);
                    double joinSeconds = watch.Elapsed.TotalSeconds;
                    List<ClusterRow> measured;
                    try
                    {
                        measured = MeasureCluster(w, config, cluster, files[w.Key], traffic, references.GetValueOrDefault(w.Key));
                    }
                    finally
                    {
                        cluster.Dispose();
                        ReleaseMemory();
                    }
                    measured = [.. measured.Select(r => r with { WorkerPeakRss = cluster.WorkerPeakRss })];
                    Report(o, measured);
                    rows.AddRange(measured);
                    if (config.Workers > 0)
                        o.WriteLine($"{w.Name}, {config.Label}: {config.Workers} worker(s) joined in {joinSeconds:F1} s; "
                                    + $"{cluster.StoppedByThemselves} of {config.Workers} stopped by themselves after the coordinator's silo stopped"
                                    + (cluster.StoppedByThemselves < config.Workers ? "; the rest were killed" : ""));
                    o.Flush();
                }
            }

            foreach (var key in cbwrKeys)
            {
                var w = workloads.FirstOrDefault(x => x.Key == key) ?? throw new ArgumentException($"--cbwr-workloads: {key} is not among --workloads");
                cbwr.AddRange(CompareCbwr(w, cbwrPairs, o));
            }
        }
        finally
        {
            traffic.Dispose();
            try { Directory.Delete(runDirectory, recursive: true); }
            catch (IOException) { }
        }

        o.WriteLine();
        o.WriteLine($"total {total.Elapsed.TotalMinutes:F1} min");
        PrintTables(workloads, rows, cbwr, o);
        WriteCsv(rows, output);
        o.WriteLine($"CSV: {output}");
        return 0;
    }

    /// <summary>The model's weights and the data, written once per workload for every configuration's shards.</summary>
    sealed record RunFiles(string Weights, string WeightsSha256, string Data, string DataSha256)
    {
        public static RunFiles Write(ClusterWorkload w, string directory)
        {
            using var scope = NewDisposeScope();
            string weights = Path.Combine(directory, $"{w.Key}.weights.safetensors"), data = Path.Combine(directory, $"{w.Key}.data.safetensors");
            using (var model = w.Build(ModelSeed)) Checkpoint.Save(model, weights);
            var (inputs, labels) = LoadData(w);
            ShardDataFile.Save(data, inputs, labels);
            return new RunFiles(weights, FileHash.Sha256(weights), data, FileHash.Sha256(data));
        }
    }

    /// <summary>The first N test images in the workload's dtype and sample shape, and their labels (inside the caller's
    /// dispose scope).</summary>
    static (Tensor Inputs, Tensor Labels) LoadData(ClusterWorkload w)
    {
        var images = FashionMnist.LoadDefault(FashionMnist.TestSplit, Samples, w.DType);
        return (images.Images.reshape([Samples, .. w.SampleShape]), images.Labels);
    }

    /// <summary>The blocks every configuration multiplies: k = 1 and k = 8 float64 columns, seeded (as estimators pass them).</summary>
    static (Tensor One, Tensor Wide) Blocks(long n)
    {
        using var generator = new Generator(VectorSeed);
        var wide = randn(n, WideColumns, dtype: ScalarType.Float64, generator: generator);
        return (wide[.., TensorIndex.Slice(0, 1)].contiguous(), wide);
    }

    static (List<ClusterRow> Rows, double[] First) MeasureLocal(ClusterWorkload w, ClusterConfig config, double[]? reference)
    {
        using var scope = NewDisposeScope();
        var (inputs, labels) = LoadData(w);
        using var data = new NetworkData(inputs, labels, BatchSize);
        using var model = w.Build(ModelSeed);
        // The determinism check's products are not part of what is measured (a shard runs it when it activates, inside
        // the connect time).
        using var op = new HessianOperator(model, LossKind.CrossEntropy, data, BatchNormMode.Train, verifyDeterminism: false);
        var (one, wide) = Blocks(op.Size);
        Func<Tensor, Tensor> multiply = config.PoolThreads ? block => Task.Run(() => op.Multiply(block)).GetAwaiter().GetResult() : op.Multiply;
        using (ProductSession.Begin(op))
            return Measure(w, config, op.Size, multiply, one, wide, connectMs: 0, reference, counters: () => new long[4], placement: "");
    }

    static List<ClusterRow> MeasureCluster(ClusterWorkload w, ClusterConfig config, LocalCluster cluster, RunFiles files, OrleansTraffic traffic, double[]? reference)
    {
        using var scope = NewDisposeScope();
        string runId = $"{w.Key}-{config.Key}-{Guid.NewGuid():N}"[..24];
        var manifest = new RunManifest(runId,
            new ModelEntry(w.Spec as MlpSpec, null, w.Spec as ResNetSpec, files.Weights, files.WeightsSha256),
            new DataEntry(files.Data, files.DataSha256, Samples, Ranges(config.Shards)), BatchSize, BatchNormMode.Train,
            LossKind.CrossEntropy, OperatorKind.Hessian, w.DType);
        manifest.Save(new ShardStoreOptions { ManifestDirectory = Path.GetDirectoryName(files.Weights)! }.ManifestPath(runId));
        var loadedBefore = cluster.Workers.Select(p => p.ShardsLoaded).ToArray();
        var watch = Stopwatch.StartNew();
        using var op = Task.Run(() => DistributedHessianOperator.ConnectAsync(cluster.Grains, manifest)).GetAwaiter().GetResult();
        double connectMs = watch.Elapsed.TotalMilliseconds;
        string placement = string.Join(",", cluster.Workers.Select((p, i) => p.ShardsLoaded - loadedBefore[i]));
        var (one, wide) = Blocks(op.Size);
        return Measure(w, config, op.Size, op.Multiply, one, wide, connectMs, reference,
                       () => [op.BytesSent, op.BytesReceived, traffic.Sent, traffic.Received], placement).Rows;
    }

    /// <summary>The shards of N samples in batches of the batch size: the batches split as evenly as possible into
    /// <paramref name="shards"/> contiguous groups (as <c>hessian --cluster</c> splits them).</summary>
    static ShardRange[] Ranges(int shards)
    {
        long batches = (Samples + BatchSize - 1) / BatchSize;
        return Enumerable.Range(0, shards).Select(s =>
        {
            long first = s * batches / shards, end = (s + 1) * batches / shards;
            return new ShardRange(first * BatchSize, Math.Min(end * BatchSize, Samples) - first * BatchSize);
        }).ToArray();
    }

    /// <summary>The warm-up call (k = 1, kept as the product compared across configurations), then the timed k = 1 and
    /// k = 8 calls; <paramref name="counters"/> gives [vector bytes sent, received, message bytes sent, received].</summary>
    static (List<ClusterRow> Rows, double[] First) Measure(ClusterWorkload w, ClusterConfig config, long size, Func<Tensor, Tensor> multiply, Tensor one, Tensor wide,
                                                          double connectMs, double[]? reference, Func<long[]> counters, string placement)
    {
        long baseline = PeakRss.Read(field: "VmRSS");
        bool peakKnown = PeakRss.Reset();
        var watch = Stopwatch.StartNew();
        double[] first;
        using (var product = multiply(one)) first = product.contiguous().data<double>().ToArray();
        double firstMs = watch.Elapsed.TotalMilliseconds;
        double difference = reference is null ? double.NaN : RelativeDifference(first, reference);

        var rows = new List<ClusterRow>();
        foreach (var (block, reps) in new[] { (one, w.Repetitions1), (wide, w.Repetitions8) })
        {
            int columns = (int)block.shape[1];
            if (columns > 1 && rows[0].Call.Median <= NoWarmupAboveMs) multiply(block).Dispose();
            var before = counters();
            var times = new double[reps];
            for (int i = 0; i < reps; i++)
            {
                var clock = Stopwatch.StartNew();
                multiply(block).Dispose();
                times[i] = clock.Elapsed.TotalMilliseconds;
            }
            var call = Summary(times);
            var after = counters();
            double PerCall(int i) => (double)(after[i] - before[i]) / reps;
            rows.Add(new ClusterRow(w.Name, size, config, columns, call, connectMs, firstMs, PerCall(0), PerCall(1), PerCall(2), PerCall(3), difference, placement) { Times = times });
        }
        long peak = peakKnown ? PeakRss.Read() - baseline : 0;
        return ([.. rows.Select(r => r with { PeakRssDelta = peak })], first);
    }

    /// <summary>Returns what this process no longer uses to the system: a full compacting collection (the coordinator's
    /// block and answer arrays are large objects), then glibc's malloc_trim (libtorch's freed tensors stay in the
    /// allocator's arenas otherwise — one per thread that ran products).</summary>
    static void ReleaseMemory()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        if (OperatingSystem.IsLinux()) _ = MallocTrim(0);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    static extern int MallocTrim(nuint pad);

    /// <summary>Minimum and median of timings (ms).</summary>
    static Timing Summary(IReadOnlyCollection<double> times)
    {
        var sorted = times.Order().ToArray();
        int n = sorted.Length;
        return new Timing(sorted[0], n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]), n);
    }

    static double RelativeDifference(double[] a, double[] reference)
    {
        double worst = 0, scale = 0;
        for (int i = 0; i < a.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(a[i] - reference[i]));
            scale = Math.Max(scale, Math.Abs(reference[i]));
        }
        return worst / scale;
    }

    static void Report(TextWriter o, List<ClusterRow> rows)
    {
        foreach (var r in rows)
            o.WriteLine($"{r.Workload}, {r.Config.Label}, k={r.Columns}: {r.Call} ms/call, {r.ColumnsPerSecond:F2} columns/s; connect {r.ConnectMs / 1000:F1} s, first call {r.FirstCallMs / 1000:F2} s; "
                        + $"vector MB sent/received per call {r.VectorBytesSent / 1e6:F2}/{r.VectorBytesReceived / 1e6:F2} (8nkS = {r.ExpectedBytes / 1e6:F2}), "
                        + $"Orleans messages {r.MessageBytesSent / 1e6:F2}/{r.MessageBytesReceived / 1e6:F2}; rel. diff {r.RelativeDifference:G2}; shards per worker [{r.Placement}]; "
                        + $"peak ΔRSS here {r.PeakRssDelta / 1e9:F2} GB, worker peak RSS {r.WorkerPeakRss / 1e9:F2} GB");
        o.Flush();
    }

    /// <summary>Child mode: the single-process products only, one line per (workload, k) with every timed call.</summary>
    static int RunChild(ClusterWorkload[] workloads, TextWriter o)
    {
        foreach (var w in workloads)
            foreach (var r in MeasureLocal(w, ClusterConfig.All[0], null).Rows)
                o.WriteLine(string.Join('\t', ChildLine, w.Key, r.Columns.ToString(CultureInfo.InvariantCulture),
                                        string.Join(',', r.Times.Select(t => t.ToString("R", CultureInfo.InvariantCulture)))));
        return 0;
    }

    /// <summary>The workload's single-process products in child processes with MKL_CBWR unset and AUTO, in the order
    /// unset, AUTO, AUTO, unset, … (<paramref name="pairs"/> of each; a drift of the machine's speed then weighs on both
    /// alike); the calls of all children of one setting are pooled.</summary>
    static IEnumerable<CbwrRow> CompareCbwr(ClusterWorkload w, int pairs, TextWriter o)
    {
        var unset = new Dictionary<int, List<double>>();
        var auto = new Dictionary<int, List<double>>();
        for (int i = 0; i < 2 * pairs; i++)
        {
            bool reproducible = i % 4 is 1 or 2;
            foreach (var (k, times) in Child(w, reproducible))
            {
                var pool = reproducible ? auto : unset;
                if (!pool.TryGetValue(k, out var list)) pool[k] = list = [];
                list.AddRange(times);
            }
        }
        foreach (var k in unset.Keys.Order())
        {
            var row = new CbwrRow(w.Key, k, Summary(unset[k]), Summary(auto[k]));
            o.WriteLine($"{w.Name}, local, k={k}: MKL_CBWR unset {row.Unset} ms, AUTO {row.Auto} ms, AUTO/unset {row.MedianRatio:F3} (medians), {row.MinRatio:F3} (minima)");
            o.Flush();
            yield return row;
        }
    }

    /// <summary>One child process's timed calls by k.</summary>
    static Dictionary<int, double[]> Child(ClusterWorkload w, bool auto)
    {
        var start = new ProcessStartInfo(WorkerProcess.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] args = ["exec", typeof(ClusterBench).Assembly.Location, "cluster", "--local-only", "--workloads", w.Key,
                         "--reps", w.Repetitions1.ToString(CultureInfo.InvariantCulture), "--reps8", w.Repetitions8.ToString(CultureInfo.InvariantCulture)];
        foreach (var a in auto ? args : [.. args, "--no-cbwr"]) start.ArgumentList.Add(a);
        // This process set the variable for itself (ReproducibleBlas.Enable); children inherit .NET's copy unless told.
        if (auto) start.Environment[ReproducibleBlas.Variable] = "AUTO";
        else start.Environment.Remove(ReproducibleBlas.Variable);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the child process");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"child ({(auto ? "AUTO" : "unset")}) exited with {process.ExitCode}: {stderr.Result}{stdout}");
        return stdout.Split('\n').Select(l => l.Trim().Split('\t')).Where(f => f.Length == 4 && f[0] == ChildLine)
                     .ToDictionary(f => int.Parse(f[2], CultureInfo.InvariantCulture),
                                   f => f[3].Split(',').Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray());
    }

    static void PrintTables(ClusterWorkload[] workloads, List<ClusterRow> rows, List<CbwrRow> cbwr, TextWriter o)
    {
        static string Mb(double bytes) => (bytes / 1e6).ToString("F2", CultureInfo.InvariantCulture);
        foreach (var w in workloads)
        {
            var mine = rows.Where(r => r.Workload == w.Name).ToList();
            if (mine.Count == 0) continue;
            o.WriteLine($"{w.Name}: n = {w.Parameters:N0}, N = {Samples:N0}, batch {BatchSize}");
            o.WriteLine();
            o.WriteLine("| configuration | S | k | ms per call, min (median) | columns/s | local / this | connect (s) | first call (s) | vector MB sent / received per call | 8·n·k·S (MB) | Orleans message MB sent / received per call | max rel. diff vs local | shards per worker | peak ΔRSS this process (GB) | worker peak RSS (GB) |");
            o.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|");
            foreach (var r in mine.OrderBy(r => r.Columns))
            {
                var local = mine.FirstOrDefault(x => x.Config.Key == "local" && x.Columns == r.Columns);
                string speed = local is null ? "—" : (local.Call.Median / r.Call.Median).ToString("F2", CultureInfo.InvariantCulture);
                bool distributed = !r.Config.IsLocal;
                o.WriteLine($"| {r.Config.Label} | {(distributed ? r.Config.Shards : "—")} | {r.Columns} | {r.Call} | {r.ColumnsPerSecond:F2} | {speed} | "
                            + $"{(distributed ? (r.ConnectMs / 1000).ToString("F1", CultureInfo.InvariantCulture) : "—")} | {r.FirstCallMs / 1000:F2} | "
                            + $"{(distributed ? $"{Mb(r.VectorBytesSent)} / {Mb(r.VectorBytesReceived)}" : "—")} | {(distributed ? Mb(r.ExpectedBytes) : "—")} | "
                            + $"{(distributed ? $"{Mb(r.MessageBytesSent)} / {Mb(r.MessageBytesReceived)}" : "—")} | "
                            + $"{(distributed && !double.IsNaN(r.RelativeDifference) ? r.RelativeDifference.ToString("0.0E+0", CultureInfo.InvariantCulture) : "—")} | {(r.Config.Workers > 0 ? r.Placement : "—")} | "
                            + $"{r.PeakRssDelta / 1e9:F2} | {(r.Config.Workers > 0 ? (r.WorkerPeakRss / 1e9).ToString("F2", CultureInfo.InvariantCulture) : "—")} |");
            }
            o.WriteLine();
        }
        if (cbwr.Count == 0) return;
        o.WriteLine("Reproducible BLAS on the single-process product (child processes, calls of each setting pooled; ms per call, min (median)):");
        o.WriteLine();
        o.WriteLine("| workload | k | MKL_CBWR unset | MKL_CBWR=AUTO | AUTO / unset (medians) | AUTO / unset (minima) |");
        o.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in cbwr)
            o.WriteLine($"| {workloads.First(w => w.Key == r.Workload).Name} | {r.Columns} | {r.Unset} | {r.Auto} | {r.MedianRatio:F3} | {r.MinRatio:F3} |");
        o.WriteLine();
    }

    static void WriteCsv(List<ClusterRow> rows, string path)
    {
        var dir = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        var inv = CultureInfo.InvariantCulture;
        using var writer = new StreamWriter(path);
        writer.WriteLine("workload,parameters,config,workers,shards,one_thread_per_worker,k,repetitions,call_min_ms,call_median_ms,columns_per_second,connect_ms,first_call_ms,"
                         + "vector_bytes_sent,vector_bytes_received,expected_bytes,message_bytes_sent,message_bytes_received,relative_difference,placement,peak_rss_delta_bytes,worker_peak_rss_bytes");
        foreach (var r in rows)
            writer.WriteLine(string.Join(",", new object[] { $"\"{r.Workload}\"", r.Parameters, r.Config.Key, r.Config.Workers, r.Config.Shards, r.Config.OneThreadPerWorker,
                r.Columns, r.Call.Repetitions, r.Call.Min, r.Call.Median, r.ColumnsPerSecond, r.ConnectMs, r.FirstCallMs, r.VectorBytesSent, r.VectorBytesReceived,
                r.ExpectedBytes, r.MessageBytesSent, r.MessageBytesReceived, r.RelativeDifference, $"\"{r.Placement}\"", r.PeakRssDelta, r.WorkerPeakRss }.Select(v => Convert.ToString(v, inv))));
    }

    /// <summary>CPU model, cores, the UTC date and the git commit of the working directory (with a mark when it has
    /// uncommitted changes).</summary>
    static string MachineLine()
    {
        string cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
            : "unknown CPU";
        string commit = Git("rev-parse --short HEAD") ?? "unknown";
        string dirty = string.IsNullOrWhiteSpace(Git("status --porcelain --untracked-files=no")) ? "" : " (with uncommitted changes)";
        return $"machine: {cpu}, {Environment.ProcessorCount} cores; {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC; commit {commit}{dirty}";
    }

    static string? Git(string arguments)
    {
        try
        {
            var start = new ProcessStartInfo("git", arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(start);
            if (process is null) return null;
            string text = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 ? text : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
