namespace Curvature.Cli;

/// <summary>Entry point of the <c>curvature</c> command.</summary>
public static class Program
{
    /// <summary>Runs the command line on the process's console.</summary>
    public static int Main(string[] args) => CliApp.Run(args, Console.Out, Console.Error);
}
