using System.Reflection;
using System.Runtime.InteropServices;

namespace Curvature.Cli.Output;

/// <summary>What a record needs besides its config to reproduce a run: the command line, versions, machine
/// and thread count.</summary>
/// <param name="Command">The command line as typed (verb and options).</param>
/// <param name="CurvatureVersion">The informational version of Curvature (includes the source commit when built from git).</param>
/// <param name="TorchSharpVersion">TorchSharp's assembly version.</param>
/// <param name="Runtime">The .NET runtime.</param>
/// <param name="Os">The operating system.</param>
/// <param name="ProcessorCount">Logical processors.</param>
/// <param name="TorchThreads">libtorch intra-op threads.</param>
/// <param name="StartedUtc">When the run started (UTC, ISO 8601).</param>
public sealed record RunInfo(string Command, string CurvatureVersion, string TorchSharpVersion, string Runtime, string Os,
                             int ProcessorCount, int TorchThreads, string StartedUtc)
{
    /// <summary>Captures the current process's facts.</summary>
    public static RunInfo Capture(IEnumerable<string> args) => new(
        "curvature " + string.Join(' ', args.Select(a => a.Contains(' ') ? $"\"{a}\"" : a)),
        typeof(RunInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
        typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "unknown",
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.OSDescription,
        Environment.ProcessorCount,
        TorchSharp.torch.get_num_threads(),
        DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
}
