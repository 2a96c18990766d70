using System.Diagnostics;
using Curvature.Estimators;
using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Estimators;

/// <summary>A zero operator (a network whose units all died has a zero Hessian) is a valid input: its top eigenpairs are
/// zeros, found at the first convergence check — not after n products spent hunting for a residual below tol·‖A‖ = 0.</summary>
public sealed class ZeroOperatorTests
{
    [Fact]
    public void Top_eigenpairs_of_zero_are_zero_and_cheap()
    {
        using var scope = NewDisposeScope();
        var op = new CountingOperator(new DenseOperator(zeros(400, 400, dtype: ScalarType.Float64)), _ => { });
        using var gen = new Generator(1);
        using var pairs = TopEigenpairs.Compute(op, 3, EigenvalueOrder.LargestAlgebraic, gen);
        Assert.All(pairs.Values, v => Assert.Equal(0.0, v));
        Assert.All(pairs.Converged, Assert.True);
        // One first chunk of Lanczos steps (breakdowns continue in fresh directions) plus one product per pair for its
        // true residual: nothing beyond the first convergence check.
        long budget = TopEigenpairs.InitialSteps(3, 400) + 3;
        Assert.True(op.Count <= budget, $"{op.Count} products for the zero operator (budget {budget})");
    }
}
