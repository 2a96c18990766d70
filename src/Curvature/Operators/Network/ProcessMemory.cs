namespace Curvature.Operators;

/// <summary>Resident and available memory of this process and machine, for decisions that must not exhaust RAM.</summary>
internal static class ProcessMemory
{
    /// <summary>Resident set size in bytes (what the kernel has given this process, libtorch's allocations included).</summary>
    public static long Resident()
    {
        try
        {
            // /proc/self/statm field 2 = resident pages; Environment.WorkingSet is the same figure where /proc is absent.
            var fields = File.ReadAllText("/proc/self/statm").Split(' ');
            return long.Parse(fields[1]) * Environment.SystemPageSize;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return Environment.WorkingSet;
        }
    }

    /// <summary>Bytes the machine can still give without swapping: MemAvailable of /proc/meminfo (Linux ≥ 3.14), else the
    /// GC's view of the memory limit minus this process's working set.</summary>
    public static long Available()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                    return long.Parse(line["MemAvailable:".Length..].Trim().Split(' ')[0]) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        return Math.Max(0, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes - Environment.WorkingSet);
    }
}
