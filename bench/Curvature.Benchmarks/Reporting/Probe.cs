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
        o.WriteLine($"{name}: {sw.Elapsed.TotalMilliseconds / reps:F3} ms");
    }

    public static int Print(TextWriter o)
    {
        o.WriteLine($"load {File.ReadAllText("/proc/loadavg").Trim()}");
        foreach (var dt in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            using var x = randn(10000, 784, dtype: dt);
            using var xt = x.T.contiguous();
            o.WriteLine($"{dt}");
            foreach (int k in new[] { 1, 2, 4, 10, 32 })
            {
                using var v = randn(784, k, dtype: dt);
                using var u = randn(10000, k, dtype: dt);
                using var vt = v.T.contiguous();
                Time(o, $"  k={k} X@V", 10, () => { using var s = NewDisposeScope(); x.matmul(v); });
                Time(o, $"  k={k} X.T@U", 10, () => { using var s = NewDisposeScope(); x.T.matmul(u); });
                Time(o, $"  k={k} Xt(contig)@U", 10, () => { using var s = NewDisposeScope(); xt.matmul(u); });
                Time(o, $"  k={k} (U.T@X).T", 10, () => { using var s = NewDisposeScope(); u.T.matmul(x).T.contiguous(); });
                Time(o, $"  k={k} (Vt@X.T).T", 10, () => { using var s = NewDisposeScope(); vt.matmul(x.T).T.contiguous(); });
            }
        }
        o.WriteLine($"load {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }
}
