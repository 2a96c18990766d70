using BenchmarkDotNet.Running;
using Curvature.Benchmarks.Config;
using Curvature.Benchmarks.Reporting;

namespace Curvature.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Curvature.Benchmarks -- --filter '*'</c> runs the suite (any
/// BenchmarkDotNet switch works); two extra verbs: <c>facts</c> prints the run's context (torch threads, how often
/// Selective reorthogonalizes, products used by the top-10 solver) and <c>report [DIR]</c> turns the JSON results
/// into the derived tables of docs/BENCHMARKS.md; <c>network</c> and <c>precision</c> are issue 5's network
/// workloads and precision-policy measurement (Network/); <c>slq-lockstep</c> times SLQ end to end with its probes
/// run 1, 2 and 4 at a time (Network/SlqLockstepBench.cs); <c>cluster</c> times issue 7's data-parallel products on
/// Orleans shards (local worker processes on 127.0.0.1) against the single-process operator, with the bytes they move
/// and the cost of reproducible BLAS (Cluster/ClusterBench.cs).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "facts") return Facts.Print(Console.Out);
        if (args.Length > 0 && args[0] == "cluster") return Cluster.ClusterBench.Run(args[1..], Console.Out);
        if (args.Length > 0 && args[0] == "network") return Network.NetworkBench.Run(args[1..], Console.Out);
        if (args.Length > 0 && args[0] == "slq-lockstep") return Network.SlqLockstepBench.Run(args[1..], Console.Out);
        if (args.Length > 0 && args[0] == "basis") return Benchmarks.BasisStorageBenchmarks.Run(args[1..], Console.Out);
        if (args.Length > 0 && args[0] == "precision") return Network.PrecisionPolicy.Run(args[1..], Console.Out);
        if (args.Length > 0 && args[0] == "report")
            return Report.Print(args.Length > 1 ? args[1] : Path.Combine("BenchmarkDotNet.Artifacts", "results"), Console.Out);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchJobs.Suite());
        return 0;
    }
}
