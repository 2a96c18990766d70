using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Curvature.Cli;
using Curvature.Tests.Support;

namespace Curvature.Tests.Distributed;

/// <summary>
/// The cluster as users run it: a coordinator (<c>curvature hessian --cluster</c>) and two workers
/// (<c>curvature worker</c>) as separate processes on 127.0.0.1, a small MLP on 1,000 embedded images in 4 batches
/// (2 shards). A worker killed mid-run, or the coordinator killed and resumed from its checkpoint, must leave the
/// record's every number bit for bit as in an undisturbed run.
/// </summary>
public sealed class ClusterProcessTests : IDisposable
{
    /// <summary>A guard against a hung child only: each run takes seconds (measured: ~10 s with the kill).</summary>
    static readonly TimeSpan HangLimit = TimeSpan.FromMinutes(4);

    /// <summary>How long a worker may take to notice that the coordinator has gone and stop (it waits
    /// <c>WorkerCommand</c>'s 5 s grace after the coordinator's endpoint stops answering, then up to 5 s to stop).</summary>
    static readonly TimeSpan WorkerExitLimit = TimeSpan.FromSeconds(60);

    /// <summary>Relative difference allowed between the cluster's and the single-process top eigenvalues: the products
    /// differ by the grouping of the shards' sums (~1e-15 relative), which the converged Ritz values inherit.</summary>
    const double RoundOffRelative = 1e-10;

    readonly string _directory = Directory.CreateTempSubdirectory("curvature-cluster-test-").FullName;

    string RunDirectory => Path.Combine(_directory, "run");

    string[] Hessian(int port, string json, params string[] extra) =>
        ["hessian", "--cluster", $"127.0.0.1:{port}", "--workers", "2", "--run-dir", RunDirectory, "--batch-size", "250", "--top", "5",
         "--json", Path.Combine(_directory, json), .. extra];

