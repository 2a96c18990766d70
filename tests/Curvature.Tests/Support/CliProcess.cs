using System.Diagnostics;
using Curvature.Tests.Cli;

namespace Curvature.Tests.Support;

/// <summary>The built command as a separate process (<c>dotnet exec Curvature.Cli.dll</c>, the assembly the test project
/// copies next to itself with its deps and runtimeconfig): what a user sees, including exit codes and real streams.</summary>
public static class CliProcess
{
    /// <summary>Starts <c>curvature ARGS</c> in <paramref name="workingDirectory"/> with redirected streams and, optionally,
    /// extra environment variables.</summary>
    public static Process Start(string workingDirectory, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "Curvature.Cli.dll");
        Assert.True(File.Exists(cli), $"{cli} not found next to the test assembly");
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "exec", cli }.Concat(args)) start.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        return Process.Start(start)!;
    }

    /// <summary>Waits for a started run (killing it and failing after <paramref name="hangLimit"/>, a guard against a hung
    /// child only) and returns what it printed.</summary>
    public static CliOutcome Finish(Process process, IReadOnlyList<string> args, TimeSpan hangLimit)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(hangLimit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"curvature {string.Join(' ', args)} did not finish within {hangLimit.TotalSeconds} s");
        }
        process.WaitForExit();   // drains the redirected streams
        return new CliOutcome(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs <c>curvature ARGS</c> to completion.</summary>
    public static CliOutcome Run(string workingDirectory, IReadOnlyList<string> args, TimeSpan hangLimit)
    {
        using var process = Start(workingDirectory, args);
        return Finish(process, args, hangLimit);
    }

    /// <summary>The dotnet host running the tests (the SDK sets DOTNET_HOST_PATH; the test host itself usually runs under
    /// it), else the one on PATH.</summary>
    static string DotnetHost()
    {
        string? fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk)) return fromSdk;
        string? self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        return "dotnet";
    }
}
