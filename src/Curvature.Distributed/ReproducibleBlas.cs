using System.Runtime.InteropServices;

namespace Curvature.Distributed;

/// <summary>
/// Puts the process's MKL (inside libtorch's CPU build) in conditional numerical reproducibility mode,
/// <c>MKL_CBWR=AUTO</c>: the same code path and the same operation order for every call, whatever the alignment of the
/// operands. Without it the partial products of a shard varied in the last bits between worker processes (measured on
/// 127.0.0.1, docs/DISTRIBUTED.md: three runs of the same command, three different λ₁ in the 15th digit), since a silo's
/// buffers land at different addresses from run to run; with it, repeated cluster runs are bit-identical. AUTO keeps
/// the best instruction set of the machine, so bits agree across machines of one processor type.
/// </summary>
public static class ReproducibleBlas
{
    /// <summary>The variable MKL reads when it initialises.</summary>
    public const string Variable = "MKL_CBWR";

    /// <summary>Sets <see cref="Variable"/> to AUTO unless the user set it. Call before the first tensor operation of the
    /// process: MKL reads it once.</summary>
    public static void Enable()
    {
        if (Environment.GetEnvironmentVariable(Variable) is not null) return;
        Environment.SetEnvironmentVariable(Variable, "AUTO");
        // On Unix .NET keeps its own copy of the environment; native code reads the C library's.
        if (!OperatingSystem.IsWindows()) _ = SetEnv(Variable, "AUTO", 0);
    }

    [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi)]
    static extern int SetEnv(string name, string value, int overwrite);
}
