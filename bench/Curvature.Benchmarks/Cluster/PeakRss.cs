using System.Globalization;

namespace Curvature.Benchmarks.Cluster;

/// <summary>Peak resident set sizes from /proc (Linux): a process's VmHWM, which writing 5 to /proc/self/clear_refs resets
/// (Linux ≥ 4.0) — no sampling thread, so nothing competes with the timed calls for the 2 cores.</summary>
public static class PeakRss
{
    /// <summary>Resets this process's peak to its current resident set; false where /proc does not allow it.</summary>
    public static bool Reset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>VmHWM (peak) or VmRSS (current) of process <paramref name="pid"/> ("self" for this one), bytes; 0 where
    /// unavailable (the process has ended, or no /proc).</summary>
    public static long Read(string pid = "self", string field = "VmHWM")
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
