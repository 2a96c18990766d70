using System.Diagnostics;
using System.Text.Json.Nodes;
using Curvature.Cli;
using Curvature.Estimators;
using static Curvature.Tests.Cli.HessianCli;

namespace Curvature.Tests.Cli;

/// <summary>The uninterrupted run every interrupted one is compared with, as a separate process like them (so the
/// thread count and everything else that could change round-off is the same).</summary>
public sealed class UninterruptedHessianRun : IDisposable
{
    /// <summary>MLP 784-4-10 (3,190 parameters) on 64 images: top 3 and a 3-probe × 25-step SLQ — about 100 products,
    /// a few seconds, long enough to be killed in the middle.</summary>
    public static readonly string[] Args = ["hessian", "--hidden", "4", "--samples", "64", "--top", "3", "--lanczos-steps", "25", "--probes", "3", "--density"];

    public UninterruptedHessianRun()
    {
        string json = Temp.Combine("reference.json");
        var outcome = HessianProcess.Run(Temp.Path, [.. Args, "--json", json]);
        Assert.True(outcome.ExitCode == ExitCodes.Ok, outcome.ToString());
        Record = Comparable(Read(json)).ToJsonString();
    }

    public TempDirectory Temp { get; } = new();

    /// <summary>The record without start time, command line and wall time: every number of the result.</summary>
    public string Record { get; }

    public void Dispose() => Temp.Dispose();
}

/// <summary>
/// <c>curvature hessian --checkpoint DIR</c> as a user meets it: the process is SIGKILLed at a random moment of its SLQ
/// stage or interrupted by Ctrl-C (SIGINT) at a random moment, then continued with <c>--resume</c>; the final JSON equals
/// the uninterrupted run's bit for bit in every field but the timing.
/// </summary>
public sealed class HessianResumeProcessTests(UninterruptedHessianRun reference) : IClassFixture<UninterruptedHessianRun>
{
    const int Every = 3;

    [Fact]
    public void KilledAtARandomMomentAndResumedGivesTheSameNumbers()
    {
        using var temp = new TempDirectory();
        string checkpoint = temp.Combine("ckpt"), json = temp.Combine("out.json");
        string[] args = [.. UninterruptedHessianRun.Args, "--checkpoint", checkpoint, "--checkpoint-every", Every.ToString(), "--json", json];
        // A random point of the SLQ stage (3 probes × 25 products), the kill lands when its state has reached it.
        int target = Random.Shared.Next(0, 3 * 25 - 2 * Every);
        using (var process = HessianProcess.Start(temp.Path, args))
        {
            var deadline = Stopwatch.StartNew();
            while (SavedProducts(checkpoint, StochasticLanczosQuadrature.Stage) < target)
            {
                Assert.False(process.HasExited, $"the run ended (exit {(process.HasExited ? process.ExitCode : 0)}) before SLQ reached product {target}");
                Assert.True(deadline.Elapsed < HessianProcess.HangLimit, "no progress");
                Thread.Sleep(5);
            }
            process.Kill();   // SIGKILL: no handler runs
            process.WaitForExit();
        }
        Assert.False(File.Exists(json), "a killed run wrote its record");

        var resumed = HessianProcess.Run(temp.Path, [.. args, "--resume"]);
        Assert.True(resumed.ExitCode == ExitCodes.Ok, $"killed at SLQ product ≥ {target}; resume: {resumed}");
        Assert.Equal("", resumed.Stderr);
        Assert.True(reference.Record == Comparable(Read(json)).ToJsonString(), $"killed at SLQ product ≥ {target}: the resumed record differs");
    }

    [Fact]
    public void CtrlCStopsWith130AndOneLineWritesNothingAndResumes()
    {
        using var temp = new TempDirectory();
        string checkpoint = temp.Combine("ckpt"), json = temp.Combine("out.json");
        string[] args = [.. UninterruptedHessianRun.Args, "--checkpoint", checkpoint, "--checkpoint-every", Every.ToString(), "--json", json];
        int delay = Random.Shared.Next(0, 400);
        CliOutcome interrupted;
        using (var process = HessianProcess.Start(temp.Path, args))
        {
            var deadline = Stopwatch.StartNew();
            // Once the first stage has started (its start state is on disk) the handler is installed; then a random delay.
            while (!File.Exists(Path.Combine(checkpoint, TopEigenpairs.Stage + ".safetensors")))
            {
                Assert.False(process.HasExited, "the run ended before it started the top eigenpairs");
                Assert.True(deadline.Elapsed < HessianProcess.HangLimit, "no progress");
                Thread.Sleep(5);
            }
            Thread.Sleep(delay);
            Assert.False(process.HasExited, $"the run ended within {delay} ms of starting the top eigenpairs, before Ctrl-C");
            using (var kill = Process.Start("/bin/kill", ["-INT", process.Id.ToString()])) kill.WaitForExit();
            interrupted = HessianProcess.Finish(process, args);
        }
        Assert.True(interrupted.ExitCode == ExitCodes.Interrupted, interrupted.ToString());
        Assert.Equal("", interrupted.Stdout);
        string line = Assert.Single(interrupted.StderrLines);
        Assert.Equal($"curvature: interrupted; resume with --resume and the same options (the state is saved in {checkpoint})", line);
        Assert.False(File.Exists(json), "an interrupted run wrote its record");
        Assert.All(TempDirectory.FilesUnder(temp.Path), f => Assert.StartsWith(checkpoint + Path.DirectorySeparatorChar, f));

        var resumed = HessianProcess.Run(temp.Path, [.. args, "--resume"]);
        Assert.True(resumed.ExitCode == ExitCodes.Ok, $"Ctrl-C after {delay} ms; resume: {resumed}");
        Assert.True(reference.Record == Comparable(Read(json)).ToJsonString(), $"Ctrl-C {delay} ms into the top eigenpairs: the resumed record differs");
    }

    /// <summary>Products the stage's saved state stands for (−1 while there is none); a file being replaced is retried.</summary>
    static long SavedProducts(string directory, string stage)
    {
        string path = Path.Combine(directory, stage + ".safetensors");
        if (!File.Exists(path)) return -1;
        try { return StateCodec.Decode(StateBag.Read(path)).Products; }
        catch (Exception e) when (e is IOException or InvalidDataException) { return -1; }
    }
}

/// <summary>Runs the built command as a process (<c>dotnet exec Curvature.Cli.dll</c>), as <see cref="CliProcessTests"/> does.</summary>
internal static class HessianProcess
{
    /// <summary>Guard against a hung child only.</summary>
    public static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(120);

    public static Process Start(string workingDirectory, string[] args) => Support.CliProcess.Start(workingDirectory, args);

    public static CliOutcome Run(string workingDirectory, string[] args) => Support.CliProcess.Run(workingDirectory, args, HangLimit);

    public static CliOutcome Finish(Process process, string[] args) => Support.CliProcess.Finish(process, args, HangLimit);
}
