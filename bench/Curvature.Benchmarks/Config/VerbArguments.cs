namespace Curvature.Benchmarks;

/// <summary>The `--name value` options of the Stopwatch verbs (network, slq-lockstep).</summary>
internal static class VerbArguments
{
    /// <summary>The value after <paramref name="name"/>, or null when the option is absent or has no value.</summary>
    public static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
