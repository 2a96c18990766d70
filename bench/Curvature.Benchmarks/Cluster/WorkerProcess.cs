using System.Collections.Concurrent;
using System.Diagnostics;

namespace Curvature.Benchmarks.Cluster;

/// <summary>A <c>curvature worker</c> process (<c>dotnet exec Curvature.Cli.dll worker …</c>, the CLI assembly the bench
/// project copies next to itself) whose output lines are collected as they come.</summary>
public sealed class WorkerProcess : IDisposable
{
    readonly ConcurrentQueue<string> _lines = new();
    readonly Process _process;

    WorkerProcess(Process process) => _process = process;

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Shards this worker loaded ("worker: shard s of run … loaded").</summary>
    public int ShardsLoaded => _lines.Count(l => l.StartsWith("worker: shard ", StringComparison.Ordinal) && l.Contains(" loaded (", StringComparison.Ordinal));

    /// <summary>The process's peak resident set size so far (VmHWM, bytes; 0 where unavailable).</summary>
    public long PeakRss => Cluster.PeakRss.Read(_process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>What the worker printed so far (stdout and stderr interleaved).</summary>
    public string Output => string.Join(Environment.NewLine, _lines);

    /// <summary>Starts a worker that joins the cluster at 127.0.0.1:<paramref name="port"/>; <paramref name="environment"/>
    /// adds variables (e.g. OMP_NUM_THREADS).</summary>
    public static WorkerProcess Start(int port, string runDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "Curvature.Cli.dll");
        if (!File.Exists(cli)) throw new FileNotFoundException($"{cli} not found next to the benchmark (the bench project references Curvature.Cli)", cli);
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "exec", cli, "worker", "--cluster", $"127.0.0.1:{port}", "--run-dir", runDirectory })
            start.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start a worker process");
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) worker._lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) worker._lines.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Waits up to <paramref name="limit"/> for the worker to end by itself; kills it after that.</summary>
    /// <returns>Whether it ended by itself.</returns>
    public bool WaitOrKill(TimeSpan limit)
    {
        if (_process.WaitForExit(limit))
        {
            _process.WaitForExit();   // drains the redirected streams
            return true;
        }
        Kill();
        return false;
    }

    /// <summary>Kills the worker (its whole process tree) if it is still running.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException) { }   // it ended in between
    }

    /// <summary>Kills the worker if it still runs, and releases the process handle.</summary>
    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>The dotnet host: DOTNET_HOST_PATH (set by the SDK), this process if it is dotnet, else dotnet on PATH
    /// (under <c>dotnet run</c> the bench runs as its own apphost).</summary>
    internal static string DotnetHost()
    {
        string? fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk)) return fromSdk;
        string? self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        return "dotnet";
    }
}
