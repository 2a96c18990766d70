using Curvature.Estimators;
using Curvature.Operators;
using TorchSharp;

namespace Curvature.Tests.Docs;

/// <summary>The library example in README.md, verbatim in its calls, so the README cannot drift from the API;
/// its results are checked against the dense spectrum of the same R.</summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public void TheReadmeLibraryExampleRunsAndAgreesWithTheDenseSpectrum()
    {
        using var gen = new torch.Generator(42);                              // randomness is always passed in
        using var x = torch.randn(1000, 200, dtype: torch.float64, generator: gen) + 0.5; // p × N
        using var r = new CovarianceOperator(x);                              // R·v = (1/p) Xᵀ(X v), R never formed

        using var top = TopEigenpairs.Compute(r, k: 5, EigenvalueOrder.LargestAlgebraic, gen); // to 1e-8 residual
        var slq = StochasticLanczosQuadrature.Run(r, new SlqOptions(Probes: 10, Steps: 90), gen);
        var density = slq.Density(DensitySmoothing.GhorbaniVariance);         // or PapyanKappa, RangeOverSteps; logScale
        var trace = Hutchinson.Estimate(r, matvecs: 100, gen);                // trace.Estimate ± trace.StandardError
        var hpp = HutchPlusPlus.Estimate(r, matvecs: 99, gen);

        using var exact = torch.linalg.eigvalsh(r.ToDense());
        var lambda = exact.data<double>().ToArray().OrderByDescending(v => v).ToArray();
        double tr = lambda.Sum();
        for (int i = 0; i < 5; i++) Assert.Equal(lambda[i], top.Values[i], 1e-8 * lambda[0]);
        Assert.InRange(slq.Trace.Estimate, tr - 4 * slq.Trace.StandardError, tr + 4 * slq.Trace.StandardError);
        Assert.InRange(trace.Estimate, tr - 4 * trace.StandardError, tr + 4 * trace.StandardError);
        Assert.InRange(hpp.Estimate, tr - 4 * hpp.StandardError, tr + 4 * hpp.StandardError);
        Assert.Equal(1.0, density.Integral(), 2);
    }
}
