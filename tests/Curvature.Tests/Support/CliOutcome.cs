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
