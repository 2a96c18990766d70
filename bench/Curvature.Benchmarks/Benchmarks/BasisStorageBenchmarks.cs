using System.Diagnostics;
using System.Globalization;
using Curvature.Benchmarks.Network;
using Curvature.Benchmarks.Operators;
using Curvature.Estimators;
using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Benchmarks.Benchmarks;

/// <summary>
/// <c>basis</c> verb (issue 5, Memory): for each n and each way of storing the Krylov basis, m Lanczos steps on the
/// diagonal operator, reporting the time per step not spent in products ((T_lanczos − T_products)/m, minimum over
/// repetitions) and memory — the bytes of stored rows (exact, from the process) and the peak resident set of the case:
/// VmHWM from /proc/self/status after resetting it by writing "5" to /proc/self/clear_refs (Linux ≥ 4.0) before the
/// case, minus the resident set at that moment; the growth of RssFile at the end of a run (before the basis is freed)
/// is listed apart because a disk basis's pages are file-backed and reclaimable. Cases run in this process one after another (the reset makes each peak its own).
/// <code>dotnet run -c Release --project bench/Curvature.Benchmarks -- basis [--sizes 1e4,1e5,1e6] [--steps 90]
/// [--repetitions 3] [--dir DIR]</code>
/// </summary>
public static class BasisStorageBenchmarks
{
    sealed record Case(string Name, Reorthogonalization Mode, BasisPrecision Precision, bool Disk, int? Window);

    static readonly Case[] Cases =
    [
        new("full float64", Reorthogonalization.Full, BasisPrecision.Float64, false, null),
        new("full float32", Reorthogonalization.Full, BasisPrecision.Float32, false, null),
        new("full disk", Reorthogonalization.Full, BasisPrecision.Float64, true, null),
        new("full disk-float32", Reorthogonalization.Full, BasisPrecision.Float32, true, null),
        new("selective", Reorthogonalization.Selective, BasisPrecision.Float64, false, null),
        new("selective s=10", Reorthogonalization.Selective, BasisPrecision.Float64, false, 10),
        new("selective s=30", Reorthogonalization.Selective, BasisPrecision.Float64, false, 30),
        new("none", Reorthogonalization.None, BasisPrecision.Float64, false, null),
    ];

    public static int Run(string[] args, TextWriter output)
    {
        var sizes = Option(args, "--sizes", "1e4,1e5,1e6").Split(',').Select(s => (long)double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        int steps = int.Parse(Option(args, "--steps", "90"), CultureInfo.InvariantCulture);
        int repetitions = int.Parse(Option(args, "--repetitions", "3"), CultureInfo.InvariantCulture);
        string dir = Option(args, "--dir", Path.GetTempPath());
        output.WriteLine($"# Lanczos basis storage: m = {steps}, diagonal operator, torch threads {torch.get_num_threads()}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        output.WriteLine("| n | case | overhead ms/step (min) | products ms (min) | reorths | basis MB | peak RSS Δ MB | RssFile Δ at end MB | live tensors |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (long n in sizes)
        {
            using var gen = new Generator(1);
            using var a = new DiagonalOperator(rand(n, dtype: ScalarType.Float64, generator: gen));
            using var start = randn(n, dtype: ScalarType.Float64, generator: gen);
            start.div_(start.norm());
            var products = Timing.Measure(() => OperatorCases.RepeatedProducts(a, start, steps), 1, repetitions);
            foreach (var c in Cases)
            {
                var storage = c.Disk ? BasisStorage.OnDisk(c.Precision, dir) : new BasisStorage(c.Precision);
                var options = new LanczosOptions(steps, c.Mode, Basis: storage, MaxStoredVectors: c.Window);
                long live = Live.Count;
                int reorths = 0;
                long basisBytes = 0, fileAtEnd = 0;
                void Once()
                {
                    using var process = new LanczosProcess(a, start, options, null);
                    process.Extend(steps);
                    fileAtEnd = Math.Max(fileAtEnd, Status("RssFile"));
                    reorths = c.Mode == Reorthogonalization.Full ? process.Steps : process.Reorthogonalizations;
                    basisBytes = process.BasisBytes;
                }
                Once();   // warm-up, outside the memory window
                var (baseline, fileBaseline) = ResetPeak();
                fileAtEnd = fileBaseline;
                var timing = Timing.Measure(Once, 0, repetitions);
                long peak = Status("VmHWM"), file = fileAtEnd - fileBaseline;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {n:G3} | {c.Name} | {(timing.Min - products.Min) / steps:F3} | {products.Min:F1} | {reorths} | {basisBytes / 1048576.0:F1} | {(peak - baseline) / 1048576.0:F1} | {file / 1048576.0:F1} | {Live.Count - live} |"));
            }
        }
        return 0;
    }

    static string Option(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    /// <summary>Resets VmHWM to the current RSS; returns (RSS, RssFile) now, bytes.</summary>
    static (long Rss, long File) ResetPeak()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        File.WriteAllText("/proc/self/clear_refs", "5");
        return (Status("VmRSS"), Status("RssFile"));
    }

    static long Status(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException($"/proc/self/status has no {field}");
    }
}
