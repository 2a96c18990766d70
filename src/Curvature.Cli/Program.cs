using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Cli;

/// <summary>Entry point of the <c>curvature</c> command.</summary>
public static class Program
{
    /// <summary>Runs the command line.</summary>
    public static int Main(string[] args)
    {
        using var x = torch.ones(3, dtype: ScalarType.Float64);
        Console.WriteLine(x.sum().item<double>());
        return 0;
    }
}
