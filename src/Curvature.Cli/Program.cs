namespace Curvature.Cli;

/// <summary>Entry point of the <c>curvature</c> command.</summary>
public static class Program
{
    /// <summary>Runs the command line on the process's console.</summary>
    public static int Main(string[] args)
    {
        // Before any tensor exists, and per process (not in CliApp.Run, which tests call in their own process): the silos
        // of a cluster must compute the same bits in every process.
        if ((args.Length > 0 && args[0] == "worker") || args.Contains("--cluster")) Curvature.Distributed.ReproducibleBlas.Enable();
        return CliApp.Run(args, Console.Out, Console.Error);
    }
}
