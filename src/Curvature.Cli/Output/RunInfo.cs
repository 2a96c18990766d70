using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Curvature.Cli.Output;

/// <summary>What a record needs besides its config to reproduce a run: the command line, versions, machine
/// and thread count. The same command, seed, versions, thread count and processor give bit-identical numbers
/// (docs/RELIABILITY.md, "What is guaranteed"); the machine fields say which of these a second run must match.</summary>
/// <param name="Command">The command line as typed (verb and options).</param>
/// <param name="CurvatureVersion">The informational version of Curvature: "version+commit" when built from git.</param>
/// <param name="TorchSharpVersion">TorchSharp's assembly version (it fixes the bundled libtorch).</param>
/// <param name="Runtime">The .NET runtime.</param>
/// <param name="Os">The operating system.</param>
/// <param name="ProcessorCount">Logical processors.</param>
/// <param name="TorchThreads">libtorch intra-op threads used by every product (set by OMP_NUM_THREADS; float
/// reductions split across threads sum in a different order, so a different count may change the last bits).</param>
/// <param name="StartedUtc">When the run started (UTC, ISO 8601).</param>
public sealed record RunInfo(string Command, string CurvatureVersion, string TorchSharpVersion, string Runtime, string Os,
                             int ProcessorCount, int TorchThreads, string StartedUtc)
{
    /// <summary>The process architecture ("x64", "arm64").</summary>
    public string Architecture { get; init; } = "unknown";

    /// <summary>The processor model (Linux: /proc/cpuinfo "model name"), or "unknown".</summary>
    public string Cpu { get; init; } = "unknown";

    /// <summary>The widest vector instructions the processor offers ("avx512f", "avx2", "avx", "sse4.2", "advsimd",
    /// "none"): libtorch picks its CPU kernels by this, and kernels of different widths sum in a different order.</summary>
    public string Simd { get; init; } = "unknown";

    /// <summary>The environment variables that change libtorch's numerics or threads, those that are set
    /// (<see cref="NumericsVariables"/>), by name.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new SortedDictionary<string, string>();

    /// <summary>OMP_NUM_THREADS and MKL_NUM_THREADS (thread counts), ATEN_CPU_CAPABILITY (forces libtorch's kernel
    /// width), MKL_CBWR (MKL's reproducibility mode).</summary>
    public static IReadOnlyList<string> NumericsVariables { get; } = ["ATEN_CPU_CAPABILITY", "MKL_CBWR", "MKL_NUM_THREADS", "OMP_NUM_THREADS"];

    /// <summary>Captures the current process's facts.</summary>
    public static RunInfo Capture(IEnumerable<string> args) => new(
        "curvature " + string.Join(' ', args.Select(a => a.Contains(' ') ? $"\"{a}\"" : a)),
        typeof(RunInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
        typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "unknown",
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.OSDescription,
        System.Environment.ProcessorCount,
        TorchSharp.torch.get_num_threads(),
        DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture))
    {
        Architecture = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(),
        Cpu = CpuModel(),
        Simd = WidestVectors(),
        Environment = new SortedDictionary<string, string>(
            NumericsVariables.Select(name => (name, value: System.Environment.GetEnvironmentVariable(name)))
                             .Where(v => v.value is not null)
                             .ToDictionary(v => v.name, v => v.value!), StringComparer.Ordinal),
    };

    static string CpuModel()
    {
        try
        {
            const string cpuinfo = "/proc/cpuinfo";
            if (!File.Exists(cpuinfo)) return "unknown";
            var line = File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown" : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { return "unknown"; }
        catch (UnauthorizedAccessException) { return "unknown"; }
    }

    static string WidestVectors() =>
        Avx512F.IsSupported ? "avx512f"
        : Avx2.IsSupported ? "avx2"
        : Avx.IsSupported ? "avx"
        : Sse42.IsSupported ? "sse4.2"
        : AdvSimd.IsSupported ? "advsimd"
        : "none";
}
