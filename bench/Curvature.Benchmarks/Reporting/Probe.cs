using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Benchmarks.Reporting;

public static class Probe
{
    static void Time(TextWriter o, string name, int reps, Action a)
    {
        a();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) a();
        o.WriteLine($"{name}: {sw.Elapsed.TotalMilliseconds / reps:F4} ms");
    }

    public static int Print(TextWriter o)
    {
        foreach (long n in new long[] { 10_000, 100_000, 1_000_000 })
        {
            int j = 90;
            using var basis = randn(j + 1, n, dtype: ScalarType.Float64);
            using var w = randn(n, dtype: ScalarType.Float64);
            using var q = basis[TensorIndex.Slice(0, j)];
            o.WriteLine($"n={n} j={j}");
            Time(o, "  q.matmul(w)", 20, () => { using var s = NewDisposeScope(); q.matmul(w); });
            using var c = q.matmul(w);
            Time(o, "  q.T.matmul(c)", 20, () => { using var s = NewDisposeScope(); q.T.matmul(c); });
            Time(o, "  mv(q.T, c)", 20, () => { using var s = NewDisposeScope(); mv(q.t(), c); });
            Time(o, "  c.matmul(q)", 20, () => { using var s = NewDisposeScope(); c.matmul(q); });
            Time(o, "  addmv_ (w -= qT c)", 20, () => { using var s = NewDisposeScope(); var w2 = w.clone(); w2.addmv_(q.T, c, beta: 1, alpha: -1); });
            Time(o, "  w.dot(w)", 20, () => { using var s = NewDisposeScope(); w.dot(w).item<double>(); });
            Time(o, "  isfinite.all", 20, () => { using var s = NewDisposeScope(); w.isfinite().all().item<bool>(); });
            Time(o, "  w.mul(2)", 20, () => { using var s = NewDisposeScope(); w.mul(2.0); });
        }
        return 0;
    }
}
