using Curvature.Cli;

namespace Curvature.Tests.Cli;

/// <summary>What one run of the command line produced.</summary>
public sealed record CliOutcome(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The non-empty lines written to standard error.</summary>
    public string[] StderrLines => Stderr.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray();

    public override string ToString() => $"exit {ExitCode}\n--- stderr ---\n{Stderr}\n--- stdout ---\n{Stdout}";

    /// <summary>The bad-input contract: exit code 2, nothing on stdout, exactly one stderr line starting
    /// "curvature: " that contains <paramref name="named"/>. Returns that line.</summary>
    public string AssertRejectedInOneLine(string named = "")
    {
        Assert.True(ExitCode == ExitCodes.BadInput, ToString());
        Assert.Equal("", Stdout);
        string line = Assert.Single(StderrLines);
        Assert.StartsWith("curvature: ", line);
        Assert.Contains(named, line);
        Assert.Equal(line + Environment.NewLine, Stderr);
        return line;
    }
}

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
