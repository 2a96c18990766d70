using System.CommandLine;
using Curvature.Distributed;
using Microsoft.Extensions.Hosting;

namespace Curvature.Cli.Commands;

/// <summary><c>curvature worker</c>: a worker silo that joins a cluster, hosts the data shards the coordinator's runs
/// place on it, and stops when the coordinator has gone.</summary>
internal static class WorkerCommand
{
    /// <summary>How long the coordinator's silo may refuse connections before the worker decides it has gone: several
    /// failure-detection probes (<see cref="CurvatureSilo.ProbeTimeout"/>), so a brief stall is not taken for the end.</summary>
    static readonly TimeSpan CoordinatorGrace = TimeSpan.FromSeconds(5);

    public static Command Create(CommandContext context)
    {
        var cluster = new ClusterOptionSet(
            "The cluster to join: the coordinator's HOST:PORT (e.g. 127.0.0.1:11111, as given to 'hessian --cluster') or redis://HOST:PORT.",
            "Seconds to wait for the cluster and its coordinator before giving up.");
        var port = OptionFactory.Create("--port", 0, "This worker's silo port (default: any free port).");
        var graphCache = OptionFactory.Choice("--graph-cache", "auto", "Keep each shard's batch graphs for all its products (auto: within half the memory available at the shard's first product) or rebuild them per product (off). The numbers are identical either way.", "auto", "off");
        var verbose = OptionFactory.Create("--verbose", false, "Print a line for every product a shard starts.");
        var command = new Command("worker", "Join a Curvature cluster as a worker: host data shards and compute their partial products until the coordinator's run ends.");
        foreach (var o in cluster.All.Concat([port, graphCache, verbose])) command.Options.Add(o);

        command.SetAction(parse =>
        {
            var view = new ParseResultView(parse);
            string? text = parse.GetValue(cluster.Cluster);
            if (text is null) throw new UserInputException("worker needs --cluster HOST:PORT (the coordinator's, e.g. 127.0.0.1:11111) or redis://HOST:PORT");
            var address = ClusterOptionSet.Address(text);
            if (parse.GetValue(port) is < 0 or > 65535) throw new UserInputException($"--port must be between 0 and 65535; got {parse.GetValue(port)}");
            string runDirectory = cluster.Directory(view);
            var settings = new SiloSettings(SiloRole.Worker, address, runDirectory, parse.GetValue(port),
                                            GraphCacheBudget: parse.GetValue(graphCache) == "off" ? 0 : null,
                                            ResponseTimeout: TimeSpan.FromSeconds(parse.GetValue(cluster.ResponseTimeout)),
                                            Activity: new ActivityPrinter(context.Stdout, parse.GetValue(verbose)));
            var joinTimeout = TimeSpan.FromSeconds(parse.GetValue(cluster.JoinTimeout));
            using var interrupt = new InterruptSignal();
            try
            {
                return Task.Run(() => Serve(context, settings, joinTimeout, interrupt.Token)).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (interrupt.Token.IsCancellationRequested)
            {
                context.Stderr.WriteLine("curvature: worker interrupted; it left the cluster");
                return interrupt.ExitCode;
            }
        });
        return command;
    }

    static async Task<int> Serve(CommandContext context, SiloSettings settings, TimeSpan joinTimeout, CancellationToken cancellation)
    {
        var deadline = DateTime.UtcNow + joinTimeout;
        IHost host;
        // Under development membership the coordinator holds the membership: a worker started first waits for its
        // endpoint to answer (Orleans' own join retries for minutes before it fails), then joins, retrying until the
        // deadline.
        while (true)
        {
            string? problem = null;
            if (settings.Cluster.Primary is { } primary && !await CurvatureSilo.ReachableAsync(primary, cancellation).ConfigureAwait(false))
                problem = $"nothing answers at {settings.Cluster}";
            else
            {
                host = CurvatureSilo.Build(settings);
                using var join = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                join.CancelAfter(Max(deadline - DateTime.UtcNow, TimeSpan.FromSeconds(1)));
                try
                {
                    await host.StartAsync(join.Token).ConfigureAwait(false);
                    break;
                }
                catch (Exception e) when (!cancellation.IsCancellationRequested)
                {
                    host.Dispose();
                    problem = e.Message.Split('\n')[0];
                }
            }
            if (DateTime.UtcNow >= deadline)
                throw new UserInputException($"--cluster {settings.Cluster}: could not join within {joinTimeout.TotalSeconds:G} s ({problem}); start the coordinator ('curvature hessian … --cluster {settings.Cluster}') or check the address");
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellation).ConfigureAwait(false);
        }
        using (host)
        {
            try
            {
                context.Stdout.WriteLine($"worker: joined the cluster at {settings.Cluster}; run files in {settings.RunDirectory}");
                context.Stdout.Flush();
                await CurvatureSilo.WaitForCoordinatorToLeaveAsync(host, joinTimeout, CoordinatorGrace, cancellation).ConfigureAwait(false);
                context.Stdout.WriteLine("worker: the coordinator has gone; stopping");
            }
            catch (TimeoutException e)
            {
                throw new UserInputException($"--cluster {settings.Cluster}: {e.Message}; start 'curvature hessian … --cluster {settings.Cluster}'");
            }
            finally
            {
                // Leaving a development membership whose holder is gone cannot be announced: bounded, then the process ends.
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try { await host.StopAsync(stop.Token).ConfigureAwait(false); }
                catch (Exception) when (stop.IsCancellationRequested) { }
            }
        }
        return ExitCodes.Ok;
    }

    static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Prints what the worker's shards do, one line each, as it happens.</summary>
    sealed class ActivityPrinter(TextWriter output, bool verbose) : IShardActivity
    {
        readonly object _gate = new();

        public void Activated(string runId, int shard, long samples) => Write($"worker: shard {shard} of run {runId} loaded ({samples} samples)");

        public void Product(string runId, int shard, int columns)
        {
            if (verbose) Write($"worker: shard {shard} of run {runId}: product of {columns} vector{(columns == 1 ? "" : "s")}");
        }

        public void Deactivated(string runId, int shard) => Write($"worker: shard {shard} of run {runId} released");

        void Write(string line)
        {
            lock (_gate)
            {
                output.WriteLine(line);
                output.Flush();
            }
        }
    }
}