    [Fact]
    public void AWorkerKilledMidRunLeavesEveryNumberUnchanged()
    {
        int port = FreePort();
        var reference = RunToTheEnd(port, Hessian(port, "reference.json"));

        using var doomed = Worker.Start(_directory, port, RunDirectory);
        using var survivor = Worker.Start(_directory, port, RunDirectory);
        var args = Hessian(port, "killed.json");
        using var coordinator = CliProcess.Start(_directory, args);
        // Mid-iteration: the worker has just announced the start of a product and not yet answered.
        Assert.True(doomed.WaitForProducts(10, HangLimit, coordinator), "the worker never reached its 10th product");
        doomed.Process.Kill();
        var outcome = CliProcess.Finish(coordinator, args, HangLimit);
        Assert.True(outcome.ExitCode == ExitCodes.Ok, outcome.ToString());
        survivor.AssertStopsByItself(WorkerExitLimit);

        var killed = Record("killed.json");
        Assert.True(killed["cluster"]!["retries"]!.GetValue<long>() >= 1, "the killed worker's shard was never retried");
        AssertSameNumbers(reference, killed);

        // And the cluster computes the single-process operator, to round-off.
        var single = CliProcess.Run(_directory, ["hessian", "--batch-size", "250", "--top", "5", "--json", Path.Combine(_directory, "single.json")], HangLimit);
        Assert.True(single.ExitCode == ExitCodes.Ok, single.ToString());
        var local = Record("single.json")["top_eigenvalues"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        var distributed = reference["top_eigenvalues"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        for (int i = 0; i < local.Length; i++)
            Assert.True(Math.Abs(local[i] - distributed[i]) <= RoundOffRelative * Math.Abs(local[0]), $"λ{i + 1}: single-process {local[i]:R}, cluster {distributed[i]:R}");
    }

    [Fact]
    public void ACoordinatorKilledMidRunResumesFromItsCheckpointWithTheSameRecord()
    {
        string[] stages = ["--density", "--probes", "2", "--lanczos-steps", "30", "--checkpoint-every", "5"];
        int port = FreePort();
        var reference = RunToTheEnd(port, Hessian(port, "reference.json", [.. stages, "--checkpoint", Path.Combine(_directory, "reference-state")]));

        string state = Path.Combine(_directory, "state");
        port = FreePort();
        using (var first = Worker.Start(_directory, port, RunDirectory))
        using (var second = Worker.Start(_directory, port, RunDirectory))
        {
            var args = Hessian(port, "crashed.json", [.. stages, "--checkpoint", state]);
            using var coordinator = CliProcess.Start(_directory, args);
            // Into the SLQ stage (the top eigenpairs take ~50 products), with several checkpoints written.
            Assert.True(first.WaitForProducts(70, HangLimit, coordinator), "the run ended before the coordinator could be killed");
            coordinator.Kill();
            coordinator.WaitForExit();
            // With the coordinator gone, the workers end by themselves.
            first.AssertStopsByItself(WorkerExitLimit);
            second.AssertStopsByItself(WorkerExitLimit);
        }
        Assert.False(File.Exists(Path.Combine(_directory, "crashed.json")));

        port = FreePort();
        var resumed = RunToTheEnd(port, Hessian(port, "crashed.json", [.. stages, "--checkpoint", state, "--resume"]));
        AssertSameNumbers(reference, resumed);
    }

    /// <summary>Two workers and a coordinator run to the end; the workers must stop by themselves after it.</summary>
    JsonObject RunToTheEnd(int port, string[] args)
    {
        using var first = Worker.Start(_directory, port, RunDirectory);
        using var second = Worker.Start(_directory, port, RunDirectory);
        var outcome = CliProcess.Run(_directory, args, HangLimit);
        Assert.True(outcome.ExitCode == ExitCodes.Ok, outcome.ToString());
        first.AssertStopsByItself(WorkerExitLimit);
        second.AssertStopsByItself(WorkerExitLimit);
        // Placement: the shards went to the workers, one each, none to the coordinator.
        Assert.Equal([1, 1], new[] { first.ShardsLoaded, second.ShardsLoaded });
        return Record(Path.GetFileName(args[Array.IndexOf(args, "--json") + 1]));
    }

    JsonObject Record(string name) => JsonNode.Parse(File.ReadAllText(Path.Combine(_directory, name)))!.AsObject();

    /// <summary>Every entry of the records bit for bit, but the clock, the run's identity and the cluster's own
    /// bookkeeping (retries, bytes moved).</summary>
    static void AssertSameNumbers(JsonObject expected, JsonObject actual)
    {
        string[] own = ["run", "wall_seconds", "cluster"];
        var keys = expected.Select(p => p.Key).Where(k => !own.Contains(k)).ToArray();
        Assert.Equal(keys, actual.Select(p => p.Key).Where(k => !own.Contains(k)).ToArray());
        foreach (var key in keys)
            Assert.True(JsonNode.DeepEquals(expected[key], actual[key]), $"'{key}' differs: {expected[key]?.ToJsonString()} vs {actual[key]?.ToJsonString()}");
    }

    static int FreePort() => Curvature.Distributed.CurvatureSilo.FreePort(System.Net.IPAddress.Loopback);

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }

    /// <summary>A <c>curvature worker --verbose</c> process whose lines are collected as they come.</summary>
    sealed class Worker : IDisposable
    {
        readonly ConcurrentQueue<string> _lines = new();
        int _products;

        Worker(Process process) => Process = process;

        public Process Process { get; }

        /// <summary>Shards this worker loaded ("worker: shard s of run … loaded").</summary>
        public int ShardsLoaded => _lines.Count(l => l.StartsWith("worker: shard ", StringComparison.Ordinal) && l.Contains(" loaded (", StringComparison.Ordinal));

        public static Worker Start(string directory, int port, string runDirectory)
        {
            var process = CliProcess.Start(directory, ["worker", "--cluster", $"127.0.0.1:{port}", "--run-dir", runDirectory, "--verbose", "--join-timeout", "120"]);
            var worker = new Worker(process);
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                worker._lines.Enqueue(e.Data);
                if (e.Data.Contains(": product of", StringComparison.Ordinal)) Interlocked.Increment(ref worker._products);
            };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) worker._lines.Enqueue("stderr: " + e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return worker;
        }

        /// <summary>Waits until this worker has started <paramref name="count"/> products; false if the coordinator ended
        /// first or the limit passed.</summary>
        public bool WaitForProducts(int count, TimeSpan limit, Process coordinator)
        {
            var clock = Stopwatch.StartNew();
            while (Volatile.Read(ref _products) < count)
            {
                if (coordinator.HasExited || clock.Elapsed > limit) return false;
                Thread.Sleep(5);
            }
            return true;
        }

        public void AssertStopsByItself(TimeSpan limit)
        {
            Assert.True(Process.WaitForExit(limit), $"the worker did not stop within {limit.TotalSeconds} s of the coordinator's end:\n{string.Join('\n', _lines)}");
            Process.WaitForExit();
            Assert.True(Process.ExitCode == ExitCodes.Ok, $"worker exit {Process.ExitCode}:\n{string.Join('\n', _lines)}");
            Assert.Contains(_lines, l => l.Contains("the coordinator has gone", StringComparison.Ordinal));
        }

        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }
    }
}
