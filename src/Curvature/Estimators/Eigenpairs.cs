using TorchSharp;

namespace Curvature.Estimators;

/// <summary>Eigenpairs from an iterative solver, in the requested order.</summary>
public sealed class Eigenpairs : IDisposable
{
    internal Eigenpairs(double[] values, torch.Tensor? vectors, double[] residuals, bool[] converged, int products, string method)
    {
        Values = values; Vectors = vectors; Residuals = residuals; Converged = converged; Products = products; Method = method;
    }

    /// <summary>Eigenvalue estimates, ordered as requested (e.g. descending for the largest).</summary>
    public double[] Values { get; }
    /// <summary>Eigenvectors as columns [n, k] in float64, owned by this object (null if not computed).</summary>
    public torch.Tensor? Vectors { get; private set; }
    /// <summary>True residual norms ‖A v − λ v‖ of each pair.</summary>
    public double[] Residuals { get; }
    /// <summary>Whether each pair met the requested tolerance.</summary>
    public bool[] Converged { get; }
    /// <summary>Products with the operator spent (matrix–vector; a block of k counts k).</summary>
    public int Products { get; }
    /// <summary>Which algorithm produced them.</summary>
    public string Method { get; }
    /// <summary>True if every pair converged.</summary>
    public bool AllConverged => Converged.All(c => c);

    /// <inheritdoc/>
    public void Dispose()
    {
        Vectors?.Dispose();
        Vectors = null;
    }
}
