using System.Diagnostics;
using TorchSharp;

namespace Curvature.Benchmarks.Network;

/// <summary>Minimum and median of repeated wall-clock timings (ms). The minimum is the figure conclusions rest on:
/// on a shared 2-core machine other load only ever adds time (see docs/BENCHMARKS.md, "Machine and runs").</summary>
public sealed record Timing(double Min, double Median, int Repetitions)
{
    /// <summary>Runs <paramref name="action"/> <paramref name="warmup"/> times unmeasured, then
    /// <paramref name="repetitions"/> times, each timed on its own.</summary>
    public static Timing Measure(Action action, int warmup, int repetitions)
    {
        for (int i = 0; i < warmup; i++) action();
        var times = new double[repetitions];
        for (int i = 0; i < repetitions; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            times[i] = watch.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        double median = repetitions % 2 == 1 ? times[repetitions / 2] : 0.5 * (times[repetitions / 2 - 1] + times[repetitions / 2]);
        return new Timing(times[0], median, repetitions);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Min:F1} ({Median:F1})";
}

/// <summary>Peak resident set size over a stretch of work, sampled every millisecond from /proc/self/statm
/// (Process.PeakWorkingSet64 is the process-lifetime high-water mark and cannot be reset between cases).</summary>
public sealed class RssSampler : IDisposable
{
    readonly Thread _thread;
    volatile bool _stop;
    long _peak;

    /// <summary>Resident set size now, bytes.</summary>
    public static long Current()
    {
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1]) * Environment.SystemPageSize;
    }

    /// <summary>Starts sampling.</summary>
    public RssSampler()
    {
        Baseline = Current();
        _peak = Baseline;
        _thread = new Thread(() =>
        {
            while (!_stop)
            {
                long now = Current();
                if (now > _peak) _peak = now;
                Thread.Sleep(1);
            }
        }) { IsBackground = true, Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    /// <summary>RSS when sampling started, bytes.</summary>
    public long Baseline { get; }

    /// <summary>Peak RSS minus the baseline, MB (after <see cref="Dispose"/>).</summary>
    public double PeakDeltaMb => (_peak - Baseline) / 1048576.0;

    /// <summary>Stops sampling.</summary>
    public void Dispose()
    {
        _stop = true;
        _thread.Join();
        long now = Current();
        if (now > _peak) _peak = now;
    }
}

/// <summary>Live-tensor count of this thread, the same counter as tests' LiveTensors.LeakedBy.</summary>
public static class Live
{
    /// <summary>Tensors created on this thread and not yet disposed.</summary>
    public static long Count => DisposeScopeManager.Statistics.ThreadTotalLiveCount;
}
