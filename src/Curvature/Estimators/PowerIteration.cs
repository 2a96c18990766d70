using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Estimators;

/// <summary>
/// Power iteration with Rayleigh quotients and deflation — the simple baseline for the top eigenpairs
/// (Golub &amp; Van Loan, Matrix Computations, 4th ed., §8.2.1). For pair j, with the
/// pairs found so far as orthonormal columns of V and P = I − VVᵀ:
/// v ← PAv / ‖PAv‖, θ = vᵀAv, stopping when ‖PAv − θv‖ ≤ tol·|θ|, or after the iteration limit.
/// Converges to the eigenvalue of largest magnitude of PAP (negative ones included) at rate |λ₂/λ₁| per
/// iteration; if ±λ are both dominant it does not converge and says so. The Rayleigh quotient of a residual-r
/// vector is accurate to about r²/gap. Vectors are float64; one product per iteration.
/// </summary>
public static class PowerIteration
{
    /// <summary>Default iteration limit per pair: enough to reach a 1e-8 relative residual when
    /// |λ₂/λ₁| ≤ 0.98 (ln 1e-8 / ln 0.98 ≈ 912); slower gaps call for Lanczos (our choice).</summary>
    public const int DefaultMaxIterations = 1000;

    /// <summary>Default relative residual: <see cref="Tolerances.RitzResidualRelative"/> (for the top pair |θ| = ‖A‖,
    /// so it is the same criterion as Lanczos uses).</summary>
    public const double DefaultRelativeTolerance = Tolerances.RitzResidualRelative;

    /// <summary>Finds <paramref name="count"/> eigenpairs of largest magnitude, one after another, each on A
    /// deflated by the ones before (explicit projection against the found vectors after every product).</summary>
    /// <param name="op">The symmetric operator A.</param>
    /// <param name="count">Number of pairs, 1 ≤ count ≤ n.</param>
    /// <param name="generator">Source of the random unit start vectors.</param>
    /// <param name="relativeTolerance">Stop when ‖PAv − θv‖ ≤ tol·|θ| (&gt; 0; default <see cref="DefaultRelativeTolerance"/>).</param>
    /// <param name="maxIterations">Products per pair at most (≥ 1; default <see cref="DefaultMaxIterations"/>).</param>
    public static PowerIterationResult TopEigenpairs(ILinearOperator op, int count, Generator generator,
        double relativeTolerance = DefaultRelativeTolerance, int maxIterations = DefaultMaxIterations)
    {
        EstimatorArguments.CheckOperator(op, nameof(op));
        EstimatorArguments.CheckAtLeast(count, 1, nameof(count), "number of eigenpairs");
        if (count > op.Size)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be ≤ the operator size {op.Size}; got {count}");
        EstimatorArguments.CheckGenerator(generator, nameof(generator));
        EstimatorArguments.CheckPositiveFinite(relativeTolerance, nameof(relativeTolerance));
        EstimatorArguments.CheckAtLeast(maxIterations, 1, nameof(maxIterations), "products per pair");
        using var session = ProductSession.Begin(op);   // the network graphs are built once for all the products below

        using var scope = NewDisposeScope();
        long n = op.Size;
        var found = new List<Tensor>();
        var values = new double[count];
        var vectors = new double[count][];
        var residuals = new double[count];
        var iterations = new int[count];
        var converged = new bool[count];
        int matvecs = 0;

        for (int j = 0; j < count; j++)
        {
            // V [n, j] of the pairs so far (empty for j = 0).
            Tensor? basis = j == 0 ? null : stack(found, 1);
            var v = Normalize(Project(RandomVectors.UnitVector(n, generator), basis));
            double theta = 0, residual = double.PositiveInfinity;
            int it = 0;
            while (true)
            {
                using var inner = NewDisposeScope();
                var av = EstimatorArguments.Product(op, v.unsqueeze(1)).squeeze(1);
                it++;
                var w = Project(av, basis);                          // PAv (= PAPv, since v ⟂ V)
                theta = v.dot(w).item<double>();
                double deflatedResidual = w.sub(v.mul(theta)).norm().item<double>();
                residual = av.sub(v.mul(theta)).norm().item<double>();
                if (deflatedResidual <= relativeTolerance * Math.Abs(theta)) { converged[j] = true; break; }
                if (it == maxIterations) break;                     // keep (θ, v, residual) of the same vector
                double norm = w.norm().item<double>();
                if (norm == 0) break;                                // v spans a null direction of PAP: θ = 0 exactly, caught above
                v.copy_(w.div(norm));
            }
            matvecs += it;
            values[j] = theta;
            vectors[j] = v.data<double>().ToArray();
            residuals[j] = residual;
            iterations[j] = it;
            found.Add(v);
        }
        return new PowerIterationResult(values, vectors, residuals, iterations, converged, matvecs);
    }

    static Tensor Project(Tensor x, Tensor? basis) => basis is null ? x : x - basis.matmul(basis.T.matmul(x));

    static Tensor Normalize(Tensor x)
    {
        double norm = x.norm().item<double>();
        // A random start vector lies in span(V) with probability 0; only j = n could make it vanish numerically.
        return norm > 0 ? x.div(norm) : x;
    }
}
