using Curvature.Cli;

namespace Curvature.Tests.Cli;

/// <summary>Runs <c>curvature</c> in-process with private writers (never the process console, so tests can run
/// in parallel).</summary>
public static class CliRunner
{
    public static CliOutcome Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return new CliOutcome(code, stdout.ToString(), stderr.ToString());
    }
}

/// <summary>A private temporary directory, deleted on dispose, so parallel tests never share a path.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Path = Directory.CreateTempSubdirectory("curvature-cli-").FullName;

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Every file below <paramref name="directory"/> (empty when it does not exist).</summary>
    public static string[] FilesUnder(string directory) =>
        Directory.Exists(directory) ? Directory.GetFiles(directory, "*", SearchOption.AllDirectories) : [];

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }   // a leftover temp folder is harmless
    }
}
